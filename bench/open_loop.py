"""An open-loop load generator: requests start at a fixed rate whatever the server does.

A closed-loop tool (wrk) sends the next request only when the previous one answered, so a
server that stalls for 200 ms simply receives fewer requests and the stall hides in the
average ("coordinated omission"). Here request ``i`` is due at ``start + i / rate``; its
latency is counted from that due time, so time spent waiting for a free connection (because
the server is slow) counts as the server's latency, as a user's client would see it.

Plain asyncio streams and pre-built request bytes keep the generator's own cost small next
to the server's (it shares the machine's cores with it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A connection is opened on demand when every open one is busy, up to this many.
MAX_CONNECTIONS = 256


@dataclass
class OpenLoopResult:
    """Latencies (seconds, from each request's due time) and the answers' status codes."""

    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    def summary(self) -> str:
        """One line: rate, answers, p50/p99/max."""
        ok = sum(n for code, n in self.statuses.items() if 200 <= code < 300)
        return (
            f"open-loop {self.rate:g}/s for {self.seconds:g}s: {len(self.latencies)} answers "
            f"({ok} 2xx, {self.errors} errors) p50={self.percentile(50):.1f}ms "
            f"p99={self.percentile(99):.1f}ms max={self.percentile(100):.1f}ms"
        )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> int:
        """Send one request, read the whole answer; its status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status


def build_request(url: str, method: str, headers: dict[str, str], body: bytes) -> bytes:
    """The bytes of one HTTP/1.1 request with a kept-alive connection."""
    parts = urlsplit(url)
    lines = [f"{method} {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run_open_loop(
    url: str, request: bytes, rate: float, seconds: float, *, timeout: float = 30.0
) -> OpenLoopResult:
    """Send ``request`` to ``url``'s host at ``rate`` per second for ``seconds``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = OpenLoopResult(rate, seconds)
    idle: list[_Connection] = []
    opened = 0
    slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def connect() -> _Connection:
        nonlocal opened
        opened += 1
        return _Connection(*await asyncio.open_connection(host, port))

    async def one(due: float) -> None:
        async with slots:
            connection = idle.pop() if idle else None
            try:
                async with asyncio.timeout(timeout):
                    if connection is not None:
                        try:
                            status = await connection.exchange(request)
                        except (ConnectionError, asyncio.IncompleteReadError):
                            # The server closed a kept-alive connection while it was idle;
                            # as an HTTP client does, send again on a new one.
                            connection.writer.close()
                            connection = None
                    if connection is None:
                        connection = await connect()
                        status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                result.errors += 1
                if connection is not None:
                    connection.writer.close()
                return
            result.latencies.append(time.perf_counter() - due)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            idle.append(connection)

    total = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    async with asyncio.timeout(timeout + 5):
        await asyncio.gather(*tasks)
    for connection in idle:
        connection.writer.close()
    return result
