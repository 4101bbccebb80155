"""What the control API answers, as typed, read-only objects (docs/network.md lists every
answer). Fields the network adds later are kept (``model_extra``) rather than refused, so an
older client reads a newer network."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Direction = Literal["to_customer", "to_business"]
ReceiptStatus = Literal["delivered", "read", "deleted", "failed"]


class Model(BaseModel):
    """Base of the answers: immutable, unknown fields kept."""

    model_config = ConfigDict(frozen=True, extra="allow")


class Session(Model):
    """One coreapp connected to the network; ``wa_id`` once it logged in with a number, and
    for a cluster node its ``node`` key and the ``shard`` (-1: control) of ``shards`` it holds."""

    client_id: str | None
    wa_id: str | None
    node: str | None = None
    shard: int | None = None
    shards: int | None = None


class NetworkHealth(Model):
    """``GET /health``: the open coreapp connections and whether an outage is on."""

    sessions: list[Session]
    outage: bool

    def logged_in(self, wa_id: str) -> bool:
        """Whether a coreapp is logged in with ``wa_id``."""
        return any(session.wa_id == wa_id for session in self.sessions)


class Customer(Model):
    """A virtual customer and how they treat the business's messages."""

    wa_id: str
    name: str
    on_whatsapp: bool = True
    lookup_delay: float = 0.0
    identity: str = ""
    identity_created: int = 0
    delivery_delay: float | None = None
    read_delay: float | None = None
    reads: bool = True
    fail_code: int | None = None
    online: bool = True
    blocked: bool = False


class CustomerList(Model):
    """``GET /customers?q=&offset=&limit=``: a page of the customers that match, and how
    many match in all."""

    customers: list[Customer]
    total: int


class Identity(Model):
    """A customer's identity key after ``POST /customers/{wa_id}/identity/rotate``."""

    wa_id: str
    identity: str
    identity_created: int


class PhoneMessage(Model):
    """One message on a customer's phone (``GET /customers/{wa_id}/messages``): one the
    business sent (``to_customer``, with the status it reached) or one the customer sent
    (``to_business``, ``read`` once the business marked it). The message's own fields
    (``text``, ``template``, ``image``, ``rendered`` …) are in ``model_extra``."""

    id: str
    direction: Direction
    status: str
    business: str | None = None
    type: str | None = None
    timestamp: int | str | None = None

    @property
    def fields(self) -> dict[str, Any]:
        """The message's own fields (``text``, ``template``, ``rendered`` …)."""
        return dict(self.model_extra or {})

    @property
    def text(self) -> str | None:
        """What the phone shows as text: a text's body, a rendered template's text, a
        media caption; None otherwise."""
        extra = self.fields
        rendered = extra.get("rendered")
        if isinstance(rendered, dict) and isinstance(rendered.get("text"), str):
            return str(rendered["text"])
        inner = extra.get(self.type or "")
        if isinstance(inner, dict):
            for key in ("body", "caption"):
                if isinstance(inner.get(key), str):
                    return str(inner[key])
        return None

    @property
    def template_name(self) -> str | None:
        """The template's name for a ``template`` or ``hsm`` message; None otherwise."""
        extra = self.fields
        template = extra.get("template")
        if isinstance(template, dict) and isinstance(template.get("name"), str):
            return str(template["name"])
        hsm = extra.get("hsm")
        if isinstance(hsm, dict) and isinstance(hsm.get("element_name"), str):
            return str(hsm["element_name"])
        return None


class SentMessage(Model):
    """A customer's message the network took: its id (``ABGG…``) and the business."""

    id: str
    business: str


class Receipt(Model):
    """A receipt produced with ``POST /messages/{id}/receipts``."""

    id: str
    status: str


class Certificate(Model):
    """A verified-name certificate for ``POST /v1/account``."""

    wa_id: str
    vname: str
    cert: str


class Account(Model):
    """A business number the network knows (no secrets)."""

    wa_id: str
    vname: str | None = None
    registered: bool
    two_step: bool
    code_pending: bool


class RegistrationCode(Model):
    """The code the last "SMS" or "voice call" to the number carried."""

    wa_id: str
    code: str
    method: str | None = None


