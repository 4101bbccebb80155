"""The contact store (spec §6): cached lookups and the identities seen per WhatsApp user."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class ContactRow(Base):
    """One answered lookup: an input as the business typed it, read against its country code.

    The key is a SHA-256 of code and input: inputs are free text, and a unique index on the
    text itself would ignore trailing spaces on MySQL (PAD SPACE collations).
    """

    __tablename__ = "contacts"

    lookup_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    input: Mapped[str] = mapped_column(sa.Text)
    cc: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16))
    wa_id: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ContactIdentityRow(Base):
    """The latest identity key hash seen for a WhatsApp user, and the one acknowledged."""

    __tablename__ = "contact_identities"

    wa_id: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_timestamp: Mapped[int] = mapped_column(sa.BigInteger)  # milliseconds (spec §6.4)
    acknowledged_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
