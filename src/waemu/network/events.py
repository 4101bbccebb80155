"""The network's event bus: what the web inbox shows as it happens (docs/inbox.md).

Everything the network handles that a person watching wants to see at once is published here
as a small JSON object with a ``type``: a message reaching a customer's phone or leaving it
(``message``), a receipt (``status``), a change made through the control API or saved in the
world (``changed``), a coreapp connecting, logging in or going away (``health``), a webhook
POST of a business (``webhooks``, told by its coreapp). ``GET /events`` streams them as
server-sent events.

Publishing costs a look at an empty set while nobody watches, so the hot path of
``messages.send`` pays nothing for it. A subscriber that falls ``QUEUE_LIMIT`` events behind
gets a single ``reload`` in place of what it missed (it reads the state again) instead of
holding the network's memory. ``close`` ends every subscription at once: whoever stops the
control API's server closes the bus first, so open streams end instead of holding the
server's graceful shutdown.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

Event = dict[str, Any]
QUEUE_LIMIT = 2000  # events a subscriber may fall behind before it is told to reload
RELOAD: Event = {"type": "reload"}


class Subscription:
    """One watcher's queue of events."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self.closed = False
        self._queue: deque[Event] = deque()
        self._wake = asyncio.Event()

    def push(self, event: Event) -> None:
        """Queue ``event`` (or, when the watcher is too far behind, one ``reload``)."""
        if self.closed:
            return
        if len(self._queue) >= self.limit:
            self._queue.clear()
            self._queue.append(RELOAD)
        else:
            self._queue.append(event)
        self._wake.set()

    def close(self) -> None:
        """No more events: ``next`` answers None from now on."""
        self.closed = True
        self._wake.set()

    async def next(self, seconds: float) -> Event | None:
        """The next event; ``{}`` when none came within ``seconds`` (time for a keep-alive);
        None once the subscription is closed."""
        if not self._queue and not self.closed:
            self._wake.clear()
            try:
                async with asyncio.timeout(seconds):
                    await self._wake.wait()
            except TimeoutError:
                return {}
        if self._queue:
            return self._queue.popleft()
        return None


class EventBus:
    """Hands every published event to every current subscriber."""

    def __init__(self) -> None:
        self.closed = False
        self._subscribers: set[Subscription] = set()

    @property
    def watched(self) -> bool:
        """Whether anyone subscribes."""
        return bool(self._subscribers)

    def publish(self, kind: str, **data: Any) -> None:
        """Publish an event of type ``kind`` with ``data`` to every subscriber."""
        if not self._subscribers:
            return
        event = {"type": kind, **data}
        for subscriber in list(self._subscribers):
            subscriber.push(event)

    def subscribe(self, limit: int = QUEUE_LIMIT) -> Subscription:
        """A new subscription (already closed when the bus is)."""
        subscription = Subscription(limit)
        if self.closed:
            subscription.close()
        else:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget ``subscription``."""
        self._subscribers.discard(subscription)
        subscription.close()

    def close(self) -> None:
        """End every subscription (the server stops); later ones start closed."""
        self.closed = True
        for subscription in list(self._subscribers):
            self.unsubscribe(subscription)
