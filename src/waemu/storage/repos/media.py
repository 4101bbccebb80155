"""Reading and writing the media store (table in ``tables/media.py``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables.media import MediaRow


async def get(session: AsyncSession, media_id: str) -> MediaRow | None:
    """The row of ``media_id``, if there is one."""
    return await session.get(MediaRow, media_id)


async def delete(session: AsyncSession, media_id: str) -> bool:
    """Remove the row of ``media_id``; whether there was one."""
    result = await session.execute(sa.delete(MediaRow).where(MediaRow.id == media_id))
    return bool(getattr(result, "rowcount", 0))


async def touch(session: AsyncSession, media_id: str, when: datetime) -> None:
    """Record that a message used ``media_id`` at ``when``."""
    await session.execute(
        sa.update(MediaRow).where(MediaRow.id == media_id).values(last_used_at=when)
    )


async def unused_since(session: AsyncSession, cutoff: datetime) -> list[tuple[str, str]]:
    """``(id, path)`` of media neither used nor created since ``cutoff`` (spec §8.5)."""
    stale = sa.or_(
        MediaRow.last_used_at < cutoff,
        sa.and_(MediaRow.last_used_at.is_(None), MediaRow.created_at < cutoff),
    )
    rows = await session.execute(sa.select(MediaRow.id, MediaRow.path).where(stale))
    return [(str(i), str(p)) for i, p in rows.all()]


async def delete_many(session: AsyncSession, media_ids: list[str]) -> int:
    """Remove the rows of ``media_ids``; how many there were."""
    deleted = 0
    for start in range(0, len(media_ids), 500):  # well under every engine's parameter limit
        chunk = media_ids[start : start + 500]
        result = await session.execute(sa.delete(MediaRow).where(MediaRow.id.in_(chunk)))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted
