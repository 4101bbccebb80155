"""The webhook outbox and the journal of delivery attempts (spec §11.1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class WebhookRow(Base):
    """One notification waiting to reach the webhook URL; deleted once answered 200."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # statuses, messages, errors, services
    payload: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)


class WebhookAttemptRow(Base):
    """One POST to the webhook URL and how it went."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    events: Mapped[int] = mapped_column(sa.Integer)
    body: Mapped[str] = mapped_column(sa.Text)
    status_code: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(sa.Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # How many of the POST's notifications were given up after it, past the retry horizon.
    given_up: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
