"""Conversations and pricing as receipts carry them (spec §11.3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from waemu.errors import receipt_error

DAY = 24 * 3600


@dataclass
class Conversation:
    """A 24-hour conversation between a business and a customer (spec §11.3)."""

    id: str
    origin: str
    expires: float
    announced: bool = False  # expiration_timestamp goes on the first receipt only

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)


def billing(conversation: Conversation) -> dict[str, Any]:
    """The ``conversation`` and ``pricing`` objects of a receipt; the first one of a
    conversation carries ``expiration_timestamp`` (and marks it announced)."""
    block: dict[str, Any] = {"id": conversation.id, "origin": {"type": conversation.origin}}
    if not conversation.announced:
        block["expiration_timestamp"] = int(conversation.expires)
        conversation.announced = True
    pricing = {"billable": True, "pricing_model": "CBP", "category": conversation.origin}
    return {"conversation": block, "pricing": pricing}


def error_object(code: int) -> dict[str, Any]:
    """An error as failed receipts carry it (spec §11.3)."""
    return receipt_error(code)
