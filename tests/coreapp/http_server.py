"""A tiny real HTTP/1.1 server on 127.0.0.1 for the link downloader's tests.

Each path has a fixed answer (status, headers, body, delays, chunked or not); every request
is recorded with its headers, so tests can see the credentials that reached the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class Answer:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False  # no Content-Length: the body in chunks
    chunk_size: int = 64 * 1024
    delay_headers: float = 0.0  # seconds before the status line
    delay_chunks: float = 0.0  # seconds before each body chunk


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]


class HttpServer:
    """Serves ``answers`` by path; unknown paths get 404."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.seen: list[Seen] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> HttpServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up (too large, timeout): expected in these tests
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode("latin-1").strip()
        if not request_line:
            return
        method, target, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            line = (await reader.readline()).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.seen.append(Seen(method, target, headers))
        answer = self.answers.get(target.split("?", 1)[0]) or Answer(404, b"no such file")
        if answer.delay_headers:
            await asyncio.sleep(answer.delay_headers)
        lines = [f"HTTP/1.1 {answer.status} {_reason(answer.status)}", "Connection: close"]
        if answer.content_type is not None:
            lines.append(f"Content-Type: {answer.content_type}")
        lines += [f"{name}: {value}" for name, value in answer.headers.items()]
        if answer.chunked:
            lines.append("Transfer-Encoding: chunked")
        elif "Content-Length" not in answer.headers:
            lines.append(f"Content-Length: {len(answer.body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        for start in range(0, len(answer.body), answer.chunk_size):
            if answer.delay_chunks:
                await asyncio.sleep(answer.delay_chunks)
            chunk = answer.body[start : start + answer.chunk_size]
            if answer.chunked:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                writer.write(chunk)
            await writer.drain()
        if answer.chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()


def _reason(status: int) -> str:
    return {200: "OK", 302: "Found", 403: "Forbidden", 404: "Not Found", 500: "Server Error"}.get(
        status, "Status"
    )
