"""Counting queries behind ``GET /v1/stats/db`` (spec §10.2): one grouped count per stat."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import (
    ContactIdentityRow,
    ContactRow,
    MediaRow,
    MessageRow,
    MessageStatusRow,
    WebhookAttemptRow,
    WebhookRow,
)


@dataclass(frozen=True, slots=True)
class DbCounts:
    """What the database holds, counted."""

    contacts_by_status: dict[str, int]
    receipts: int
    messages_by_type: dict[str, int]
    pending_callbacks: int
    pending_messages: int


@dataclass(frozen=True, slots=True)
class DbDetails:
    """The extra counts of ``/v1/stats/db/internal``."""

    messages_by_direction_status: dict[tuple[str, str], int] = field(default_factory=dict)
    media_by_direction: dict[str, tuple[int, int]] = field(default_factory=dict)  # count, bytes
    identities: int = 0
    webhook_attempts: int = 0


async def _count(session: AsyncSession, table: type[object]) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def counts(session: AsyncSession, accepted_status: str) -> DbCounts:
    """The counts of the spec's DB stats; ``accepted_status`` marks outbound not yet sent."""
    contacts = await session.execute(
        sa.select(ContactRow.status, sa.func.count()).group_by(ContactRow.status)
    )
    messages = await session.execute(
        sa.select(MessageRow.type, sa.func.count()).group_by(MessageRow.type)
    )
    pending = await session.scalar(
        sa.select(sa.func.count())
        .select_from(MessageRow)
        .where(MessageRow.direction == "out", MessageRow.status == accepted_status)
    )
    return DbCounts(
        contacts_by_status={str(s): int(n) for s, n in contacts.all()},
        receipts=await _count(session, MessageStatusRow),
        messages_by_type={str(t): int(n) for t, n in messages.all()},
        pending_callbacks=await _count(session, WebhookRow),
        pending_messages=int(pending or 0),
    )


async def details(session: AsyncSession) -> DbDetails:
    """The extra counts: messages per direction and status, media, identities, attempts."""
    messages = await session.execute(
        sa.select(MessageRow.direction, MessageRow.status, sa.func.count()).group_by(
            MessageRow.direction, MessageRow.status
        )
    )
    media = await session.execute(
        sa.select(
            MediaRow.direction, sa.func.count(), sa.func.coalesce(sa.func.sum(MediaRow.size), 0)
        ).group_by(MediaRow.direction)
    )
    return DbDetails(
        messages_by_direction_status={(str(d), str(s)): int(n) for d, s, n in messages.all()},
        media_by_direction={str(d): (int(n), int(b)) for d, n, b in media.all()},
        identities=await _count(session, ContactIdentityRow),
        webhook_attempts=await _count(session, WebhookAttemptRow),
    )


async def outbox_size(session: AsyncSession) -> int:
    """How many webhook notifications wait in the outbox."""
    return await _count(session, WebhookRow)
