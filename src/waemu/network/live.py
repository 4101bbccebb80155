"""What the network sees happen, published on the event bus (``events.py``) for the web inbox:
coreapps connecting, logging in and going away, and the webhook POSTs their coreapps report
(``webhooks.attempted``: the journal lives in the coreapp, which tells the network after each
POST). Messages and receipts are published by ``inboxes.py``, changes of the world by
``World.save`` and by the control API's ``ChangeEvents`` middleware (``inbox_control.py``).
"""

from __future__ import annotations

from typing import Any

from waemu.network.server import NetworkServer, Session
from waemu.network.world import World

ATTEMPTED_OP = "webhooks.attempted"  # sent by waemu.webhooks.journal.AttemptNotices


def install(server: NetworkServer, world: World) -> None:
    """Publish the server's connection changes and the coreapps' webhook notices; close the
    bus when the server stops (open streams end)."""
    events = world.events
    server.session_listeners.append(lambda: events.publish("health"))
    server.login_listeners.append(lambda wa_id: events.publish("health", business=wa_id))
    server.stop_hooks.append(events.close)

    async def attempted(session: Session, args: dict[str, Any]) -> None:
        count = args.get("count")
        events.publish(
            "webhooks",
            business=session.require_login(),
            count=count if isinstance(count, int) else None,
        )

    server.register(ATTEMPTED_OP, attempted)
