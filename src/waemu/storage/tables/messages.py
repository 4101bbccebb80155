"""Messages sent and received, and every status they went through (spec §7, §11.3)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class MessageRow(Base):
    """One message: ``out`` (business to customer) or ``in`` (customer to business)."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(3))
    wa_id: Mapped[str] = mapped_column(sa.String(32), index=True)  # the customer
    type: Mapped[str] = mapped_column(sa.String(24))
    content: Mapped[str] = mapped_column(sa.Text)  # the message as JSON
    status: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MessageStatusRow(Base):
    """One status a message reached, with what the network said about it."""

    __tablename__ = "message_statuses"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    detail: Mapped[str | None] = mapped_column(sa.Text, nullable=True)  # errors, pricing... JSON
