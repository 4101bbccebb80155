"""What the control API answers about conversations (``GET /conversations`` and below,
docs/network.md#conversations-switches-and-live-events): every customer and business pair the
network has messages of, with its last message, its 24-hour window and its open
conversation, and the messages of one pair page by page. Typed, read-only, unknown fields
kept, as the other answers (``models.py``)."""

from __future__ import annotations

from typing import Any

from waemu.network.client.models import Customer, Direction, Model, PhoneMessage


class LastMessage(Model):
    """The newest message of a pair, as a list of chats shows it."""

    id: str
    direction: Direction
    type: str | None = None
    status: str | None = None
    timestamp: int
    preview: str


class ServiceWindow(Model):
    """The 24-hour customer-service window: open while the customer wrote within a day
    (times in Unix seconds; None before the customer ever wrote)."""

    open: bool
    last_customer_message: int | None
    expires_at: int | None


class OpenConversation(Model):
    """The pair's open conversation (spec §11.3): its id, its origin and when it ends."""

    id: str
    origin: str
    expires_at: int


class Conversation(Model):
    """A customer and a business the network has messages of; ``name`` is None when the
    customer is no longer on the network, ``last`` None when the pair never exchanged one."""

    customer: str
    name: str | None
    business: str
    last: LastMessage | None
    window: ServiceWindow
    conversation: OpenConversation | None


class ConversationDetail(Conversation):
    """``GET /conversations/{business}/{customer}``: one pair, with the customer's record."""

    profile: Customer


class ConversationList(Model):
    """``GET /conversations``: a page of the pairs, the most recent first, and how many
    match in all."""

    total: int
    conversations: list[Conversation]


class ConversationMessage(PhoneMessage):
    """One message of a conversation: what the phone shows, and also a business message
    the network refused when it took it (``refused``, ``status`` ``failed``); ``errors``
    says why a message failed."""

    refused: bool = False
    errors: list[dict[str, Any]] | None = None


class ConversationPage(Model):
    """``GET /conversations/{business}/{customer}/messages``: a page of the pair's messages,
    oldest first, and whether older ones exist (ask again with ``before`` the first id)."""

    messages: list[ConversationMessage]
    more: bool
