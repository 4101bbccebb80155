"""The outbound queue: accepted messages handed to the network in batches.

Messages wait here while the coreapp is not logged in; the network acknowledges each one
with a ``sent`` (or ``failed``) receipt, which the messages service records. A message is
only forgotten here once its receipt is recorded, so a crash re-sends it after the restart
(the network drops repeats by id).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from waemu.background import stop_task
from waemu.coreapp.readiness import Phase, Readiness
from waemu.errors import ApiError

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink

log = logging.getLogger(__name__)

BATCH = 200


class OutboundQueue:
    """Holds accepted messages and feeds them to the network."""

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness
        self.link: NetworkLink | None = None
        self.on_acks: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None
        self._queue: deque[dict[str, Any]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        readiness.listen(lambda _before, after: self._wake.set())

    def __len__(self) -> int:
        return len(self._queue)

    def push(self, message: dict[str, Any]) -> None:
        """Queue an accepted message."""
        self._queue.append(message)
        self._wake.set()

    def start(self) -> None:
        """Start feeding the network."""
        self._task = asyncio.create_task(self._run(), name="outbound-queue")

    async def stop(self) -> None:
        """Stop feeding (queued messages stay persisted as ``accepted``)."""
        await stop_task(self._task)
        self._task = None

    async def notify_read(self, wa_id: str, message_id: str) -> None:
        """Tell the network the business read a customer's message (the blue ticks)."""
        if self.link is None:
            return
        try:
            await self.link.call("messages.read", {"wa_id": wa_id, "ids": [message_id]}, 5)
        except ApiError as exc:
            log.info("read receipt for %s not delivered: %s", message_id, exc.details)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and self.readiness.phase is Phase.CONNECTED:
                batch = [self._queue[i] for i in range(min(BATCH, len(self._queue)))]
                if not await self._send(batch):
                    await asyncio.sleep(0.2)  # the link is going down; wait for it
                    break
                for _ in batch:
                    self._queue.popleft()

    async def _send(self, batch: list[dict[str, Any]]) -> bool:
        assert self.link is not None and self.on_acks is not None
        try:
            acks = await self.link.call("messages.send", {"messages": batch}, 30)
        except ApiError as exc:
            log.warning("network did not take %d messages: %s", len(batch), exc.details)
            return False
        await self.on_acks(acks)
        return True
