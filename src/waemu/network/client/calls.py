"""Every control-API endpoint as a request description (``Call``): method, path, body,
query and how to read the answer (all but ``GET /events``, a stream: ``streams.py``).
``NetworkClient`` and ``AsyncNetworkClient`` send them; each function here is one method of
both clients, with the same name, arguments and documentation (docs/network.md describes
the endpoints, docs/testing.md the client)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from waemu.network.client import conversations as c
from waemu.network.client import models as m

T = TypeVar("T")


class Unset:
    """The type of ``UNSET``: a field the request leaves out (``None`` means ``null``)."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = Unset()


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to the control API and how to read its answer."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    json: Any = None
    params: Mapping[str, str] = field(default_factory=dict)


M = TypeVar("M", bound=m.Model)


def _model(kind: type[M], key: str | None = None) -> Callable[[httpx.Response], M]:
    def read(response: httpx.Response) -> M:
        data = response.json()
        return kind.model_validate(data[key] if key is not None else data)

    return read


def _models(kind: type[M], key: str) -> Callable[[httpx.Response], list[M]]:
    def read(response: httpx.Response) -> list[M]:
        return [kind.model_validate(item) for item in response.json()[key]]

    return read


def _field(key: str, kind: type[T]) -> Callable[[httpx.Response], T]:
    def read(response: httpx.Response) -> T:
        value = response.json()[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind):
            raise TypeError(f"{key} is not a {kind.__name__}: {value!r}")
        return value

    return read


def _nothing(_response: httpx.Response) -> None:
    return None


def _bytes(response: httpx.Response) -> bytes:
    return response.content


def _file(response: httpx.Response) -> m.MediaFile:
    mime_type = response.headers.get("content-type", "application/octet-stream")
    return m.MediaFile(mime_type=mime_type.split(";")[0].strip(), data=response.content)


def _query(**values: str | int | None) -> dict[str, str]:
    """The query parameters that are given (not None), as text."""
    return {name: str(value) for name, value in values.items() if value is not None}


def _seg(value: str) -> str:
    """A path segment, escaped."""
    return quote(str(value), safe="")


def _set(**values: Any) -> dict[str, Any]:
    """The body of fields that are not ``UNSET``."""
    return {name: value for name, value in values.items() if value is not UNSET}


# -- status -------------------------------------------------------------------------------


def health() -> Call[m.NetworkHealth]:
    """The open coreapp connections (with the number each is logged in with) and whether
    an outage is on."""
    return Call("GET", "/health", _model(m.NetworkHealth))


# -- customers ----------------------------------------------------------------------------


def customers() -> Call[list[m.Customer]]:
    """Every virtual customer, ordered by wa_id."""
    return Call("GET", "/customers", _models(m.Customer, "customers"))


def find_customers(
    q: str | None = None, *, offset: int = 0, limit: int | None = None
) -> Call[m.CustomerList]:
    """The customers whose name holds ``q`` (any case) or whose number holds its digits
    (``"+1 631-555"`` finds ``16315551001``; every customer when None), ordered by wa_id:
    ``limit`` of them (1–1000; all when None) from ``offset``, and ``total``, how many
    match."""
    params = _query(q=q, offset=offset, limit=limit)
    return Call("GET", "/customers", _model(m.CustomerList), params=params)


def customer(wa_id: str) -> Call[m.Customer]:
    """One customer (``NotFound`` when unknown)."""
    return Call("GET", f"/customers/{_seg(wa_id)}", _model(m.Customer))


def put_customer(
    wa_id: str,
    name: str,
    *,
    on_whatsapp: bool = True,
    lookup_delay: float = 0.0,
    delivery_delay: float | None = None,
    read_delay: float | None = None,
    reads: bool = True,
    fail_code: int | None = None,
    online: bool = True,
    blocked: bool = False,
) -> Call[m.Customer]:
    """Add a customer, or replace one keeping their identity key. Delays are seconds;
    ``None`` delays are realistic random ones (0.2–1.5 s to deliver, 1–4 s to read)."""
    body = {
        "wa_id": wa_id,
        "name": name,
        "on_whatsapp": on_whatsapp,
        "lookup_delay": lookup_delay,
        "delivery_delay": delivery_delay,
        "read_delay": read_delay,
        "reads": reads,
        "fail_code": fail_code,
        "online": online,
        "blocked": blocked,
    }
    return Call("PUT", f"/customers/{_seg(wa_id)}", _model(m.Customer), body)


