"""The network's message operations and the pusher that delivers receipts and customer
messages to each business's logged-in coreapp (and holds them while it is away)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from waemu.errors import ApiError
from waemu.network.contact_ops import ContactDirectory
from waemu.network.messaging import Messaging
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World
from waemu.protocol.peer import PeerClosed

log = logging.getLogger(__name__)


class Pusher:
    """Pushes each business's queue to its coreapp; one flush task per business at a time."""

    def __init__(self, server: NetworkServer, messaging: Messaging) -> None:
        self.server = server
        self.messaging = messaging
        self._flushing: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def kick(self, business: str) -> None:
        """Make sure what is queued for ``business`` is on its way."""
        if business in self._flushing:
            return
        self._flushing.add(business)
        task = asyncio.get_running_loop().create_task(self._flush(business), name="push")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, business: str) -> None:
        try:
            while True:
                sessions = self.server.logged_in(business)
                if not sessions:
                    return  # held until the coreapp logs in again (offline messages)
                items = self.messaging.take(business)
                if not items:
                    return
                if not await self._push(sessions[0], items):
                    self.messaging.give_back(business, items)
                    return
        finally:
            self._flushing.discard(business)

    @staticmethod
    async def _push(session: Session, items: list[tuple[str, dict[str, Any]]]) -> bool:
        inbound = [item for kind, item in items if kind == "messages"]
        statuses = [item for kind, item in items if kind == "statuses"]
        try:
            if inbound:
                contacts = {i["contact"]["wa_id"]: i["contact"] for i in inbound}
                await session.call(
                    "messages.push",
                    {
                        "messages": [i["message"] for i in inbound],
                        "contacts": list(contacts.values()),
                    },
                )
            if statuses:
                await session.call("statuses.push", {"statuses": statuses})
        except (ApiError, PeerClosed, TimeoutError) as exc:
            log.info("push to the coreapp failed, kept queued: %s", exc)
            return False
        return True


def install(server: NetworkServer, world: World) -> Messaging:
    """Register the message operations on ``server``; returns the messaging state."""
    messaging = Messaging(world, ContactDirectory(world))
    pusher = Pusher(server, messaging)
    messaging.on_queued(pusher.kick)
    server.login_listeners.append(pusher.kick)
    server.messaging = messaging

    async def send(session: Session, args: dict[str, Any]) -> list[dict[str, Any]]:
        business = session.require_login()
        account = world.accounts.get(business)
        assert account is not None
        batch = args.get("messages")
        if not isinstance(batch, list):
            raise ApiError(1009, "messages must be an array")
        return [messaging.accept(business, account.cc, message) for message in batch]

    async def read(session: Session, args: dict[str, Any]) -> None:
        session.require_login()
        ids = args.get("ids")
        if isinstance(ids, list):
            messaging.business_read(str(args.get("wa_id", "")), [str(i) for i in ids])

    server.register("messages.send", send)
    server.register("messages.read", read)
    return messaging
