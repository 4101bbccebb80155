"""Control API endpoints for messages: what customers received, customers writing to the
business, and customers' behaviour (delays, never reading, failures, going offline)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from waemu.network import inbound
from waemu.network.customers import Customer
from waemu.network.inbound import InboundBody
from waemu.network.messaging import Messaging
from waemu.network.server import NetworkServer
from waemu.network.world import World

PHONE_SHOWS = 500  # entries ``GET /customers/{wa_id}/messages`` answers (the newest)


class BehaviourBody(BaseModel):
    """``PATCH /customers/{wa_id}``: the fields to change; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=256)
    on_whatsapp: bool | None = None
    lookup_delay: float | None = Field(default=None, ge=0, le=600)
    delivery_delay: float | None = Field(default=None, ge=0, le=86400)
    read_delay: float | None = Field(default=None, ge=0, le=86400)
    reads: bool | None = None
    fail_code: int | None = None
    online: bool | None = None
    blocked: bool | None = None


class NumberChangeBody(BaseModel):
    """``POST /customers/{wa_id}/change-number``: the customer's new number."""

    model_config = ConfigDict(extra="forbid")

    new_wa_id: str = Field(pattern=r"^[1-9][0-9]{6,14}$")


class ReceiptBody(BaseModel):
    """``POST /messages/{id}/receipts``: a receipt to produce now."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["delivered", "read", "deleted", "failed"]
    code: int | None = Field(default=None, ge=1, le=99999)


def create_router(world: World, server: NetworkServer, messaging: Messaging) -> APIRouter:
    """The message endpoints of the control API."""
    router = APIRouter(tags=["messages"])

    def customer(wa_id: str) -> Customer:
        found = world.customers.get(wa_id)
        if found is None:
            raise HTTPException(404, f"no customer {wa_id}")
        return found

    @router.get("/customers/{wa_id}/messages")
    async def customer_messages(wa_id: str) -> dict[str, Any]:
        """What the customer received from businesses and sent to them, oldest first, the
        last ``PHONE_SHOWS`` (messages the network refused are not on the phone)."""
        customer(wa_id)
        shown: list[dict[str, Any]] = []
        for entry in reversed(messaging.inboxes.get(wa_id, ())):
            if len(shown) == PHONE_SHOWS:
                break
            if not entry.get("refused"):
                shown.append(entry)
        shown.reverse()
        return {"messages": shown}

    @router.patch("/customers/{wa_id}")
    async def change_customer(wa_id: str, body: BehaviourBody) -> dict[str, Any]:
        """Change some of a customer's fields; ``fail_code: null`` is sent as 0 to clear."""
        found = customer(wa_id)
        changes = body.model_dump(exclude_unset=True)
        was_online = found.online
        for name, value in changes.items():
            setattr(found, name, value if not (name == "fail_code" and value == 0) else None)
        await world.save()
        if found.online and not was_online:
            messaging.release(wa_id)
        return found.to_json()

    @router.post("/customers/{wa_id}/messages")
    async def customer_sends(wa_id: str, body: Annotated[InboundBody, Body()]) -> dict[str, Any]:
        """The customer sends the business a message of any type of spec §11.2 (it reaches
        the webhook); media is kept by the network until the coreapp downloads it."""
        sender = customer(wa_id)
        if not sender.on_whatsapp:
            raise HTTPException(400, f"{wa_id} is not on WhatsApp")
        business = body.business or only_business(world)
        try:
            content = inbound.content(body, business, messaging.blobs)
        except (inbound.InboundError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from None
        message = messaging.customer_writes(business, sender, content)
        return {"id": message["id"], "business": business}

    @router.post("/customers/{wa_id}/change-number")
    async def change_number(wa_id: str, body: NumberChangeBody) -> dict[str, Any]:
        """The customer moves to another number; the businesses they talked with get a
        ``user_changed_number`` system message (spec §11.5)."""
        customer(wa_id)
        try:
            moved = await world.change_number(wa_id, body.new_wa_id)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        if moved is None:
            raise HTTPException(404, f"no customer {wa_id}")
        return moved.to_json()

    @router.post("/messages/{message_id}/receipts")
    async def message_receipt(message_id: str, body: ReceiptBody) -> dict[str, Any]:
        """Produce one receipt for a business message now (``failed`` with ``code``,
        default 500), whatever the customer's settings."""
        if not messaging.force(message_id, body.status, body.code):
            raise HTTPException(404, f"the network never took message {message_id}")
        return {"id": message_id, "status": body.status}

    return router


def only_business(world: World) -> str:
    """The one registered business number, when a body names none (400 otherwise)."""
    registered = [a.wa_id for a in world.accounts.all() if a.registered]
    if len(registered) != 1:
        raise HTTPException(400, "name the business number in 'business'")
    return registered[0]