def update_customer(
    wa_id: str,
    *,
    name: str | Unset = UNSET,
    on_whatsapp: bool | Unset = UNSET,
    lookup_delay: float | Unset = UNSET,
    delivery_delay: float | Unset | None = UNSET,
    read_delay: float | Unset | None = UNSET,
    reads: bool | Unset = UNSET,
    fail_code: int | Unset | None = UNSET,
    online: bool | Unset = UNSET,
    blocked: bool | Unset = UNSET,
) -> Call[m.Customer]:
    """Change some of a customer's fields and behaviour: ``reads=False`` never reads,
    ``fail_code`` fails every message with that code (``None`` clears it), ``online=False``
    holds deliveries until back online, ``blocked=True`` leaves messages ``sent`` for good."""
    body = _set(
        name=name,
        on_whatsapp=on_whatsapp,
        lookup_delay=lookup_delay,
        delivery_delay=delivery_delay,
        read_delay=read_delay,
        reads=reads,
        fail_code=0 if fail_code is None else fail_code,
        online=online,
        blocked=blocked,
    )
    return Call("PATCH", f"/customers/{_seg(wa_id)}", _model(m.Customer), body)


def delete_customer(wa_id: str) -> Call[None]:
    """Remove a customer (``NotFound`` when unknown)."""
    return Call("DELETE", f"/customers/{_seg(wa_id)}", _nothing)


def rotate_identity(wa_id: str) -> Call[m.Identity]:
    """The customer reinstalled WhatsApp or changed phones: a new identity key."""
    return Call("POST", f"/customers/{_seg(wa_id)}/identity/rotate", _model(m.Identity))


def change_number(wa_id: str, new_wa_id: str) -> Call[m.Customer]:
    """The customer moves to ``new_wa_id``; the businesses they talked with are told
    (``Conflict`` when the number is someone's already)."""
    path = f"/customers/{_seg(wa_id)}/change-number"
    return Call("POST", path, _model(m.Customer), {"new_wa_id": new_wa_id})


# -- messages -----------------------------------------------------------------------------


def customer_messages(wa_id: str) -> Call[list[m.PhoneMessage]]:
    """What the customer's phone shows, oldest first (the last 500)."""
    path = f"/customers/{_seg(wa_id)}/messages"
    return Call("GET", path, _models(m.PhoneMessage, "messages"))


def send_as_customer(
    wa_id: str, message: Mapping[str, Any], *, business: str | None = None
) -> Call[m.SentMessage]:
    """The customer sends the business ``message``, in the webhook's shape (``{"type":
    "text", "text": {"body": "Hi"}}``, any type of docs/network.md); ``business`` names the
    number when the network holds several."""
    body = dict(message)
    if business is not None:
        body["business"] = business
    path = f"/customers/{_seg(wa_id)}/messages"
    return Call("POST", path, _model(m.SentMessage), body)


def send_text_as_customer(
    wa_id: str, text: str, *, business: str | None = None
) -> Call[m.SentMessage]:
    """The customer sends the business a text message."""
    return send_as_customer(wa_id, {"type": "text", "text": {"body": text}}, business=business)


def receipt(message_id: str, status: m.ReceiptStatus, code: int | None = None) -> Call[m.Receipt]:
    """A receipt for one business message, now: ``delivered``, ``read``, ``deleted``, or
    ``failed`` with ``code`` (default 500), whatever the customer's settings."""
    body: dict[str, Any] = {"status": status}
    if code is not None:
        body["code"] = code
    return Call("POST", f"/messages/{_seg(message_id)}/receipts", _model(m.Receipt), body)


