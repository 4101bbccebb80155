"""Revision 0008 (the journal's ``given_up``) on a database holding journal rows, per engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from waemu.settings import Settings
from waemu.storage import migrate
from waemu.storage.base import UtcDateTime
from waemu.storage.engine import create_engine, drop_database, wait_and_create_database

ATTEMPT = {
    "at": datetime(2026, 1, 1, tzinfo=UTC),
    "url": "http://127.0.0.1/hook",
    "events": 1,
    "body": "{}",
    "status_code": 500,
    "error": "HTTP 500: ",
    "duration_ms": 3,
    "next_attempt_at": datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC),
}


@pytest.fixture
async def sql(db_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """The emulator's engine on a fresh, not yet migrated database; dropped afterwards."""
    settings = Settings.from_env(db_env).db
    await wait_and_create_database(settings)
    engine = create_engine(settings)
    yield engine
    await engine.dispose()
    await drop_database(settings)


async def downgrade(sql: AsyncEngine, revision: str) -> None:
    """``alembic downgrade`` on the emulator's connection, as ``migrate.upgrade`` runs upgrades."""

    def run(connection: Any) -> None:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with sql.begin() as conn:
        await conn.run_sync(run)


async def columns(sql: AsyncEngine) -> set[str]:
    async with sql.connect() as conn:
        found = await conn.run_sync(
            lambda c: {col["name"] for col in sa.inspect(c).get_columns("webhook_attempts")}
        )
    return set(found)


async def test_given_up_is_added_as_zero_to_earlier_attempts_and_removed_on_downgrade(
    sql: AsyncEngine,
) -> None:
    await migrate.upgrade(sql, "0007")
    # The table as revision 0007 left it, with the emulator's column type for times.
    attempts = sa.table(
        "webhook_attempts",
        *(sa.column(name, UtcDateTime if name.endswith("at") else None) for name in ATTEMPT),
    )
    async with sql.begin() as conn:
        await conn.execute(sa.insert(attempts).values(**ATTEMPT))
    assert "given_up" not in await columns(sql)

    await migrate.upgrade(sql)
    async with sql.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT events, given_up FROM webhook_attempts"))).all()
    assert [tuple(row) for row in rows] == [(1, 0)]  # retries had no end before 0008

    await downgrade(sql, "0007")
    assert "given_up" not in await columns(sql)
    async with sql.connect() as conn:
        kept = (
            await conn.execute(sa.text("SELECT events, status_code FROM webhook_attempts"))
        ).all()
    assert [tuple(row) for row in kept] == [(1, 500)]
