"""Control API endpoints the web inbox reads (docs/network.md, docs/inbox.md): the live event
stream, conversations page by page, every switch at once, and the media of a conversation.

Included by ``control.create_control_app``; like every control endpoint they change nothing
the rest of the API could not, and they carry no authentication (same trust level).
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waemu.errors import ApiError
from waemu.network import stickers
from waemu.network.billing import DAY
from waemu.network.inboxes import Entry
from waemu.network.messaging import Messaging
from waemu.network.server import NetworkServer
from waemu.network.templates import SHARED_NAMESPACE
from waemu.network.world import World
from waemu.protocol.peer import PeerClosed

KEEPALIVE_SECONDS = 15.0  # a comment line on an idle stream, so proxies keep it open
MEDIA_OP = "media.fetch"  # served by waemu.coreapp.inbox_requests
ASK_SECONDS = 15.0
PAGE = 50
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ChangeEvents:
    """ASGI middleware: after every control-API request that changed something (a mutating
    method answered below 400), publish ``changed`` with its method and path, so every
    watcher sees changes made by anyone (curl, tests, another browser)."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in MUTATING:
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if status < 400:
                self.world.events.publish("changed", method=scope["method"], path=scope["path"])


def preview(entry: Entry) -> str:
    """A line of text for a message in a list of chats."""
    kind = str(entry.get("type", "text"))
    body = entry.get(kind)
    if isinstance(entry.get("rendered"), dict):
        return str(entry["rendered"].get("body") or "")
    if kind == "text" and isinstance(body, dict):
        return str(body.get("body", ""))
    if isinstance(body, dict):
        for key in ("caption", "filename", "name", "text", "title"):
            if isinstance(body.get(key), str):
                return f"[{kind}] {body[key]}"
        for key in ("body", "button_reply", "list_reply"):
            inner = body.get(key)
            if isinstance(inner, dict):
                return f"[{kind}] {inner.get('text') or inner.get('title') or ''}"
    if kind == "contacts" and isinstance(body, list) and body:
        return f"[contact] {(body[0].get('name') or {}).get('formatted_name', '')}"
    return f"[{kind}]"


def _sse(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event, default=str) + b"\n\n"