# -- certificates, accounts, connections --------------------------------------------------


def issue_certificate(cc: str, phone_number: str, vname: str) -> Call[m.Certificate]:
    """A verified-name certificate ``POST /v1/account`` accepts for this number."""
    body = {"cc": cc, "phone_number": phone_number, "vname": vname}
    return Call("POST", "/certificates", _model(m.Certificate), body)


def accounts() -> Call[list[m.Account]]:
    """Every business number the network knows."""
    return Call("GET", "/accounts", _models(m.Account, "accounts"))


def registration_code(wa_id: str) -> Call[m.RegistrationCode]:
    """The registration code last sent to the number (``NotFound`` when none is pending)."""
    return Call("GET", f"/accounts/{_seg(wa_id)}/code", _model(m.RegistrationCode))


def block_registration(active: bool = True) -> Call[bool]:
    """Refuse (or, with ``False``, allow again) every registration; whether blocked."""
    return Call("PUT", "/registration/blocked", _field("blocked", bool), {"active": active})


def drop_connections(wa_id: str | None = None, node: str | None = None) -> Call[int]:
    """Close the coreapp connections of ``wa_id`` and of the cluster node ``node`` (every
    one when both are None) once; they reconnect by themselves. How many were closed."""
    body = {key: value for key, value in (("wa_id", wa_id), ("node", node)) if value is not None}
    return Call("POST", "/connections/drop", _field("dropped", int), body)


def set_outage(active: bool) -> Call[m.Outage]:
    """Start or end an outage: connections are dropped and refused until it ends."""
    return Call("PUT", "/outage", _model(m.Outage), {"active": active})


def reset(
    *, accounts: bool = False, conversations: bool = False, switches: bool = False
) -> Call[m.ResetResult]:
    """The customers and templates back to the seed; with ``accounts`` every account
    forgotten, with ``conversations`` the traffic (windows, conversations, phones, held and
    scheduled deliveries, queues, lookups), with ``switches`` every switch back to default."""
    body = {"accounts": accounts, "conversations": conversations, "switches": switches}
    return Call("POST", "/reset", _model(m.ResetResult), body)


# -- network settings and contact lookups -------------------------------------------------


def settings() -> Call[m.NetworkSettings]:
    """The network's switches."""
    return Call("GET", "/settings", _model(m.NetworkSettings))


def update_settings(
    *, auto_create_customers: bool | Unset = UNSET, realistic_statuses: bool | Unset = UNSET
) -> Call[m.NetworkSettings]:
    """Change the network's switches; answers all of them."""
    body = _set(auto_create_customers=auto_create_customers, realistic_statuses=realistic_statuses)
    return Call("PUT", "/settings", _model(m.NetworkSettings), body)


def lookups(
    *, client_id: str | None = None, input: str | None = None, wa_id: str | None = None
) -> Call[m.Lookups]:
    """The recent contact lookups coreapps made (filtered), and the counts."""
    query = {"client_id": client_id, "input": input, "wa_id": wa_id}
    params = {k: v for k, v in query.items() if v is not None}
    return Call("GET", "/lookups", _model(m.Lookups), params=params)


def clear_lookups() -> Call[None]:
    """Forget the recorded lookups."""
    return Call("DELETE", "/lookups", _nothing)


# -- webhooks -----------------------------------------------------------------------------


def webhook_attempts(
    wa_id: str, *, limit: int = 50, since: datetime | float | None = None
) -> Call[m.WebhookJournal]:
    """The business's latest webhook POSTs, newest first, and its pending count
    (``Unavailable`` while its coreapp is not connected)."""
    params = {"limit": str(limit)}
    if since is not None:
        params["since"] = since.isoformat() if isinstance(since, datetime) else str(since)
    path = f"/businesses/{_seg(wa_id)}/webhooks/attempts"
    return Call("GET", path, _model(m.WebhookJournal), params=params)


