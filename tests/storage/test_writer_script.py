"""The writer's script on PostgreSQL and MySQL/MariaDB: the statements of write-only flushers
go to the server together, values written in as literals. Hostile values come back exactly as
written, nothing of a batch runs statement by statement, a flusher that reads sees what was
queued before it, and the status updates of a batch keep their last word."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from waemu.settings import Settings
from waemu.storage import migrate
from waemu.storage.batch import BatchWriter, WriteFailed
from waemu.storage.engine import (
    create_engine,
    drop_database,
    session_factory,
    wait_and_create_database,
    writer_transactions,
)
from waemu.storage.repos import messages as repo
from waemu.storage.server_writes import ServerWrites

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.parametrize("engine", ["postgres", "mysql"], indirect=True),
]

HOSTILE = [
    "it's",
    "'; DROP TABLE messages; --",
    "back\\slash\\' and \\\\'",
    "%s %% %(name)s $1 $2::text {0} {} }{",
    "line\nbreak\r\ttab \x1a ctrl-z",
    "émoji 😀 and 中文",
    "\\x00 spelled out",
    "x" * 20_000,
]


def message(message_id: str, content: str = "{}", at: datetime | None = None) -> dict[str, Any]:
    when = at or datetime.now(UTC)
    return {
        "id": message_id,
        "direction": "out",
        "wa_id": "16315551001",
        "type": "text",
        "content": content,
        "status": "accepted",
        "created_at": when,
        "updated_at": when,
    }


class Store:
    """A migrated database and a writer; counts the statements that went the plain way,
    statement by statement, on the writer's engine (the test's own reads too: check the
    count before reading)."""

    def __init__(self, engine: AsyncEngine, writes: ServerWrites) -> None:
        self.engine = engine
        self.writes = writes
        self.writer = BatchWriter(session_factory(engine), begin=writes.begin)
        self.plain_statements = 0
        sa.event.listen(writes.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.plain_statements += 1

    async def rows(self) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            result = await conn.execute(sa.select(repo.MESSAGES))
            return {row.id: row for row in result}


@pytest.fixture
async def store(db_env: dict[str, str]) -> AsyncIterator[Store]:
    db = Settings.from_env(db_env).db
    await wait_and_create_database(db)
    engine = create_engine(db)
    await migrate.upgrade(engine)
    writes = writer_transactions(db, engine)
    assert isinstance(writes, ServerWrites)
    running = Store(engine, writes)
    running.writer.start()
    try:
        yield running
    finally:
        await running.writer.stop()
        await writes.stop()
        await engine.dispose()
        await drop_database(db)


async def test_hostile_values_come_back_as_written(store: Store) -> None:
    async def insert(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)

    store.writer.register("write", insert, writes_only=True)
    at = datetime(2026, 12, 3, 21, 0, 0, 123456, tzinfo=UTC)
    await store.writer.add_many(
        "write", [message(f"h{n}", text, at) for n, text in enumerate(HOSTILE)]
    )
    assert store.plain_statements == 0  # it all went as one script
    rows = await store.rows()
    assert {row.id: row.content for row in rows.values()} == {
        f"h{n}": text for n, text in enumerate(HOSTILE)
    }
    assert {row.created_at.replace(tzinfo=UTC) for row in rows.values()} == {at}


async def test_nul_fails_alone_where_the_server_cannot_store_it(
    store: Store, db_env: dict[str, str]
) -> None:
    async def insert(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)

    store.writer.register("write", insert, writes_only=True)
    results = await asyncio.gather(
        store.writer.add("write", message("ok")),
        store.writer.add("write", message("nul", "a\x00b")),
        return_exceptions=True,
    )
    stored = await store.rows()
    assert results[0] is None
    if Settings.from_env(db_env).db.engine == "PGSQL":  # text cannot hold NUL there
        assert isinstance(results[1], WriteFailed)
        assert set(stored) == {"ok"}
    else:
        assert results[1] is None
        assert stored["nul"].content == "a\x00b"


async def test_a_failing_statement_undoes_its_whole_script(store: Store) -> None:
    async def insert_then_log(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)
        await repo.log_many(
            session,
            [{"message_id": r["id"], "status": "sent", "timestamp": r["created_at"]} for r in rows],
        )

    store.writer.register("write", insert_then_log, writes_only=True)
    await store.writer.add("write", message("first"))
    results = await asyncio.gather(
        *(store.writer.add("write", message(f"m{n}")) for n in range(5)),
        store.writer.add("write", message("first")),  # a duplicate key: refused
        return_exceptions=True,
    )
    assert results[:5] == [None] * 5
    assert isinstance(results[5], WriteFailed)
    assert set(await store.rows()) == {"first", *(f"m{n}" for n in range(5))}
    async with store.engine.connect() as conn:
        logged = (await conn.execute(sa.text("SELECT COUNT(*) FROM message_statuses"))).scalar()
    assert logged == 6  # the refused item's status row went with it


async def test_a_flusher_that_reads_sees_what_was_queued_before_it(store: Store) -> None:
    seen: list[int] = []

    async def insert(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)

    async def count(session: AsyncSession, items: list[Any]) -> None:
        seen.append(
            int(await session.scalar(sa.select(sa.func.count()).select_from(repo.MESSAGES)))
        )
        await repo.insert_many(session, items)

    store.writer.register("write", insert, writes_only=True)
    store.writer.register("count", count)
    await asyncio.gather(
        store.writer.add_many("write", [message("a"), message("b")]),
        store.writer.add("count", message("c")),
    )
    assert store.plain_statements > 0
    assert seen == [2]
    assert set(await store.rows()) == {"a", "b", "c"}


async def test_status_updates_keep_the_last_word_of_a_batch(store: Store) -> None:
    async def insert(session: AsyncSession, rows: list[Any]) -> None:
        await repo.insert_many(session, rows)

    async def set_status(session: AsyncSession, changes: list[Any]) -> None:
        await repo.set_many(session, changes)

    store.writer.register("write", insert, writes_only=True)
    store.writer.register("status", set_status, writes_only=True)
    await store.writer.add_many("write", [message("a"), message("b"), message("c")])
    later = datetime.now(UTC) + timedelta(seconds=5)
    await store.writer.add_many(
        "status",
        [
            {"b_id": "a", "b_status": "sent", "b_at": later, "b_wa_id": "16315559999"},
            {"b_id": "b", "b_status": "sent", "b_at": later},
            {"b_id": "a", "b_status": "delivered", "b_at": later},  # a's last word
            {"b_id": "c", "b_status": "it's 'quoted'", "b_at": later},
        ],
    )
    assert store.plain_statements == 0
    rows = await store.rows()
    assert {i: (r.status, r.wa_id) for i, r in rows.items()} == {
        "a": ("delivered", "16315559999"),  # the wa_id of the earlier receipt stays
        "b": ("sent", "16315551001"),
        "c": ("it's 'quoted'", "16315551001"),
    }
    assert rows["a"].updated_at.replace(tzinfo=UTC) == later
