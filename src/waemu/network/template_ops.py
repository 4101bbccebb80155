"""The network's side of templates (spec §12): ``templates.list`` for the logged-in business."""

from __future__ import annotations

from typing import Any

from waemu.errors import ApiError
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World


def install(server: NetworkServer, world: World) -> None:
    """Register ``templates.list``: the logged-in business's templates (spec §12)."""

    async def list_templates(session: Session, _args: dict[str, Any]) -> dict[str, Any]:
        business = session.require_login()
        store = world.templates  # read on every call: a reset replaces the store
        if store.unavailable:
            raise ApiError(2002, "The template service of the WhatsApp servers is unavailable")
        _, created = store.namespace_of(business)
        if created:
            await world.save()  # the business's namespace is part of the saved state
        return store.listing(business)

    server.register("templates.list", list_templates)
