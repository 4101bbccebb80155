"""A typed Python client for the simulated network's control API (docs/testing.md).

    from waemu.network.client import NetworkClient

    with NetworkClient("http://127.0.0.1:9190") as network:
        network.put_customer("4915112345678", "Erika", read_delay=0.1)
        code = network.registration_code("16315550100").code

``AsyncNetworkClient`` has the same methods, awaited. Answers are pydantic models
(``models.py``, ``conversations.py``); ``events()`` streams the network's live events
(``events.py``, ``streams.py``); refusals raise ``ControlError`` and its subclasses
(``errors.py``). The client needs only httpx and pydantic: importing it does not load the
emulator's servers.
"""

from __future__ import annotations

from waemu.network.client.calls import UNSET, Call, Unset
from waemu.network.client.clients import AsyncNetworkClient, NetworkClient
from waemu.network.client.conversations import (
    Conversation,
    ConversationDetail,
    ConversationList,
    ConversationMessage,
    ConversationPage,
    LastMessage,
    OpenConversation,
    ServiceWindow,
)
from waemu.network.client.errors import (
    Conflict,
    ControlError,
    InvalidRequest,
    NotFound,
    Unavailable,
)
from waemu.network.client.events import (
    ChangedEvent,
    HealthEvent,
    HelloEvent,
    MessageEvent,
    NetworkEvent,
    ReloadEvent,
    StatusEvent,
    WebhooksEvent,
)
from waemu.network.client.models import (
    Account,
    AccountTemplates,
    Backlog,
    Certificate,
    Chatter,
    ChatterState,
    ChatterStopped,
    Customer,
    CustomerList,
    Identity,
    Lookup,
    Lookups,
    MediaFile,
    NetworkHealth,
    NetworkSettings,
    OfflineFeed,
    OfflineState,
    Outage,
    PhoneMessage,
    Receipt,
    Redelivery,
    RegistrationCode,
    ResetResult,
    SentMessage,
    Session,
    Sticker,
    StickerPack,
    Switches,
    Template,
    TemplateKey,
    TemplateList,
    WebhookAttempt,
    WebhookJournal,
)
from waemu.network.client.streams import AsyncEventStream, EventStream

__all__ = [
    "UNSET",
    "Account",
    "AccountTemplates",
    "AsyncEventStream",
    "AsyncNetworkClient",
    "Backlog",
    "Call",
    "Certificate",
    "ChangedEvent",
    "Chatter",
    "ChatterState",
    "ChatterStopped",
    "Conflict",
    "ControlError",
    "Conversation",
    "ConversationDetail",
    "ConversationList",
    "ConversationMessage",
    "ConversationPage",
    "Customer",
    "CustomerList",
    "EventStream",
    "HealthEvent",
    "HelloEvent",
    "Identity",
    "InvalidRequest",
    "LastMessage",
    "Lookup",
    "Lookups",
    "MediaFile",
    "MessageEvent",
    "NetworkClient",
    "NetworkEvent",
    "NetworkHealth",
    "NetworkSettings",
    "NotFound",
    "OfflineFeed",
    "OfflineState",
    "OpenConversation",
    "Outage",
    "PhoneMessage",
    "Receipt",
    "Redelivery",
    "RegistrationCode",
    "ReloadEvent",
    "ResetResult",
    "SentMessage",
    "ServiceWindow",
    "Session",
    "StatusEvent",
    "Sticker",
    "StickerPack",
    "Switches",
    "Template",
    "TemplateKey",
    "TemplateList",
    "Unavailable",
    "Unset",
    "WebhookAttempt",
    "WebhookJournal",
    "WebhooksEvent",
]
