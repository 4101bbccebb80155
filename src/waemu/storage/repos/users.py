"""Reading and writing users and revoked tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import RevokedTokenRow, UserRow


async def all_users(session: AsyncSession) -> list[UserRow]:
    """Every user."""
    return list((await session.scalars(sa.select(UserRow))).all())


async def by_name(session: AsyncSession, username: str) -> UserRow | None:
    """The user called ``username``, if any."""
    return await session.scalar(sa.select(UserRow).where(UserRow.username == username))


async def delete(session: AsyncSession, username: str) -> None:
    """Remove the user called ``username``."""
    await session.execute(sa.delete(UserRow).where(UserRow.username == username))


async def revoke(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    """Record a revoked token (idempotent)."""
    if await session.get(RevokedTokenRow, jti) is None:
        session.add(RevokedTokenRow(jti=jti, expires_at=expires_at))


async def live_revocations(session: AsyncSession, now: datetime) -> list[str]:
    """Ids of revoked tokens that have not expired yet; expired ones are purged."""
    await session.execute(sa.delete(RevokedTokenRow).where(RevokedTokenRow.expires_at <= now))
    rows = await session.scalars(sa.select(RevokedTokenRow.jti))
    return list(rows.all())
