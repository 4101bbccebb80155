"""Writing and reading messages and their statuses: multi-row Core statements, so a batch
of hundreds of messages or receipts costs a handful of round trips."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import MessageRow, MessageStatusRow

MESSAGES: sa.Table = MessageRow.__table__  # type: ignore[assignment]
STATUSES: sa.Table = MessageStatusRow.__table__  # type: ignore[assignment]

# Built once: the writer keeps what it compiled of a statement it sees again
# (storage/sql_script.py).
_INSERT_MESSAGES = sa.insert(MESSAGES)
_INSERT_STATUSES = sa.insert(STATUSES)
# PostgreSQL: one statement of four arrays, whatever the number of rows.
_SET_STATUSES_PG = sa.text(
    "UPDATE messages SET status = v.s, updated_at = v.t, wa_id = COALESCE(v.w, messages.wa_id) "
    "FROM unnest(CAST(:i AS VARCHAR[]), CAST(:s AS VARCHAR[]), CAST(:t AS TIMESTAMP[]), "
    "CAST(:w AS VARCHAR[])) AS v (i, s, t, w) WHERE messages.id = v.i"
)
_SET_STATUS = (
    sa.update(MESSAGES)
    .where(MESSAGES.c.id == sa.bindparam("b_id"))
    .values(status=sa.bindparam("b_status"), updated_at=sa.bindparam("b_at"))
)
_SET_STATUS_AND_WA_ID = (
    sa.update(MESSAGES)
    .where(MESSAGES.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        updated_at=sa.bindparam("b_at"),
        wa_id=sa.bindparam("b_wa_id"),
    )
)


async def insert_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store new messages: dicts with every column of ``messages``."""
    if rows:
        await session.execute(_INSERT_MESSAGES, rows)


async def log_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record receipts: dicts with message_id, status, timestamp, detail."""
    if rows:
        await session.execute(_INSERT_STATUSES, rows)


async def set_many(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Change current statuses: dicts with b_id, b_status, b_at (and b_wa_id)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect in ("mysql", "mariadb", "postgresql"):
        # One statement for the whole batch: on MySQL aiomysql would run an executemany
        # UPDATE row by row, and a script of one UPDATE per row costs PostgreSQL a parse and
        # a plan for each (storage/sql_script.py).
        await _set_many_in_one_statement(session, changes, postgres=dialect == "postgresql")
        return
    with_wa_id = [c for c in changes if "b_wa_id" in c]
    without = [c for c in changes if "b_wa_id" not in c]
    if with_wa_id:
        await session.execute(_SET_STATUS_AND_WA_ID, with_wa_id)
    if without:
        await session.execute(_SET_STATUS, without)


async def _set_many_in_one_statement(
    session: AsyncSession, changes: list[dict[str, Any]], *, postgres: bool
) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for change in changes:  # several receipts of one message in a batch: the last one wins
        latest[change["b_id"]] = {**latest.get(change["b_id"], {}), **change}
    if not latest:
        return
    ids = list(latest)
    statuses = [change["b_status"] for change in latest.values()]
    # As UtcDateTime stores them: this plain SQL has no column types to convert them.
    ats = [change["b_at"].astimezone(UTC).replace(tzinfo=None) for change in latest.values()]
    wa_ids = [change.get("b_wa_id") for change in latest.values()]
    if postgres:
        await session.execute(_SET_STATUSES_PG, {"i": ids, "s": statuses, "t": ats, "w": wa_ids})
        return
    # The driver's own SQL: the statement differs only by its number of rows, so building and
    # compiling an expression of literal values for every batch would cost more than the trip.
    status, at, wa_id = [], [], []
    for n, message_id in enumerate(ids):
        status += [message_id, statuses[n]]
        at += [message_id, ats[n]]
        wa_id += [message_id, wa_ids[n]]
    when = "WHEN %s THEN %s " * len(ids)
    sql = (
        f"UPDATE {MESSAGES.name} SET status = CASE id {when}END, "  # noqa: S608
        f"updated_at = CASE id {when}END, "
        f"wa_id = CASE id {'WHEN %s THEN COALESCE(%s, wa_id) ' * len(ids)}END "
        f"WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    # The writer's session queues it for its script (storage/server_writes.py).
    run = getattr(session, "exec_driver_sql", None)
    if run is None:
        run = (await session.connection()).exec_driver_sql
    await run(sql, tuple(status + at + wa_id + ids))


async def current(session: AsyncSession, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{id: (direction, status)}`` of the stored messages among ``ids``."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(MESSAGES.c.id, MESSAGES.c.direction, MESSAGES.c.status).where(
            MESSAGES.c.id.in_(wanted)
        )
    )
    return {row.id: (row.direction, row.status) for row in rows}


async def get(session: AsyncSession, message_id: str) -> MessageRow | None:
    """The message with this id."""
    return await session.get(MessageRow, message_id)


async def statuses(session: AsyncSession, message_id: str) -> list[str]:
    """Every status recorded for a message, oldest first."""
    rows = await session.scalars(
        sa.select(STATUSES.c.status)
        .where(STATUSES.c.message_id == message_id)
        .order_by(STATUSES.c.id)
    )
    return list(rows.all())


async def by_status(session: AsyncSession, direction: str, status: str) -> list[MessageRow]:
    """Messages of a direction in one status, oldest first (e.g. outbound not yet sent)."""
    rows = await session.scalars(
        sa.select(MessageRow)
        .where(MessageRow.direction == direction, MessageRow.status == status)
        .order_by(MessageRow.created_at)
    )
    return list(rows.all())


async def delete_older_than(session: AsyncSession, cutoff: datetime, keep_status: str) -> int:
    """Delete messages created before ``cutoff`` and their receipts; how many messages went.

    Messages in ``keep_status`` stay whatever their age (outbound messages the network has
    not taken yet: accepted work is never lost).
    """
    old = (MESSAGES.c.created_at < cutoff) & (MESSAGES.c.status != keep_status)
    await session.execute(
        sa.delete(STATUSES).where(STATUSES.c.message_id.in_(sa.select(MESSAGES.c.id).where(old)))
    )
    result = await session.execute(sa.delete(MESSAGES).where(old))
    return int(getattr(result, "rowcount", 0) or 0)


async def customers(session: AsyncSession, reached: Iterable[str], limit: int) -> list[str]:
    """The wa_ids of customers who wrote, or whom a message reached (an outbound message in
    one of the ``reached`` statuses, its wa_id the one the network answered), most recent
    first, at most ``limit``."""
    wrote = MESSAGES.c.direction == "in"
    was_reached = (MESSAGES.c.direction == "out") & MESSAGES.c.status.in_(list(reached))
    rows = await session.scalars(
        sa.select(MESSAGES.c.wa_id)
        .where(wrote | was_reached)
        .group_by(MESSAGES.c.wa_id)
        .order_by(sa.func.max(MESSAGES.c.created_at).desc())
        .limit(limit)
    )
    return list(rows.all())
