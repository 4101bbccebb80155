"""The media store (spec §8): one row per file in the media folder, uploaded or received.

The bytes live in the media folder shared by webapp and coreapp (``WA_MEDIA_DIR``, the real
``/usr/local/wamedia`` volume, spec §1.4); the row holds what the API needs to find, serve,
send and collect them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class MediaRow(Base):
    """One media file.

    ``id`` is the UUID the API hands out (spec §8.1), in its canonical lower-case form;
    ``path`` is relative to the media folder; ``direction`` is ``outgoing`` (uploaded or
    downloaded from a ``link``) or ``incoming`` (sent by a customer). ``last_used_at`` is set
    each time a message sends the media, for the media garbage collector (spec §8.5).
    """

    __tablename__ = "media"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    mime_type: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    path: Mapped[str] = mapped_column(sa.String(255))
    direction: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
