"""A link that carries requests both ways over one connection (coreapp <-> network).

Frames are those of ``framing``: a frame with ``op`` is a request and gets exactly one reply
(``r`` or ``e``) with the same id; each side numbers its own requests. The network pushes
inbound messages and statuses to the coreapp as requests, and the reply is the
acknowledgement, so nothing is dropped between the two.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from waemu.errors import ApiError
from waemu.protocol import framing

log = logging.getLogger(__name__)

RequestHandler = Callable[[str, dict[str, Any]], Awaitable[Any]]


def _expire(future: asyncio.Future[Any], op: str, wait: float) -> None:
    if not future.done():
        future.set_exception(TimeoutError(f"no reply to {op} within {wait:g}s"))


class PeerClosed(ConnectionError):
    """The link closed before the reply arrived."""


class Peer:
    """One end of a bidirectional request/reply link."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        handler: RequestHandler,
        *,
        name: str = "peer",
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.frames = framing.FrameWriter(writer)
        self.handler = handler
        self.name = name
        self.closed = asyncio.Event()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)

    async def run(self) -> None:
        """Read frames until the connection ends; replies resolve calls, requests run."""
        try:
            while True:
                message = await framing.read(self.reader)
                if message is None:
                    break
                if "op" in message:
                    task = asyncio.create_task(self._answer(message), name=f"{self.name}-request")
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    continue
                future = self._pending.pop(message.get("i", -1), None)
                if future is None or future.done():
                    continue
                if "e" in message:
                    future.set_exception(ApiError.from_wire(message["e"]))
                else:
                    future.set_result(message.get("r"))
        except (OSError, framing.FrameError) as exc:
            log.info("%s link lost: %s", self.name, exc)
        finally:
            self.close()

    async def _answer(self, message: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"i": message.get("i")}
        try:
            reply["r"] = await self.handler(str(message["op"]), message.get("a") or {})
        except ApiError as exc:
            reply["e"] = exc.to_wire()
        except Exception:
            log.exception("%s: request %s failed", self.name, message.get("op"))
            reply["e"] = ApiError(500, f"{message.get('op')} failed on the {self.name}").to_wire()
        self.send(reply)

    def send(self, message: dict[str, Any]) -> None:
        """Queue one frame for writing (no-op once closed)."""
        if self.closed.is_set():
            return
        try:
            self.frames.write(message)
        except (OSError, RuntimeError) as exc:
            log.info("%s: write failed: %s", self.name, exc)
            self.close()

    async def call(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        wait: float = 30.0,
        *,
        principal: dict[str, Any] | None = None,
    ) -> Any:
        """Send a request and return its result; ApiError for an error reply,
        PeerClosed when the link goes down first, TimeoutError after ``wait`` seconds.
        ``principal`` is the caller the webapp vouches for (the coreapp checks it)."""
        if self.closed.is_set():
            raise PeerClosed(f"{self.name} link is closed")
        call_id = next(self._ids)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending[call_id] = future
        request: dict[str, Any] = {"i": call_id, "op": op, "a": args or {}}
        if principal is not None:
            request["p"] = principal
        # A timer on the future rather than asyncio.timeout(): the same TimeoutError for a
        # fraction of the cost, on the path every request takes.
        timer = loop.call_later(wait, _expire, future, op, wait)
        try:
            self.send(request)
            return await future
        finally:
            timer.cancel()
            self._pending.pop(call_id, None)

    @property
    def in_flight(self) -> int:
        """Calls sent and not answered yet."""
        return len(self._pending)

    def close(self) -> None:
        """Close the connection and fail the calls still waiting."""
        if self.closed.is_set():
            return
        self.closed.set()
        self.writer.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(PeerClosed(f"{self.name} link closed"))
        self._pending.clear()
        for task in self._tasks:
            task.cancel()
