"""The network's control API (its own port, outside ``/v1``): drive the simulated world.

Every endpoint is listed in docs/network.md; OpenAPI is served at ``/docs``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from waemu import api_docs
from waemu.network import inbox_ui, resets
from waemu.network.account_ops import business_wa_id
from waemu.network.contact_control import create_router as contact_router
from waemu.network.customers import Customer
from waemu.network.inbox_control import ChangeEvents
from waemu.network.inbox_control import create_router as inbox_router
from waemu.network.message_control import create_router as message_router
from waemu.network.offline_control import create_router as offline_router
from waemu.network.server import NetworkServer, Session
from waemu.network.stickers import create_router as sticker_router
from waemu.network.template_control import create_router as template_router
from waemu.network.webhook_control import create_router as webhook_router
from waemu.network.world import World

DIGITS = re.compile(r"^[0-9]+$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerBody(_Body):
    """A customer to add or replace."""

    wa_id: str = Field(pattern=r"^[1-9][0-9]{6,14}$")
    name: str = Field(min_length=1, max_length=256)
    on_whatsapp: bool = True
    lookup_delay: float = Field(default=0.0, ge=0, le=600)
    delivery_delay: float | None = Field(default=None, ge=0, le=86400)
    read_delay: float | None = Field(default=None, ge=0, le=86400)
    reads: bool = True
    fail_code: int | None = None
    online: bool = True
    blocked: bool = False


class CertificateBody(_Body):
    """A certificate request: the number and the display name it vouches for."""

    cc: str = Field(pattern=r"^[1-9][0-9]{0,2}$")
    phone_number: str = Field(pattern=r"^[0-9]{4,14}$")
    vname: str = Field(min_length=1, max_length=256)


class DropBody(_Body):
    """Which connections to drop: a number's, a cluster node's; all when both are absent."""

    wa_id: str | None = None
    node: str | None = None


class ResetBody(_Body):
    """Reset options: what goes back besides the customers and templates (resets.py)."""

    accounts: bool = False
    conversations: bool = False
    switches: bool = False


class FlagBody(_Body):
    """A switch."""

    active: bool


def session_json(session: Session) -> dict[str, Any]:
    """A connection as ``GET /health`` shows it; a cluster node's with its node and shard."""
    shown: dict[str, Any] = {"client_id": session.client_id, "wa_id": session.wa_id}
    if session.node is not None:
        shown["node"] = session.node
    if session.shard is not None:
        shown |= {"shard": session.shard, "shards": session.shards}
    return shown


def create_control_app(world: World, server: NetworkServer) -> FastAPI:
    """The control API for ``world`` and ``server``."""
    app = FastAPI(
        title="waemu simulated WhatsApp network: control API", docs_url=None, redoc_url=None
    )
    api_docs.install(app)  # /docs without a CDN

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness, sessions and outage state."""
        return {"sessions": [session_json(s) for s in server.sessions], "outage": server.outage}

    @app.get("/customers")
    async def list_customers(
        q: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    ) -> dict[str, Any]:
        """Every virtual customer, or those whose name or number holds ``q``; a page of
        them with ``offset`` and ``limit``; ``total`` counts them all."""
        found = world.customers.all()
        needle = (q or "").strip().casefold()
        if needle:
            digits = "".join(c for c in needle if c.isdigit())
            found = [
                c for c in found if needle in c.name.casefold() or (digits and digits in c.wa_id)
            ]
        end = None if limit is None else offset + limit
        return {"customers": [c.to_json() for c in found[offset:end]], "total": len(found)}

    @app.get("/customers/{wa_id}")
    async def get_customer(wa_id: str) -> dict[str, Any]:
        """One customer."""
        found = world.customers.get(wa_id)
        if found is None:
            raise HTTPException(404, f"no customer {wa_id}")
        return found.to_json()

    @app.put("/customers/{wa_id}")
    async def put_customer(wa_id: str, body: CustomerBody) -> dict[str, Any]:
        """Add or replace a customer."""
        if body.wa_id != wa_id:
            raise HTTPException(400, "wa_id in the path and the body differ")
        existing = world.customers.get(wa_id)
        customer = Customer(**body.model_dump())
        if existing is not None:  # keep the identity unless it is really a new person
            customer.identity, customer.identity_created = (
                existing.identity,
                existing.identity_created,
            )
        world.customers.put(customer)
        await world.save()
        return customer.to_json()

    @app.delete("/customers/{wa_id}")
    async def delete_customer(wa_id: str) -> dict[str, Any]:
        """Remove a customer."""
        if not world.customers.remove(wa_id):
            raise HTTPException(404, f"no customer {wa_id}")
        await world.save()
        return {"deleted": wa_id}

    @app.post("/certificates")
    async def issue_certificate(body: CertificateBody) -> dict[str, Any]:
        """A verified-name certificate that ``POST /v1/account`` accepts for this number."""
        wa_id = business_wa_id(body.cc, body.phone_number)
        return {"wa_id": wa_id, "vname": body.vname, "cert": world.ca.issue(wa_id, body.vname)}

    @app.get("/accounts")
    async def list_accounts() -> dict[str, Any]:
        """Business numbers known to the network (no secrets)."""
        return {
            "accounts": [
                {
                    "wa_id": a.wa_id,
                    "vname": a.vname,
                    "registered": a.registered,
                    "two_step": a.pin is not None,
                    "code_pending": a.code is not None,
                }
                for a in world.accounts.all()
            ]
        }

    @app.get("/accounts/{wa_id}/code")
    async def registration_code(wa_id: str) -> dict[str, Any]:
        """The registration code last sent to this number (what the SMS or call said)."""
        account = world.accounts.get(wa_id)
        if account is None or account.code is None:
            raise HTTPException(404, f"no registration code pending for {wa_id}")
        return {"wa_id": wa_id, "code": account.code, "method": account.code_method}

    @app.put("/registration/blocked")
    async def block_registration(body: FlagBody) -> dict[str, Any]:
        """Refuse registrations as the real servers do since the sunset."""
        world.accounts.registration_blocked = body.active
        await world.save()
        return {"blocked": body.active}

    @app.post("/connections/drop")
    async def drop(body: DropBody | None = None) -> dict[str, Any]:
        """Close coreapp connections once; they reconnect by themselves."""
        found = body or DropBody()
        return {"dropped": server.drop(found.wa_id, found.node)}

    @app.put("/outage")
    async def outage(body: FlagBody) -> dict[str, Any]:
        """Start or end an outage: connections are dropped and refused until it ends."""
        server.outage = body.active
        dropped = server.drop() if body.active else 0
        return {"outage": body.active, "dropped": dropped}

    @app.post("/reset")
    async def reset(body: ResetBody | None = None) -> dict[str, Any]:
        """Back to the seed population (and forget accounts, the traffic, the switches
        when asked)."""
        await resets.reset(world, server, resets.ResetParts(**(body or ResetBody()).model_dump()))
        return {"customers": len(world.customers.all()), "accounts": len(world.accounts.all())}

    app.include_router(contact_router(world))
    app.include_router(template_router(world, server))
    app.include_router(webhook_router(server))
    app.include_router(sticker_router())
    if server.messaging is not None:
        app.include_router(message_router(world, server, server.messaging))
        app.include_router(inbox_router(world, server, server.messaging))
        app.include_router(offline_router(world, server))
    inbox_ui.install(app)
    app.add_middleware(ChangeEvents, world=world)
    return app