def retry_webhooks(wa_id: str) -> Call[int]:
    """Make every notification waiting in the business's outbox due now (a POST that fails
    again goes on with its retry schedule); how many (``Unavailable`` while its coreapp is
    not connected)."""
    path = f"/businesses/{_seg(wa_id)}/webhooks/retry"
    return Call("POST", path, _field("retried", int))


def redeliver_webhook(wa_id: str, attempt_id: int) -> Call[m.Redelivery]:
    """POST the body of a journalled attempt again, as a new notification of the outbox
    (``NotFound`` when the journal has no such attempt)."""
    path = f"/businesses/{_seg(wa_id)}/webhooks/attempts/{int(attempt_id)}/redeliver"
    return Call("POST", path, _model(m.Redelivery))


def clear_webhook_journal(wa_id: str) -> Call[int]:
    """Forget the business's journal of webhook POSTs (what waits in the outbox stays);
    how many attempts were forgotten."""
    path = f"/businesses/{_seg(wa_id)}/webhooks/attempts"
    return Call("DELETE", path, _field("cleared", int))


# -- conversations and switches -------------------------------------------------------------


def conversations(
    *, business: str | None = None, q: str | None = None, offset: int = 0, limit: int = 50
) -> Call[c.ConversationList]:
    """The customer and business pairs the network has messages of, the most recent first,
    with the last message, the 24-hour window and the open conversation: ``limit`` of them
    (1–500) from ``offset``, and ``total``; ``business`` keeps one business's, ``q``
    searches names and numbers as ``find_customers`` does."""
    params = _query(business=business, q=q, offset=offset, limit=limit)
    return Call("GET", "/conversations", _model(c.ConversationList), params=params)


def conversation(business: str, customer: str) -> Call[c.ConversationDetail]:
    """One pair, also one that never exchanged a message, with the customer's record
    (``NotFound`` for an unknown customer)."""
    path = f"/conversations/{_seg(business)}/{_seg(customer)}"
    return Call("GET", path, _model(c.ConversationDetail))


def conversation_messages(
    business: str, customer: str, *, before: str | None = None, limit: int = 50
) -> Call[c.ConversationPage]:
    """A page of the pair's messages, oldest first: the newest ``limit`` (1–500), or those
    before the message ``before``; ``more`` says whether older ones exist. Business
    messages the network refused are there too (``refused``, ``errors``)."""
    path = f"/conversations/{_seg(business)}/{_seg(customer)}/messages"
    params = _query(before=before, limit=limit)
    return Call("GET", path, _model(c.ConversationPage), params=params)


def business_media(wa_id: str, media_id: str) -> Call[m.MediaFile]:
    """A file of the business's conversations, with its type: one a customer sent, a
    first-party sticker, or one the business sent (asked of its coreapp: ``Unavailable``
    while it is not connected); ``NotFound`` when unknown."""
    path = f"/businesses/{_seg(wa_id)}/media/{_seg(media_id)}"
    return Call("GET", path, _file)


def switches() -> Call[m.Switches]:
    """Every switch of the network at once (each is changed by its own method)."""
    return Call("GET", "/switches", _model(m.Switches))


# -- templates ----------------------------------------------------------------------------


def templates(
    *, namespace: str | None = None, name: str | None = None, status: str | None = None
) -> Call[m.TemplateList]:
    """Every template (filtered) and the shared namespace of the seeded ones."""
    query = {"namespace": namespace, "name": name, "status": status}
    params = {k: v for k, v in query.items() if v is not None}
    return Call("GET", "/templates", _model(m.TemplateList), params=params)


def account_templates(wa_id: str) -> Call[m.AccountTemplates]:
    """The business's namespace, namespaces and templates, as its coreapp loads them."""
    return Call("GET", f"/accounts/{_seg(wa_id)}/templates", _model(m.AccountTemplates))


def _template_path(namespace: str, name: str, language: str) -> str:
    return f"/templates/{_seg(namespace)}/{_seg(name)}/{_seg(language)}"


