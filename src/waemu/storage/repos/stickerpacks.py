"""Reading and writing third-party sticker packs (tables in ``tables/stickerpacks.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import StickerPackRow, StickerRow


async def all_packs(session: AsyncSession) -> Sequence[StickerPackRow]:
    """Every pack, oldest first."""
    result = await session.scalars(
        sa.select(StickerPackRow).order_by(StickerPackRow.created_at, StickerPackRow.id)
    )
    return result.all()


async def pack(session: AsyncSession, pack_id: str, *, lock: bool = False) -> StickerPackRow | None:
    """The pack with this id; ``lock`` holds its row until the transaction ends."""
    query = sa.select(StickerPackRow).where(StickerPackRow.id == pack_id)
    if lock:
        query = query.with_for_update()
    result: StickerPackRow | None = await session.scalar(query)
    return result


async def delete_pack(session: AsyncSession, pack_id: str) -> None:
    """Remove the pack and its stickers."""
    await session.execute(sa.delete(StickerRow).where(StickerRow.pack_id == pack_id))
    await session.execute(sa.delete(StickerPackRow).where(StickerPackRow.id == pack_id))


async def stickers(session: AsyncSession, pack_id: str) -> Sequence[StickerRow]:
    """The pack's stickers in index order."""
    result = await session.scalars(
        sa.select(StickerRow)
        .where(StickerRow.pack_id == pack_id)
        .order_by(StickerRow.sticker_index)
    )
    return result.all()


async def sticker(session: AsyncSession, pack_id: str, index: int) -> StickerRow | None:
    """The sticker at ``index`` of the pack."""
    result: StickerRow | None = await session.scalar(
        sa.select(StickerRow).where(
            StickerRow.pack_id == pack_id, StickerRow.sticker_index == index
        )
    )
    return result


async def sticker_by_id(session: AsyncSession, sticker_id: str) -> StickerRow | None:
    """The sticker a message's ``sticker.id`` names."""
    return await session.get(StickerRow, sticker_id)


async def image_ids(session: AsyncSession) -> set[str]:
    """The media ids of every sticker's image (media in use, spec §10.7)."""
    result = await session.scalars(sa.select(StickerRow.image_data_id).distinct())
    return set(result.all())


async def delete_sticker(session: AsyncSession, row: StickerRow) -> None:
    """Remove one sticker."""
    await session.delete(row)
