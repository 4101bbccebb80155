"""The webhook outbox and the attempts journal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import WebhookAttemptRow, WebhookRow

OUTBOX: sa.Table = WebhookRow.__table__  # type: ignore[assignment]
ATTEMPTS: sa.Table = WebhookAttemptRow.__table__  # type: ignore[assignment]
JOURNAL_LIMIT = 10_000

# Statements built once: the writer keeps what it compiled of them (storage/sql_script.py).
_ENQUEUE = sa.insert(OUTBOX)
_JOURNAL = sa.insert(ATTEMPTS)
# Everything but the newest ``keep`` entries; through a derived table, which MySQL allows in
# a DELETE from the same table, and in one statement, so a batch's writes read nothing back.
_NEWEST = sa.select((sa.func.max(ATTEMPTS.c.id) - sa.bindparam("keep")).label("m")).subquery()
_PRUNE = sa.delete(ATTEMPTS).where(ATTEMPTS.c.id <= sa.select(_NEWEST.c.m).scalar_subquery())
_RETRY_LATER = (
    sa.update(OUTBOX)
    .where(OUTBOX.c.id == sa.bindparam("b_id"))
    .values(attempts=sa.bindparam("b_attempts"), next_attempt_at=sa.bindparam("b_next"))
)


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add notifications: dicts with kind, payload, created_at, next_attempt_at, attempts."""
    if rows:
        await session.execute(_ENQUEUE, rows)


async def due(session: AsyncSession, now: datetime, limit: int) -> list[Any]:
    """Notifications whose next attempt is due, oldest first."""
    result = await session.execute(
        sa.select(OUTBOX).where(OUTBOX.c.next_attempt_at <= now).order_by(OUTBOX.c.id).limit(limit)
    )
    return list(result.all())


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest waiting notification is due."""
    value: datetime | None = await session.scalar(sa.select(sa.func.min(OUTBOX.c.next_attempt_at)))
    return value


async def delivered(session: AsyncSession, ids: list[int]) -> None:
    """Forget notifications the webhook accepted."""
    if ids:
        await session.execute(sa.delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))


async def give_up(session: AsyncSession, ids: list[int]) -> None:
    """Forget notifications past the retry horizon; their last attempt stays journalled."""
    if ids:
        await session.execute(sa.delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))


async def retry_later(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Reschedule: dicts with b_id, b_attempts, b_next."""
    if changes:
        await session.execute(_RETRY_LATER, changes)


async def pending(session: AsyncSession) -> int:
    """How many notifications wait."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(OUTBOX)) or 0)


async def clear(session: AsyncSession) -> None:
    """Forget every waiting notification (``callback_persist`` false, at start)."""
    await session.execute(sa.delete(OUTBOX))


async def journal(session: AsyncSession, attempts: list[dict[str, Any]]) -> None:
    """Record POSTs (dicts with the columns of ``webhook_attempts``); keep the journal to its
    last ``JOURNAL_LIMIT`` entries (the prune finds its first row to keep in the index, so it
    costs a lookup when there is nothing to prune)."""
    if not attempts:
        return
    await session.execute(_JOURNAL, attempts)
    await session.execute(_PRUNE, {"keep": JOURNAL_LIMIT})


async def recent_attempts(
    session: AsyncSession, limit: int, since: datetime | None = None
) -> list[Any]:
    """The latest attempts (those made at or after ``since`` when given), newest first."""
    query = sa.select(ATTEMPTS)
    if since is not None:
        query = query.where(ATTEMPTS.c.at >= since)
    result = await session.execute(query.order_by(ATTEMPTS.c.id.desc()).limit(limit))
    return list(result.all())


async def retry_now(session: AsyncSession, now: datetime) -> int:
    """Make every waiting notification due at ``now``; how many wait."""
    count = await pending(session)
    if count:
        await session.execute(sa.update(OUTBOX).values(next_attempt_at=now))
    return count


async def attempt(session: AsyncSession, attempt_id: int) -> Any | None:
    """One journalled POST, or None."""
    result = await session.execute(sa.select(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id))
    return result.first()


async def clear_attempts(session: AsyncSession) -> int:
    """Forget the journal; how many attempts it held."""
    count = int(await session.scalar(sa.select(sa.func.count()).select_from(ATTEMPTS)) or 0)
    if count:
        await session.execute(sa.delete(ATTEMPTS))
    return count
