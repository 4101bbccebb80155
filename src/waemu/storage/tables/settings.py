"""Settings that do not fit the key/value ``config`` store: media providers and the photo.

``config.value`` is TEXT, which MySQL caps at 64 KiB; a list of providers with long bearer
tokens, and a JPEG, can be larger, so they get tables of their own.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime

# LONGTEXT on MySQL/MariaDB, whose TEXT holds only 64 KiB. The photo is kept as base64
# text, not bytes: aiomysql cannot bind bytes parameters with PyMySQL 1.2 (it imports
# PyMySQL's removed ``escape_bytes_prefixed``).
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


class MediaProviderRow(Base):
    """One media provider (spec §9.3).

    Names are compared by the service, in Python: a unique key on ``name`` would be
    case-insensitive on MySQL and case-sensitive elsewhere.
    """

    __tablename__ = "media_providers"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(16))
    config: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProfilePhotoRow(Base):
    """The profile photo (spec §9.5): at most one row, the stored square JPEG in base64."""

    __tablename__ = "profile_photo"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    photo_id: Mapped[str] = mapped_column(sa.String(64))
    jpeg_base64: Mapped[str] = mapped_column(LongText)
    size: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