def create_router(world: World, server: NetworkServer, messaging: Messaging) -> APIRouter:
    """The inbox's endpoints of the control API."""
    router = APIRouter(tags=["inbox"])

    def window(business: str, customer: str) -> dict[str, Any]:
        at = messaging.windows.get((business, customer))
        if at is None:
            return {"open": False, "last_customer_message": None, "expires_at": None}
        return {
            "open": time.time() - at < DAY,
            "last_customer_message": int(at),
            "expires_at": int(at + DAY),
        }

    def conversation(business: str, customer: str) -> dict[str, Any] | None:
        found = messaging.conversations.get((business, customer))
        if found is None or found.expires <= time.time():
            return None
        return {"id": found.id, "origin": found.origin, "expires_at": int(found.expires)}

    def summary(customer: str, business: str, entry: Entry | None) -> dict[str, Any]:
        person = world.customers.get(customer)
        last = None
        if entry is not None:
            last = {
                **{key: entry.get(key) for key in ("id", "direction", "type", "status")},
                "timestamp": int(float(entry.get("timestamp") or 0)),
                "preview": preview(entry)[:200],
            }
        return {
            "customer": customer,
            "name": person.name if person is not None else None,
            "business": business,
            "last": last,
            "window": window(business, customer),
            "conversation": conversation(business, customer),
        }

    @router.get("/events")
    async def events() -> StreamingResponse:
        """Server-sent events: ``hello`` first, then ``message``, ``status``, ``changed``,
        ``health``, ``webhooks`` and ``reload`` (the watcher fell behind: read everything
        again) as they happen; a comment line every 15 s while idle. The stream ends when
        the network stops."""

        async def stream() -> AsyncIterator[bytes]:
            subscription = world.events.subscribe()
            try:
                yield b"retry: 2000\n\n" + _sse({"type": "hello"})
                while True:
                    event = await subscription.next(KEEPALIVE_SECONDS)
                    if event is None:
                        return
                    yield _sse(event) if event else b": keep-alive\n\n"
            finally:
                world.events.unsubscribe(subscription)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/conversations")
    async def conversations(
        business: str | None = None,
        q: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = PAGE,
    ) -> dict[str, Any]:
        """The chats the network remembers, the most recent first: each customer and
        business with the last message, the 24-hour window and the conversation."""
        needle = (q or "").strip().casefold()
        digits = "".join(c for c in needle if c.isdigit())
        found = []
        for customer, partner, entry in messaging.inboxes.latest():
            if business is not None and partner != business:
                continue
            if needle:
                person = world.customers.get(customer)
                name = person.name.casefold() if person is not None else ""
                if needle not in name and not (digits and digits in customer):
                    continue
            found.append((customer, partner, entry))
        page = found[offset : offset + limit]
        return {
            "total": len(found),
            "conversations": [summary(c, b, e) for c, b, e in page],
        }

    @router.get("/conversations/{business}/{customer}")
    async def chat(business: str, customer: str) -> dict[str, Any]:
        """One chat: the customer, the window, the conversation, the last message (also for
        a pair that never exchanged a message)."""
        person = world.customers.get(customer)
        if person is None:
            raise HTTPException(404, f"no customer {customer}")
        newest, _more = messaging.inboxes.page(customer, business, None, 1)
        shown = summary(customer, business, newest[0] if newest else None)
        return {**shown, "profile": person.to_json()}

    @router.get("/conversations/{business}/{customer}/messages")
    async def chat_messages(
        business: str,
        customer: str,
        before: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = PAGE,
    ) -> dict[str, Any]:
        """A page of the chat, oldest first: the newest ``limit`` messages, or those before
        the message ``before``; ``more`` says whether older ones exist. Business messages
        the network refused are there too (``refused``, with ``errors``)."""
        messages, more = messaging.inboxes.page(customer, business, before, limit)
        return {"messages": messages, "more": more}

    @router.get("/switches")
    async def switches() -> dict[str, Any]:
        """Every switch of the network at once (each is changed by its own endpoint)."""
        offline = server.offline
        return {
            "outage": server.outage,
            "registration_blocked": world.accounts.registration_blocked,
            **world.settings.to_json(),
            "templates_unavailable": world.templates.unavailable,
            "templates_delay": server.delays.get("templates.list", 0.0),
            "offline": {}
            if offline is None
            else {wa_id: feed.to_json() for wa_id, feed in sorted(offline.feeds.items())},
            "chatters": []
            if offline is None
            else [
                {
                    "customer": customer,
                    "per_second": chatter.per_second,
                    "count": chatter.count,
                    "sent": chatter.sent,
                    "running": chatter.running,
                }
                for customer, chatter in sorted(offline.chatters.items())
            ],
            "shared_namespace": SHARED_NAMESPACE,
        }

    @router.get("/businesses/{wa_id}/media/{media_id}")
    async def media(wa_id: str, media_id: str) -> Response:
        """A file of a conversation of the business: one its customers sent (kept by the
        network), a first-party sticker, or one the business sent (asked of its coreapp,
        which must be connected; 503 otherwise)."""
        cache = {"Cache-Control": "private, max-age=3600"}
        first_party = {s.id for pack in stickers.CATALOGUE for s in pack.stickers}
        if media_id in first_party:
            return Response(stickers.image(media_id), media_type="image/webp", headers=cache)
        blob = messaging.blobs.get(wa_id, media_id)
        if blob is not None:
            return Response(blob.data, media_type=blob.mime_type, headers=cache)
        sessions = server.logged_in(wa_id)
        if not sessions:
            raise HTTPException(503, f"the coreapp of {wa_id} is not connected to the network")
        try:
            found = await sessions[0].call(MEDIA_OP, {"id": media_id}, ASK_SECONDS)
        except (PeerClosed, TimeoutError):
            raise HTTPException(503, f"the coreapp of {wa_id} did not answer") from None
        except ApiError as exc:
            status = 404 if exc.code == 1006 else 502
            raise HTTPException(status, f"the coreapp of {wa_id} answered: {exc.details}") from None
        data = base64.b64decode(found["data"])
        return Response(data, media_type=str(found["mime_type"]), headers=cache)

    return router
