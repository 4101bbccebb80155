"""Control API endpoints for offline messages: hold a business's queue open, feed it slowly,
make a customer keep writing — what the coreapp's startup drain (spec §12) meets on a busy
number. Included by ``control.create_control_app``; listed in docs/network.md and
docs/readiness.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from waemu.network.customers import Customer
from waemu.network.message_control import only_business
from waemu.network.messaging import Messaging
from waemu.network.offline import Chatter, OfflineSwitches
from waemu.network.server import NetworkServer
from waemu.network.world import World


class FeedBody(BaseModel):
    """``PUT /accounts/{wa_id}/offline``: how the business's queue is handed over."""

    model_config = ConfigDict(extra="forbid")

    hold: bool = False
    per_second: float | None = Field(default=None, ge=0, le=10_000)


class ChatterBody(BaseModel):
    """``POST /customers/{wa_id}/chatter``: a customer who keeps writing."""

    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(gt=0, le=100)
    count: int | None = Field(default=None, ge=1, le=1_000_000)  # None: until stopped
    business: str | None = None
    body: str = Field(default="chatter", min_length=1, max_length=1000)


def create_router(world: World, server: NetworkServer) -> APIRouter:
    """The offline-message endpoints of the control API."""
    router = APIRouter(tags=["offline messages"])

    def switches() -> OfflineSwitches:
        if server.offline is None:
            raise HTTPException(503, "the network has no message queues")
        return server.offline

    def messaging() -> Messaging:
        if server.messaging is None:
            raise HTTPException(503, "the network has no message queues")
        return server.messaging

    def state(wa_id: str) -> dict[str, Any]:
        sessions = server.logged_in(wa_id)
        backlog = sessions[0].backlog if sessions else None
        return {
            "wa_id": wa_id,
            **switches().feed(wa_id).to_json(),
            "queued": len(messaging().queues.get(wa_id, ())),
            "logged_in": bool(sessions),
            "backlog": None
            if backlog is None
            else {
                "queued_at_login": backlog.total,
                "left": backlog.left,
                "complete_sent": backlog.announced,
            },
        }

    def account(wa_id: str) -> str:
        if world.accounts.get(wa_id) is None:
            raise HTTPException(404, f"no account {wa_id}")
        return wa_id

    @router.get("/accounts/{wa_id}/offline")
    async def offline_state(wa_id: str) -> dict[str, Any]:
        """The business's queue: how many items wait, how they are handed over, and what
        the logged-in coreapp's login found (its offline backlog)."""
        return state(account(wa_id))

    @router.put("/accounts/{wa_id}/offline")
    async def set_feed(wa_id: str, body: FeedBody) -> dict[str, Any]:
        """Hold the queue open (``hold``: no ``offline.complete``; nothing is handed over
        unless ``per_second`` is set) and/or hand it over at ``per_second`` items a second;
        ``{}`` restores the default (everything at once)."""
        switches().set_feed(account(wa_id), body.hold, body.per_second)
        return state(wa_id)

    @router.post("/customers/{wa_id}/chatter")
    async def start_chatter(wa_id: str, body: ChatterBody) -> dict[str, Any]:
        """The customer writes to the business ``per_second`` times a second, ``count``
        messages or until stopped: an endless stream of customer messages."""
        customer = world.customers.get(wa_id)
        if customer is None:
            raise HTTPException(404, f"no customer {wa_id}")
        if not customer.on_whatsapp:
            raise HTTPException(400, f"{wa_id} is not on WhatsApp")
        business = body.business or only_business(world)
        writer = messaging()

        def write(number: int, sender: Customer = customer) -> None:
            content = {"type": "text", "text": {"body": f"{body.body} {number}"}}
            writer.customer_writes(business, sender, content)

        switches().start_chatter(wa_id, Chatter(write, body.per_second, body.count))
        return {"customer": wa_id, "business": business, **body.model_dump(exclude={"business"})}

    @router.delete("/customers/{wa_id}/chatter")
    async def stop_chatter(wa_id: str) -> dict[str, Any]:
        """Stop the customer's chatter."""
        chatter = switches().stop_chatter(wa_id)
        if chatter is None:
            raise HTTPException(404, f"{wa_id} is not chattering")
        return {"customer": wa_id, "sent": chatter.sent}

    return router
