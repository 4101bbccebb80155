"""A typed Python client for the simulated network's control API (docs/testing.md).

    from waemu.network.client import NetworkClient

    with NetworkClient("http://127.0.0.1:9190") as network:
        network.put_customer("4915112345678", "Erika", read_delay=0.1)
        code = network.registration_code("16315550100").code

``AsyncNetworkClient`` has the same methods, awaited. Answers are pydantic models
(``models.py``); refusals raise ``ControlError`` and its subclasses (``errors.py``). The
client needs only httpx and pydantic: importing it does not load the emulator's servers.
"""

from __future__ import annotations

from waemu.network.client.calls import UNSET, Call, Unset
from waemu.network.client.clients import AsyncNetworkClient, NetworkClient
from waemu.network.client.errors import (
    Conflict,
    ControlError,
    InvalidRequest,
    NotFound,
    Unavailable,
)
from waemu.network.client.models import (
    Account,
    AccountTemplates,
    Backlog,
    Certificate,
    Chatter,
    ChatterStopped,
    Customer,
    Identity,
    Lookup,
    Lookups,
    NetworkHealth,
    NetworkSettings,
    OfflineState,
    Outage,
    PhoneMessage,
    Receipt,
    RegistrationCode,
    ResetResult,
    SentMessage,
    Session,
    Sticker,
    StickerPack,
    Template,
    TemplateKey,
    TemplateList,
    WebhookAttempt,
    WebhookJournal,
)

__all__ = [
    "UNSET",
    "Account",
    "AccountTemplates",
    "AsyncNetworkClient",
    "Backlog",
    "Call",
    "Certificate",
    "Chatter",
    "ChatterStopped",
    "Conflict",
    "ControlError",
    "Customer",
    "Identity",
    "InvalidRequest",
    "Lookup",
    "Lookups",
    "NetworkClient",
    "NetworkHealth",
    "NetworkSettings",
    "NotFound",
    "OfflineState",
    "Outage",
    "PhoneMessage",
    "Receipt",
    "RegistrationCode",
    "ResetResult",
    "SentMessage",
    "Session",
    "Sticker",
    "StickerPack",
    "Template",
    "TemplateKey",
    "TemplateList",
    "Unavailable",
    "Unset",
    "WebhookAttempt",
    "WebhookJournal",
]
