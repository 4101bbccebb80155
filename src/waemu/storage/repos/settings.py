"""Media providers and the profile photo (tables in ``tables/settings.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import MediaProviderRow, ProfilePhotoRow

PHOTO_ROW_ID = 1


async def all_providers(session: AsyncSession) -> Sequence[MediaProviderRow]:
    """Every provider, oldest first."""
    result = await session.scalars(sa.select(MediaProviderRow).order_by(MediaProviderRow.id))
    return result.all()


async def provider_by_id(session: AsyncSession, row_id: int) -> MediaProviderRow | None:
    """The provider row with this id."""
    return await session.get(MediaProviderRow, row_id)


async def delete_provider(session: AsyncSession, row_id: int) -> None:
    """Remove the provider row with this id."""
    await session.execute(sa.delete(MediaProviderRow).where(MediaProviderRow.id == row_id))


async def photo(session: AsyncSession) -> ProfilePhotoRow | None:
    """The stored profile photo, if any."""
    return await session.get(ProfilePhotoRow, PHOTO_ROW_ID)


async def delete_photo(session: AsyncSession) -> None:
    """Remove the profile photo."""
    await session.execute(sa.delete(ProfilePhotoRow).where(ProfilePhotoRow.id == PHOTO_ROW_ID))
