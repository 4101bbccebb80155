"""The coreapp's end of the internal socket: accepts webapps, serves framed requests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from waemu.background import wait_tasks
from waemu.coreapp.dispatch import Dispatcher
from waemu.protocol import framing

log = logging.getLogger(__name__)


class CoreServer:
    """Serves the operation table over TCP; each request runs as its own task."""

    def __init__(self, dispatcher: Dispatcher, host: str, port: int) -> None:
        self.dispatcher = dispatcher
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        sockets = self._server.sockets or ()
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        log.info("coreapp listening on %s:%s", self.host, self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        frames = framing.FrameWriter(writer)
        peer = writer.get_extra_info("peername")
        log.debug("webapp connected from %s", peer)
        try:
            while True:
                message = await framing.read(reader)
                if message is None:
                    break
                task = asyncio.create_task(self._answer(message, frames), name="core-request")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except (OSError, framing.FrameError) as exc:
            log.warning("dropping connection from %s: %s", peer, exc)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, message: dict[str, Any], frames: framing.FrameWriter) -> None:
        reply = await self.dispatcher.dispatch(message)
        if frames.writer.is_closing():
            return
        try:
            frames.write(reply)
            await frames.writer.drain()
        except (OSError, framing.FrameError) as exc:
            log.warning("could not send reply: %s", exc)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, let running requests finish (up to ``grace`` s), close sockets."""
        if self._server is not None:
            self._server.close()
        await wait_tasks(self._tasks, grace)
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await self._server.wait_closed()
