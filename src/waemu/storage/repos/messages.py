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
        await session.execute(sa.insert(MESSAGES), rows)


async def log_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record receipts: dicts with message_id, status, timestamp, detail."""
    if rows:
        await session.execute(sa.insert(STATUSES), rows)


async def set_many(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Change current statuses: dicts with b_id, b_status, b_at (and b_wa_id)."""
    if session.bind is not None and session.bind.dialect.name in ("mysql", "mariadb"):
        # aiomysql runs an executemany UPDATE row by row; one CASE statement is one trip.
        await _set_many_in_one_statement(session, changes)
        return
    with_wa_id = [c for c in changes if "b_wa_id" in c]
    without = [c for c in changes if "b_wa_id" not in c]
    if with_wa_id:
        await session.execute(_SET_STATUS_AND_WA_ID, with_wa_id)
    if without:
        await session.execute(_SET_STATUS, without)


async def _set_many_in_one_statement(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for change in changes:  # several receipts of one message in a batch: the last one wins
        latest[change["b_id"]] = {**latest.get(change["b_id"], {}), **change}
    if not latest:
        return
    # The driver's own SQL: the statement differs only by its number of rows, so building and
    # compiling an expression of literal values for every batch would cost more than the trip.
    status, at, wa_id, ids = [], [], [], []
    for message_id, change in latest.items():
        status += [message_id, change["b_status"]]
        at += [message_id, change["b_at"].astimezone(UTC).replace(tzinfo=None)]  # UtcDateTime
        ids.append(message_id)
        if "b_wa_id" in change:
            wa_id += [message_id, change["b_wa_id"]]
    sets = [
        f"status = CASE id {'WHEN %s THEN %s ' * len(ids)}END",
        f"updated_at = CASE id {'WHEN %s THEN %s ' * len(ids)}END",
    ]
    if wa_id:
        sets.append(f"wa_id = CASE id {'WHEN %s THEN %s ' * (len(wa_id) // 2)}ELSE wa_id END")
    places = ", ".join(["%s"] * len(ids))
    sql = f"UPDATE {MESSAGES.name} SET {', '.join(sets)} WHERE id IN ({places})"  # noqa: S608
    connection = await session.connection()
    await connection.exec_driver_sql(sql, tuple(status + at + wa_id + ids))


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