class Outage(Model):
    """``PUT /outage``'s answer."""

    outage: bool
    dropped: int


class ResetResult(Model):
    """``POST /reset``'s answer: how many customers and accounts there are now."""

    customers: int
    accounts: int


class NetworkSettings(Model):
    """The network's switches (``GET /settings``)."""

    auto_create_customers: bool
    realistic_statuses: bool


class Lookup(Model):
    """One contact lookup a coreapp made."""

    at: float
    client_id: str
    business: str | None
    cc: str
    input: str
    status: str
    wa_id: str | None
    delay: float


class Lookups(Model):
    """``GET /lookups``: recent lookups, oldest first, and the counts."""

    lookups: list[Lookup]
    per_input: dict[str, int]
    per_customer: dict[str, int]


class WebhookAttempt(Model):
    """One POST the business's coreapp made to its webhook."""

    id: int | str
    time: str | None
    url: str
    events: int | None = None
    payload: Any = None
    status_code: int | None = None
    error: str | None = None
    duration_ms: float | None = None
    next_retry_at: str | None = None
    given_up: int | None = None


class WebhookJournal(Model):
    """``GET /businesses/{wa_id}/webhooks/attempts``: the latest POSTs, newest first, and
    how many notifications wait in the outbox."""

    wa_id: str
    pending: int
    next_attempt_at: str | None
    attempts: list[WebhookAttempt]


class Redelivery(Model):
    """``POST /businesses/{wa_id}/webhooks/attempts/{id}/redeliver``: the journalled POST
    whose body is queued again, and how many notifications it carries."""

    wa_id: str
    redelivered: int
    events: int | None = None


class MediaFile(Model):
    """``GET /businesses/{wa_id}/media/{id}``: a file of the business's conversations."""

    mime_type: str
    data: bytes


class Template(Model):
    """A message template in one language, in the Graph API shape."""

    namespace: str
    name: str
    language: str
    category: str
    status: str
    components: list[dict[str, Any]]
    rejected_reason: str | None = None


class TemplateList(Model):
    """``GET /templates``: the templates and the shared namespace of the seeded ones."""

    shared_namespace: str
    templates: list[Template]


class AccountTemplates(Model):
    """``GET /accounts/{wa_id}/templates``: what the business's coreapp loads."""

    namespace: str
    namespaces: list[str]
    templates: list[Template]


class TemplateKey(Model):
    """Which template was deleted."""

    namespace: str
    name: str
    language: str


class Sticker(Model):
    """One first-party sticker."""

    index: int
    id: str
    emojis: list[str]
    mime_type: str
    sha256: str
    size: int


class StickerPack(Model):
    """One first-party sticker pack."""

    id: str
    name: str
    publisher: str
    stickers: list[Sticker]


class Backlog(Model):
    """A logged-in coreapp's offline backlog."""

    queued_at_login: int
    left: int
    complete_sent: bool


class OfflineState(Model):
    """``GET /accounts/{wa_id}/offline``: the business's queue and how it is handed over."""

    wa_id: str
    hold: bool
    per_second: float | None
    queued: int
    logged_in: bool
    backlog: Backlog | None


class Chatter(Model):
    """A customer who keeps writing to the business."""

    customer: str
    business: str
    per_second: float
    count: int | None
    body: str


class ChatterStopped(Model):
    """A stopped chatter: how many messages it sent."""

    customer: str
    sent: int


class OfflineFeed(Model):
    """How a business's offline queue is handed over (``PUT /accounts/{wa_id}/offline``)."""

    hold: bool
    per_second: float | None


class ChatterState(Model):
    """A chatter the network runs, as ``GET /switches`` lists it."""

    customer: str
    per_second: float
    count: int | None
    sent: int
    running: bool


class Switches(Model):
    """``GET /switches``: every switch of the network at once (each is changed by its own
    endpoint); ``offline`` by business number."""

    outage: bool
    registration_blocked: bool
    auto_create_customers: bool
    realistic_statuses: bool
    templates_unavailable: bool
    templates_delay: float
    offline: dict[str, OfflineFeed]
    chatters: list[ChatterState]
    shared_namespace: str
