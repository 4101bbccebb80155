"""The group-commit writer on its own connection, on each engine: batches commit, a bad item
fails alone, a lock held elsewhere (SQLite) or a connection the server dropped does not stop
it, and SQLite's log reaches the database file through the background checkpoints."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from waemu.settings import DatabaseSettings, Settings
from waemu.storage import migrate
from waemu.storage.batch import BatchWriter, WriteFailed
from waemu.storage.engine import (
    create_engine,
    drop_database,
    session_factory,
    sqlite_path,
    wait_and_create_database,
    writer_transactions,
)
from waemu.storage.repos import messages as repo
from waemu.storage.server_writes import ServerWrites
from waemu.storage.sqlite_writes import SqliteWrites

pytestmark = pytest.mark.timeout(60)


class Store:
    """A migrated database, its engine and a started writer on the writer's connection."""

    def __init__(self, db: DatabaseSettings, engine: AsyncEngine, writes_only: bool) -> None:
        self.db = db
        self.engine = engine
        self.writes = writer_transactions(db, engine)
        self.writer = BatchWriter(session_factory(engine), begin=self.writes.begin)
        # Write-only: on the servers, a script per batch (storage/server_writes.py).
        self.writer.register("messages", self._flush, writes_only=writes_only)

    @staticmethod
    async def _flush(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)

    async def ids(self) -> set[str]:
        async with self.engine.connect() as conn:
            return set((await conn.scalars(sa.text("SELECT id FROM messages"))).all())


@pytest.fixture(params=[False, True], ids=["statements", "script"])
async def store(db_env: dict[str, str], request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    db = Settings.from_env(db_env).db
    await wait_and_create_database(db)
    engine = create_engine(db)
    await migrate.upgrade(engine)
    running = Store(db, engine, writes_only=request.param)
    running.writes.start()
    running.writer.start()
    try:
        yield running
    finally:
        await running.writer.stop()
        await running.writes.stop()
        await engine.dispose()
        await drop_database(db)


def row(message_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": message_id,
        "direction": "out",
        "wa_id": "16315551001",
        "type": "text",
        "content": "{}",
        "status": "accepted",
        "created_at": now,
        "updated_at": now,
    }


async def test_concurrent_items_are_committed_and_a_bad_one_fails_alone(store: Store) -> None:
    await store.writer.add("messages", row("m0"))
    results = await asyncio.gather(
        *(store.writer.add("messages", row(f"m{i}")) for i in range(1, 40)),
        store.writer.add("messages", row("m0")),  # a duplicate key: refused
        return_exceptions=True,
    )
    assert all(result is None for result in results[:-1])
    assert isinstance(results[-1], WriteFailed)
    assert await store.ids() == {f"m{i}" for i in range(40)}


async def test_a_transaction_that_raises_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.writes.begin() as session:
            await repo.insert_many(session, [row("gone")])
            raise RuntimeError("refused half-way")
    await store.writer.add("messages", row("kept"))
    assert await store.ids() == {"kept"}


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_sqlite_writer_waits_for_a_lock_held_elsewhere_without_blocking_the_loop(
    store: Store,
) -> None:
    assert isinstance(store.writes, SqliteWrites)
    async with store.engine.connect() as other:
        await other.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, on an async connection
        write = asyncio.create_task(store.writer.add("messages", row("after-the-lock")))
        ticks = 0
        for _ in range(20):  # the loop keeps running while the writer waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
        await other.exec_driver_sql(
            "INSERT INTO config (key, value) VALUES ('held', 'yes')"
        )  # the holder can still use the loop to finish its transaction
        await other.exec_driver_sql("COMMIT")
    async with asyncio.timeout(10):
        await write
    assert ticks == 20
    assert await store.ids() == {"after-the-lock"}


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_sqlite_checkpoints_copy_the_log_into_the_database_file(
    store: Store, tmp_path: Path
) -> None:
    await store.writer.add_many("messages", [row(f"c{i}") for i in range(50)])
    copy = tmp_path / "copy.db"
    for _ in range(50):  # within a few checkpoint periods (one a second)
        await asyncio.sleep(0.1)
        shutil.copyfile(sqlite_path(store.db), copy)  # the file alone, without its -wal
        with sqlite3.connect(copy) as conn:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            if (
                "messages" in tables
                and conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 50
            ):
                break
    else:
        pytest.fail("the rows never reached the database file")


async def _drop_connections(engine: AsyncEngine, db: DatabaseSettings) -> None:
    """Make the server close every connection of the database but this one."""
    async with engine.connect() as conn:
        if db.engine == "PGSQL":
            await conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": db.database_name},
            )
            return
        ours = (await conn.execute(sa.text("SELECT CONNECTION_ID()"))).scalar_one()
        rows = await conn.execute(
            sa.text("SELECT id FROM information_schema.processlist WHERE db = :name"),
            {"name": db.database_name},
        )
        for (connection_id,) in rows:
            if connection_id != ours:
                await conn.execute(sa.text(f"KILL {int(connection_id)}"))


@pytest.mark.parametrize("engine", ["postgres", "mysql"], indirect=True)
async def test_server_writer_survives_its_connection_being_dropped(store: Store) -> None:
    assert isinstance(store.writes, ServerWrites)
    await store.writer.add("messages", row("before"))
    await _drop_connections(store.engine, store.db)
    await asyncio.sleep(0.2)
    await store.writer.add("messages", row("after"))  # retried on a fresh connection
    assert await store.ids() == {"before", "after"}
