"""``POST /reset`` of the control API: the simulated world back to a known state without a
restart, in parts (docs/network.md#reset), so a test suite can start every test from the seed
cheaply (docs/testing.md).

- always: the customers and the templates back to the seed (businesses keep their namespaces);
- ``accounts``: every business account forgotten and every connection dropped;
- ``conversations``: the traffic forgotten — 24-hour windows, conversations, what customers'
  phones show, held deliveries, scheduled receipts, items queued for coreapps, the lookup
  record; a logged-in coreapp's offline backlog counts as through;
- ``switches``: every switch back to its default — the network's settings, the registration
  block, an outage, failing or slow template loads, offline feeds, chatters.
"""

from __future__ import annotations

from dataclasses import dataclass

from waemu.network.server import NetworkServer
from waemu.network.world import NetworkSettings, World


@dataclass(frozen=True, slots=True)
class ResetParts:
    """What a reset covers beyond the customers and templates."""

    accounts: bool = False
    conversations: bool = False
    switches: bool = False


async def reset(world: World, server: NetworkServer, parts: ResetParts) -> None:
    """Reset ``world`` and ``server`` as ``parts`` says, and save."""
    world.reset(accounts=parts.accounts)
    if parts.switches:
        reset_switches(world, server)
    if parts.conversations:
        forget_conversations(world, server)
    if parts.accounts:
        server.drop()
    await world.save()


def reset_switches(world: World, server: NetworkServer) -> None:
    """Every switch of the network back to its default."""
    world.settings = NetworkSettings()
    world.accounts.registration_blocked = False
    world.templates.unavailable = False
    server.delays.clear()
    server.outage = False
    switches = server.offline
    if switches is not None:
        for customer in list(switches.chatters):
            switches.stop_chatter(customer)
        for business in list(switches.feeds):
            switches.set_feed(business, hold=False, per_second=None)


def forget_conversations(world: World, server: NetworkServer) -> None:
    """Forget the traffic; a coreapp waiting for its offline backlog is told it is through."""
    world.lookups.clear()
    if server.messaging is None:
        return
    server.messaging.forget()
    for session in list(server.sessions):
        backlog = session.backlog
        if backlog is not None and not backlog.announced and session.wa_id is not None:
            backlog.left = 0
            if server.offline is not None:
                server.offline.kick(session.wa_id)  # announces offline.complete
