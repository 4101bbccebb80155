"""Writing and reading messages and their statuses: multi-row Core statements, so a batch
of hundreds of messages or receipts costs a handful of round trips."""

from __future__ import annotations

from collections.abc import Iterable
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
    with_wa_id = [c for c in changes if "b_wa_id" in c]
    without = [c for c in changes if "b_wa_id" not in c]
    if with_wa_id:
        await session.execute(_SET_STATUS_AND_WA_ID, with_wa_id)
    if without:
        await session.execute(_SET_STATUS, without)


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