def template(namespace: str, name: str, language: str) -> Call[m.Template]:
    """One template."""
    return Call("GET", _template_path(namespace, name, language), _model(m.Template))


def put_template(
    namespace: str,
    name: str,
    language: str,
    components: list[dict[str, Any]],
    *,
    category: str = "UTILITY",
    status: str = "APPROVED",
    rejected_reason: str | None = None,
) -> Call[m.Template]:
    """Create or replace a template (Graph API ``components``), checked as Business
    Manager checks it."""
    body: dict[str, Any] = {"category": category, "status": status, "components": components}
    if rejected_reason is not None:
        body["rejected_reason"] = rejected_reason
    return Call("PUT", _template_path(namespace, name, language), _model(m.Template), body)


def set_template_status(
    namespace: str, name: str, language: str, status: str, reason: str | None = None
) -> Call[m.Template]:
    """Approve, reject (with ``reason``), pause or disable a template."""
    body: dict[str, Any] = {"status": status}
    if reason is not None:
        body["reason"] = reason
    path = _template_path(namespace, name, language) + "/status"
    return Call("PUT", path, _model(m.Template), body)


def delete_template(namespace: str, name: str, language: str) -> Call[m.TemplateKey]:
    """Delete one language of a template."""
    path = _template_path(namespace, name, language)
    return Call("DELETE", path, _model(m.TemplateKey, "deleted"))


def set_templates_unavailable(active: bool) -> Call[bool]:
    """Make template loads fail (coreapps stay not ready, 2002) or work again."""
    body = {"active": active}
    return Call("PUT", "/templates/unavailable", _field("unavailable", bool), body)


def set_template_delay(seconds: float) -> Call[float]:
    """Make every template load answer only after ``seconds`` (0: at once again)."""
    return Call("PUT", "/templates/delay", _field("seconds", float), {"seconds": seconds})


# -- sticker packs ------------------------------------------------------------------------


def stickerpacks() -> Call[list[m.StickerPack]]:
    """WhatsApp's first-party sticker packs."""
    return Call("GET", "/stickerpacks", _models(m.StickerPack, "stickerpacks"))


def sticker_image(pack_id: str, index: int) -> Call[bytes]:
    """A first-party sticker's WebP image."""
    return Call("GET", f"/stickerpacks/{_seg(pack_id)}/stickers/{int(index)}.webp", _bytes)


# -- offline messages ---------------------------------------------------------------------


def offline_state(wa_id: str) -> Call[m.OfflineState]:
    """The business's queue at the network and its coreapp's offline backlog."""
    return Call("GET", f"/accounts/{_seg(wa_id)}/offline", _model(m.OfflineState))


def set_offline_feed(
    wa_id: str, *, hold: bool = False, per_second: float | None = None
) -> Call[m.OfflineState]:
    """Hold the business's offline phase open and/or hand its queue over at
    ``per_second`` items a second; the defaults restore "everything at once"."""
    body: dict[str, Any] = {"hold": hold}
    if per_second is not None:
        body["per_second"] = per_second
    return Call("PUT", f"/accounts/{_seg(wa_id)}/offline", _model(m.OfflineState), body)


def start_chatter(
    wa_id: str,
    per_second: float,
    *,
    count: int | None = None,
    body: str = "chatter",
    business: str | None = None,
) -> Call[m.Chatter]:
    """The customer keeps writing to the business, ``"<body> 1"``, ``"<body> 2"`` …,
    ``count`` messages or until stopped."""
    data: dict[str, Any] = {"per_second": per_second, "body": body}
    if count is not None:
        data["count"] = count
    if business is not None:
        data["business"] = business
    return Call("POST", f"/customers/{_seg(wa_id)}/chatter", _model(m.Chatter), data)


def stop_chatter(wa_id: str) -> Call[m.ChatterStopped]:
    """Stop the customer's chatter (``NotFound`` when there is none)."""
    return Call("DELETE", f"/customers/{_seg(wa_id)}/chatter", _model(m.ChatterStopped))
