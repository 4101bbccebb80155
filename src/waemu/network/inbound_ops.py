"""The network's side of inbound media and system messages.

``media.download`` hands a logged-in coreapp a file one of its customers sent (spec §8.2:
the coreapp downloads inbound media from WhatsApp's servers); system messages tell the
businesses a customer talked with that the customer changed number or identity (spec §11.5).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from waemu.errors import ApiError
from waemu.network.customers import Customer
from waemu.network.messaging import Messaging
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World

log = logging.getLogger(__name__)


def nice_number(wa_id: str) -> str:
    """``+1 (631) 555-5555`` for North American numbers, ``+<digits>`` for the others."""
    if len(wa_id) == 11 and wa_id.startswith("1"):
        return f"+1 ({wa_id[1:4]}) {wa_id[4:7]}-{wa_id[7:]}"
    return f"+{wa_id}"


def changed_number(customer: Customer, old: str) -> dict[str, Any]:
    """The ``system`` object of a number change (spec §11.5: On-Premises says ``new_wa_id``)."""
    return {
        "body": f"{customer.name} changed from {nice_number(old)} to {nice_number(customer.wa_id)}",
        "new_wa_id": customer.wa_id,
        "type": "user_changed_number",
    }


def changed_identity(customer: Customer) -> dict[str, Any]:
    """The ``system`` object of an identity change (spec §11.5)."""
    return {
        "body": f"{customer.name}'s security code changed",
        "identity": customer.identity,
        "customer": customer.wa_id,
        "type": "user_identity_changed",
    }


def install(server: NetworkServer, world: World) -> None:
    """Register ``media.download`` and the identity listener (after ``message_ops``)."""
    messaging = server.messaging
    assert messaging is not None, "install message_ops first"

    async def download(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        business = session.require_login()
        media_id = str(args.get("id", ""))
        blob = messaging.blobs.get(business, media_id)
        if blob is None:
            raise ApiError(1006, f"Media {media_id[:64]} not found on the WhatsApp servers")
        if blob.fail:
            raise ApiError(1014, f"Media {media_id} could not be fetched from the sender")
        return {"mime_type": blob.mime_type, "data": base64.b64encode(blob.data).decode()}

    async def identity_changed(customer: Customer) -> None:
        businesses = messaging.partners(customer.wa_id)
        announce(messaging, customer, changed_identity(customer), businesses)

    async def number_changed(customer: Customer, old: str) -> None:
        businesses = messaging.partners(old)
        messaging.customer_moved(old, customer.wa_id)
        announce(messaging, customer, changed_number(customer, old), businesses, old)

    server.register("media.download", download)
    world.identity_listeners.append(identity_changed)
    world.number_listeners.append(number_changed)


def announce(
    messaging: Messaging,
    customer: Customer,
    system: dict[str, Any],
    businesses: list[str],
    sender: str | None = None,
) -> None:
    """Queue a system message from ``sender`` (default: the customer) for ``businesses``."""
    for business in businesses:
        messaging.customer_system(business, customer, system, sender or customer.wa_id)
