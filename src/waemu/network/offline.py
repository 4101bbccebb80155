"""Offline messages on the network side: what a coreapp's login found waiting, and the
switches that make the hand-over slow or endless (control API, docs/readiness.md).

When a business's coreapp logs in, the items queued for it (customer messages and receipts
that arrived while it was away) are its **offline backlog**. The pusher hands the queue over
oldest first; once the backlog's last item is acknowledged — stored by the coreapp — the
network pushes ``offline.complete``, which ends step 2 of the coreapp's startup (spec §12).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

UNLIMITED_BATCH = 500


@dataclass
class Backlog:
    """One login's offline backlog: how many items waited, how many are not yet through."""

    total: int
    left: int
    announced: bool = False  # offline.complete sent

    def pushed(self, count: int) -> None:
        """``count`` items from the front of the queue were acknowledged."""
        self.left = max(0, self.left - count)


@dataclass
class Feed:
    """How one business's queue is handed over: held open, and at what rate."""

    hold: bool = False  # the offline phase stays open: no offline.complete until released
    per_second: float | None = None  # items per second; None: as fast as the coreapp takes
    next_at: float = 0.0

    def wait(self, now: float) -> float | None:
        """Seconds until the next item may go; None when none may (held without a rate)."""
        if self.per_second is None:
            return None if self.hold else 0.0
        if self.per_second <= 0:
            return None
        return max(0.0, self.next_at - now)

    def batch(self) -> int:
        """How many items one push may carry."""
        return 1 if self.per_second else UNLIMITED_BATCH

    def spent(self, count: int, now: float) -> None:
        """``count`` items went out at ``now``."""
        if self.per_second:
            self.next_at = max(self.next_at, now) + count / self.per_second

    def to_json(self) -> dict[str, object]:
        """The control API's form."""
        return {"hold": self.hold, "per_second": self.per_second}


class Chatter:
    """A customer who keeps writing to a business, ``per_second`` messages a second, until
    ``count`` are sent or it is stopped (control API ``POST /customers/{wa_id}/chatter``)."""

    def __init__(self, write: Callable[[int], None], per_second: float, count: int | None) -> None:
        self.write = write
        self.per_second = per_second
        self.count = count
        self.sent = 0
        self.task: asyncio.Task[None] | None = None

    def start(self, name: str) -> None:
        """Start writing."""
        self.task = asyncio.get_running_loop().create_task(self._run(), name=name)

    async def _run(self) -> None:
        while self.count is None or self.sent < self.count:
            self.sent += 1
            try:
                self.write(self.sent)
            except Exception:
                log.exception("chatter stopped")
                return
            await asyncio.sleep(1 / self.per_second)

    def stop(self) -> None:
        """Stop writing."""
        if self.task is not None and not self.task.done():
            self.task.cancel()

    @property
    def running(self) -> bool:
        """Whether it still writes."""
        return self.task is not None and not self.task.done()


class OfflineSwitches:
    """Per-business feeds and per-customer chatters of the network."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.feeds: dict[str, Feed] = {}
        self.chatters: dict[str, Chatter] = {}
        self.kick: Callable[[str], None] = lambda _business: None  # set by the pusher

    def feed(self, business: str) -> Feed:
        """The business's feed (the default one: as fast as possible, not held)."""
        return self.feeds.get(business) or Feed()

    def set_feed(self, business: str, hold: bool, per_second: float | None) -> Feed:
        """Change how the business's queue is handed over, and push what may go now."""
        feed = Feed(hold=hold, per_second=per_second)
        if hold or per_second is not None:
            self.feeds[business] = feed
        else:
            self.feeds.pop(business, None)
        self.kick(business)
        return feed

    def wait(self, business: str) -> float | None:
        """Seconds until the business's next item may be pushed (None: held)."""
        return self.feed(business).wait(self.clock())

    def spent(self, business: str, count: int) -> None:
        """``count`` items of the business went out."""
        feed = self.feeds.get(business)
        if feed is not None:
            feed.spent(count, self.clock())

    def start_chatter(self, customer: str, chatter: Chatter) -> None:
        """Replace the customer's chatter with ``chatter``."""
        self.stop_chatter(customer)
        self.chatters[customer] = chatter
        chatter.start(f"chatter-{customer}")

    def stop_chatter(self, customer: str) -> Chatter | None:
        """Stop the customer's chatter; returns it (None when there was none)."""
        chatter = self.chatters.pop(customer, None)
        if chatter is not None:
            chatter.stop()
        return chatter

    def stop(self) -> None:
        """Stop every chatter (network shutdown)."""
        for customer in list(self.chatters):
            with contextlib.suppress(Exception):
                self.stop_chatter(customer)
