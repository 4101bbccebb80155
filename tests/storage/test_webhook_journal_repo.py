"""The delivery journal's repository on each engine: the attempts of a batch are written in
one statement, and the journal keeps its last ``JOURNAL_LIMIT`` entries whatever the size of
the batches."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from waemu.storage.repos import webhooks as repo

pytestmark = pytest.mark.timeout(60)


def attempt(n: int) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "url": "https://example.test/hook",
        "events": 1,
        "body": f'{{"n": {n}}}',
        "status_code": 200,
        "error": None,
        "duration_ms": 3,
        "next_attempt_at": None,
        "given_up": 0,
    }


async def journal_ids(database: AsyncEngine) -> list[int]:
    async with database.connect() as conn:
        rows = await conn.scalars(sa.text("SELECT id FROM webhook_attempts ORDER BY id"))
        return list(rows.all())


async def write(database: AsyncEngine, attempts: list[dict[str, Any]]) -> None:
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        await repo.journal(session, attempts)


async def test_journal_keeps_its_last_entries(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "JOURNAL_LIMIT", 10)
    written = 0
    for size in (3, 3, 3, 5, 1, 7):  # ids 1..22
        await write(database, [attempt(written + i) for i in range(size)])
        written += size
        ids = await journal_ids(database)
        assert ids == list(range(max(1, written - 9), written + 1))
    assert ids == list(range(13, 23))


async def test_journal_of_nothing_writes_nothing(database: AsyncEngine) -> None:
    await write(database, [])
    assert await journal_ids(database) == []
