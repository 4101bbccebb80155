"""Third-party sticker packs and their stickers (spec §10.7).

First-party packs are not stored: they belong to the simulated network (network/stickers.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class StickerPackRow(Base):
    """One third-party pack. ``next_index`` is the index the next sticker gets: indexes are
    never reused, so a deleted sticker's index keeps answering 404."""

    __tablename__ = "stickerpacks"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    publisher: Mapped[str] = mapped_column(sa.String(128))
    name: Mapped[str] = mapped_column(sa.String(128))
    ios_app_store_link: Mapped[str | None] = mapped_column(sa.String(512), nullable=True)
    android_app_store_link: Mapped[str | None] = mapped_column(sa.String(512), nullable=True)
    next_index: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StickerRow(Base):
    """One sticker of a third-party pack: its image is uploaded media (``image_data_id``),
    ``emojis`` a JSON array. ``id`` is what ``"sticker": {"id": ...}`` sends name."""

    __tablename__ = "stickers"
    __table_args__ = (sa.UniqueConstraint("pack_id", "sticker_index"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    pack_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("stickerpacks.id", ondelete="CASCADE"), index=True
    )
    sticker_index: Mapped[int] = mapped_column(sa.Integer)
    image_data_id: Mapped[str] = mapped_column(sa.String(36))
    emojis: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
