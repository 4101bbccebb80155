"""Control API endpoints for contacts: network settings, identity changes, the lookup record.

Included by ``control.create_control_app``; listed in docs/contacts.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict

from waemu.network.world import World


class SettingsBody(BaseModel):
    """``PUT /settings``: the switches to change; those left out keep their value."""

    model_config = ConfigDict(extra="forbid", strict=True)

    auto_create_customers: bool | None = None
    realistic_statuses: bool | None = None


def create_router(world: World) -> APIRouter:
    """The contact endpoints of the control API for ``world``."""
    router = APIRouter(tags=["contacts"])

    @router.get("/settings")
    async def get_settings() -> dict[str, Any]:
        """The network's switches."""
        return world.settings.to_json()

    @router.put("/settings")
    async def put_settings(body: SettingsBody) -> dict[str, Any]:
        """Change switches (saved in state.json); answers every switch."""
        for name, value in body.model_dump(exclude_none=True).items():
            setattr(world.settings, name, value)
        await world.save()
        return world.settings.to_json()

    @router.post("/customers/{wa_id}/identity/rotate")
    async def rotate_identity(wa_id: str) -> dict[str, Any]:
        """The customer reinstalled WhatsApp or changed phones: a new identity key (§11.5)."""
        customer = await world.rotate_identity(wa_id)
        if customer is None:
            raise HTTPException(404, f"no customer {wa_id}")
        return {
            "wa_id": wa_id,
            "identity": customer.identity,
            "identity_created": customer.identity_created,
        }

    @router.get("/lookups")
    async def lookups(
        client_id: str | None = None, input: str | None = None, wa_id: str | None = None
    ) -> dict[str, Any]:
        """Recent lookups (oldest first, filtered) and the counts per input and customer."""
        recent = world.lookups.recent(client_id=client_id, input=input, wa_id=wa_id)
        return world.lookups.to_json(recent)

    @router.delete("/lookups")
    async def clear_lookups() -> dict[str, Any]:
        """Forget the recorded lookups."""
        world.lookups.clear()
        return {"cleared": True}

    return router
