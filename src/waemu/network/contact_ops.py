"""The network's side of contacts (spec §6): who is on WhatsApp, and identity keys.

``contacts.lookup`` answers, for each input, whether it is a WhatsApp user and under which
wa_id; the coreapp caches the answers (spec §6.2). A customer's ``lookup_delay`` is
returned as ``delay``: the answer is known at once but, for the coreapp, takes that long to
arrive, so it answers ``"processing"`` meanwhile (spec §6.1). ``contacts.identity`` gives a
customer's current identity hash (spec §6.4).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from waemu.errors import ApiError
from waemu.network.contact_directory import ContactDirectory
from waemu.network.lookups import Lookup
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World

log = logging.getLogger(__name__)

COUNTRY_CODE = re.compile(r"^[1-9][0-9]{0,2}$")
DEFAULT_CC = "1"  # what an unregistered coreapp sends


def _inputs(args: dict[str, Any]) -> list[str]:
    inputs = args.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, str) for item in inputs):
        raise ApiError(1009, "inputs must be an array of strings")
    return inputs


def _cc(args: dict[str, Any]) -> str:
    cc = args.get("cc") or DEFAULT_CC
    if not isinstance(cc, str) or not COUNTRY_CODE.match(cc):
        raise ApiError(1009, "cc must be a country calling code of 1 to 3 digits")
    return cc


def install(server: NetworkServer, world: World) -> None:
    """Register the contact operations on ``server``."""
    directory = ContactDirectory(world)

    async def lookup(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        """``{"inputs": [...], "cc": "<business cc>"}`` → ``{"results": [...]}`` in order."""
        client_id = session.require_client()
        inputs, cc = _inputs(args), _cc(args)
        results: list[dict[str, Any]] = []
        changed = False
        now = time.time()
        for text in inputs:
            answer, customer, created = directory.resolve(text, cc)
            changed = changed or created
            results.append(answer)
            world.lookups.record(
                Lookup(
                    at=now,
                    client_id=client_id,
                    business=session.wa_id,
                    cc=cc,
                    input=text,
                    status=answer["status"],
                    wa_id=None if customer is None else customer.wa_id,
                    delay=answer["delay"],
                )
            )
        if changed:
            await world.save()
        return {"results": results}

    async def identity(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        """``{"wa_id"}`` → ``{"hash", "created_timestamp"}``."""
        session.require_client()
        wa_id = args.get("wa_id")
        if not isinstance(wa_id, str) or not wa_id:
            raise ApiError(1008, "Missing required parameter: wa_id")
        return directory.identity(wa_id)

    server.register("contacts.lookup", lookup)
    server.register("contacts.identity", identity)
