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
