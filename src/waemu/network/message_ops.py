"""The network's message operations and the pusher that delivers receipts and customer
messages to each business's logged-in coreapp (and holds them while it is away), with the
offline hand-over protocol of the coreapp's startup (``offline.backlog`` asked by the coreapp,
``offline.complete`` pushed to it: spec §12, docs/readiness.md).

What is queued, held or scheduled is kept in ``pending.db`` (``persistence.py``) and restored
when the network starts, so it is pushed when the coreapp logs in again; an item leaves the
store only once the coreapp acknowledged it (stored it), so a restart between the push and
the acknowledgement pushes it again (at least once, as the real servers)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from waemu.background import stop_tasks
from waemu.errors import ApiError
from waemu.network.contact_directory import ContactDirectory
from waemu.network.messaging import Messaging
from waemu.network.offline import Backlog, OfflineSwitches
from waemu.network.persistence import PendingStore, Queued
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World
from waemu.protocol.peer import PeerClosed

log = logging.getLogger(__name__)

FEED_LOOK_SECONDS = 0.5


class Pusher:
    """Pushes each business's queue to its coreapp; one flush task per business at a time.

    The items queued when a coreapp logs in are its offline backlog; once they are through,
    ``offline.complete`` tells the coreapp (spec §12, ``offline.py``). The control API can hold
    a queue open or slow it down (``OfflineSwitches``).
    """

    def __init__(self, server: NetworkServer, messaging: Messaging) -> None:
        self.server = server
        self.messaging = messaging
        self.switches = OfflineSwitches()
        self.switches.kick = self.kick
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

    def on_login(self, business: str) -> None:
        """A coreapp logged in: what is queued now for it is its offline backlog; push it."""
        queue = self.messaging.queues.get(business, ())
        for session in self.server.logged_in(business):
            if session.backlog is None:  # the new login (the others keep theirs)
                mine = sum(1 for item in queue if session.serves(customer_of(item)))
                session.backlog = Backlog(total=mine, left=mine)
                log.info(
                    "coreapp of %s logged in%s; %d offline item(s) to hand over",
                    business,
                    "" if session.shard is None else f" on shard {session.shard}",
                    mine,
                )
        self.kick(business)

    async def stop(self) -> None:
        """Stop pushing (network shutdown); what was not pushed stays queued."""
        self.switches.stop()
        await stop_tasks(list(self._tasks))

    async def _flush(self, business: str) -> None:
        try:
            while True:
                sessions = self.server.logged_in(business)
                if not sessions:
                    return  # held until the coreapp logs in again (offline messages)
                for session in sessions:
                    await self._announce(session, business)
                wait = self.switches.wait(business)
                if wait is None:
                    return  # held by the control API: kicked again when released
                if wait > 0:  # a slow feed; looked at again soon, in case it changes
                    await asyncio.sleep(min(wait, FEED_LOOK_SECONDS))
                    continue
                batch = self.switches.feed(business).batch()
                taker = Takers(sessions)
                items = self.messaging.borrow(business, batch, taker.wanted)
                if not items:
                    return  # what is left waits for the login of its shard
                groups: dict[Session, list[Queued]] = {}
                for item in items:
                    target = taker(item)
                    assert target is not None  # borrowed only if wanted
                    groups.setdefault(target, []).append(item)
                refused = False
                for session, group in groups.items():
                    if not await self._push(session, group):
                        self.messaging.give_back(business, group)
                        refused = refused or session.open
                        continue
                    self.messaging.acknowledged(group)
                    self.switches.spent(business, len(group))
                    if session.backlog is not None:
                        session.backlog.pushed(len(group))
                if refused:
                    return  # a coreapp refused them: kept for the next kick
                # else: pushed, or that connection is gone and a newer one may be logged in
        finally:
            self._flushing.discard(business)

    async def _announce(self, session: Session, business: str) -> None:
        """``offline.complete`` once the session's backlog is through (unless held)."""
        backlog = session.backlog
        if backlog is None or backlog.announced or backlog.left > 0:
            return
        if self.switches.feed(business).hold:
            return
        backlog.announced = True
        try:
            await session.call("offline.complete", {"count": backlog.total})
        except (ApiError, PeerClosed, TimeoutError) as exc:
            log.info("offline.complete not delivered to %s: %s", business, exc)

    @staticmethod
    async def _push(session: Session, items: list[Queued]) -> bool:
        inbound = [item for kind, item, _seq in items if kind == "messages"]
        statuses = [item for kind, item, _seq in items if kind == "statuses"]
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


def customer_of(item: Queued) -> str:
    """The customer a queued receipt or message is about (their shard decides who gets it)."""
    kind, payload, _seq = item
    if kind == "messages":
        return str(payload.get("contact", {}).get("wa_id") or payload["message"].get("from", ""))
    return str(payload.get("recipient_id") or "")


class Takers:
    """Which open login gets a queued item: the one of its customer's shard, or the only
    login of a single coreapp; None while that shard has nobody logged in."""

    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions

    def __call__(self, item: Queued) -> Session | None:
        customer = customer_of(item)
        return next((s for s in self.sessions if s.open and s.serves(customer)), None)

    def wanted(self, item: Queued) -> bool:
        """Whether somebody takes ``item`` now."""
        return self(item) is not None


def backlog_state(session: Session, switches: OfflineSwitches) -> dict[str, Any]:
    """``offline.backlog``: what the session's login found queued and whether it is through."""
    business = session.require_login()
    held = switches.feed(business).hold
    backlog = session.backlog or Backlog(0, 0)
    return {
        "queued_at_login": backlog.total,
        "left": backlog.left,
        "held": held,
        "complete": backlog.left == 0 and not held,
    }


def install(server: NetworkServer, world: World) -> Messaging:
    """Register the message operations on ``server``; returns the messaging state, restored
    from ``pending.db`` in the world's folder (its receipt timers run again when installed
    inside the event loop, as the network process does)."""
    store = PendingStore(world.store.directory)
    messaging = Messaging(world, ContactDirectory(world), store=store)
    messaging.restore(store.load())
    store.commit()  # records of vanished media files
    pusher = Pusher(server, messaging)
    messaging.on_queued(pusher.kick)
    server.login_listeners.append(pusher.on_login)
    server.stop_hooks.append(pusher.stop)
    server.stop_hooks.append(store.close)  # after the pusher: nothing is pushed any more
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # built outside a loop (tools reading the world): no receipt is due to anyone
    else:
        messaging.resume()
    server.messaging = messaging
    server.offline = pusher.switches

    async def send(session: Session, args: dict[str, Any]) -> list[dict[str, Any]]:
        business = session.require_login()
        account = world.accounts.get(business)
        assert account is not None
        batch = args.get("messages")
        if not isinstance(batch, list):
            raise ApiError(1009, "messages must be an array")
        answers = [messaging.accept(business, account.cc, message) for message in batch]
        messaging.commit()  # the answers acknowledge the messages: kept first
        return answers

    async def read(session: Session, args: dict[str, Any]) -> None:
        session.require_login()
        ids = args.get("ids")
        if isinstance(ids, list):
            messaging.business_read(str(args.get("wa_id", "")), [str(i) for i in ids])

    async def offline_backlog(session: Session, _args: dict[str, Any]) -> dict[str, Any]:
        return backlog_state(session, pusher.switches)

    server.register("messages.send", send)
    server.register("offline.backlog", offline_backlog)
    server.register("messages.read", read)
    return messaging
