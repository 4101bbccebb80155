"""A real HTTP receiver for webhooks: records every POST body and answers with a scripted
status (default 200), optionally after a delay."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from typing import Any

from waemu.background import stop_tasks


class Receiver:
    """Listens on 127.0.0.1; ``script`` holds (status, delay) answers to use in order."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []  # the bodies it answered 200 to
        self.attempts: list[dict[str, Any]] = []  # every body received
        self.script: deque[tuple[int, float]] = deque()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The webhook URL."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await stop_tasks(list(self._tasks), seconds=10)  # bounded: never hangs a teardown

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = json.loads(await reader.readexactly(length)) if length else {}
                self.attempts.append(body)
                status, delay = self.script.popleft() if self.script else (200, 0.0)
                if delay:
                    await asyncio.sleep(delay)
                if status == 200:
                    self.bodies.append(body)
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._tasks.discard(task)
