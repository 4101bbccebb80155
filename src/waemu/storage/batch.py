"""Group commit: many concurrent writes share one transaction.

A request that must be persisted before its reply (an accepted message, a receipt) hands an
item to the writer under a *kind* and waits; the writer takes everything that arrived
meanwhile, gives each kind's items to that kind's flusher in one call — so a flusher can use
one multi-row statement for all of them — and commits once. Throughput grows with load
instead of being capped by one commit per request. If a batch fails, its items are retried
one by one, so a single bad item fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.background import stop_task, wait_event

log = logging.getLogger(__name__)

Flusher = Callable[[AsyncSession, list[Any]], Awaitable[None]]
# Opens the writer's transaction: committed when the block ends (storage/sqlite_writes.py
# gives SQLite its own; the servers use the session factory's).
Begin = Callable[[], AbstractAsyncContextManager[AsyncSession]]


# A batch this long or longer commits at once, without lingering.
LINGER_BELOW = 32

# The session's info key saying the running flusher is write-only: it reads nothing back
# from its statements, so they may be queued and sent together at the commit
# (storage/server_writes.py).
WRITES_ONLY = "writes_only"


class WriteFailed(RuntimeError):
    """The database refused an item."""


class ConnectionLost(RuntimeError):
    """The writer's connection broke during a transaction: nothing of it was written."""


class BatchWriter:
    """Runs submitted items in shared transactions, kinds in order of first arrival."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        max_batch: int = 1000,
        begin: Begin | None = None,
        linger: float = 0.0,
    ) -> None:
        self.sessions = sessions
        self._begin: Begin = begin or sessions.begin
        self.max_batch = max_batch
        # Seconds a small batch waits for company before it commits: at a low rate, items
        # that arrive a few milliseconds apart then share a transaction instead of paying a
        # commit each (under load the queue is long enough and nothing waits).
        self.linger = linger
        self._flushers: dict[str, Flusher] = {}
        self._writes_only: set[str] = set()
        self._queue: list[tuple[str, Any, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def register(self, kind: str, flusher: Flusher, *, writes_only: bool = False) -> None:
        """Say how items of ``kind`` are written. ``writes_only``: the flusher uses no result
        of its inserts, updates and deletes (it may still read with ``scalar``/``select``)."""
        self._flushers[kind] = flusher
        if writes_only:
            self._writes_only.add(kind)

    def start(self) -> None:
        """Start the writer task."""
        self._task = asyncio.create_task(self._run(), name="batch-writer")

    async def add(self, kind: str, item: Any) -> None:
        """Write ``item`` in the next transaction; returns once it is committed."""
        await self.add_many(kind, [item])

    async def add_many(self, kind: str, items: list[Any]) -> None:
        """Write ``items`` (together where the batch size allows); returns once committed."""
        if kind not in self._flushers:
            raise KeyError(f"no flusher for {kind!r}")
        if self._task is None or self._task.done():
            raise RuntimeError("the batch writer is not running")
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for item in items:
            future: asyncio.Future[None] = loop.create_future()
            self._queue.append((kind, item, future))
            futures.append(future)
        self._idle.clear()
        self._wake.set()
        await asyncio.gather(*futures)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if self.linger and len(self._queue) < LINGER_BELOW:
                await asyncio.sleep(self.linger)
            self._wake.clear()
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                await self._commit(batch)
            self._idle.set()

    async def _commit(self, batch: list[tuple[str, Any, asyncio.Future[None]]]) -> None:
        grouped: dict[str, list[Any]] = {}
        for kind, item, _future in batch:
            grouped.setdefault(kind, []).append(item)
        try:
            try:
                await self._transaction(grouped)
            except (sa.exc.DBAPIError, ConnectionLost) as exc:
                if isinstance(exc, sa.exc.DBAPIError) and not exc.connection_invalidated:
                    raise
                # The server dropped the connection (a restart): nothing was written, so the
                # batch runs again on a new one.
                log.info("database connection lost; writing the batch again")
                await self._transaction(grouped)
        except Exception:
            if len(batch) > 1:
                for entry in batch:  # find the culprit: each item alone
                    await self._commit([entry])
                return
            log.exception("write of %s failed", batch[0][0])
            future = batch[0][2]
            if not future.done():
                future.set_exception(WriteFailed("the database refused the write"))
            return
        for _kind, _item, future in batch:
            if not future.done():
                future.set_result(None)

    async def _transaction(self, grouped: dict[str, list[Any]]) -> None:
        async with self._begin() as session:
            info = session.sync_session.info
            for kind, items in grouped.items():
                info[WRITES_ONLY] = kind in self._writes_only
                await self._flushers[kind](session, items)
            info.pop(WRITES_ONLY, None)
        # Flushers may ask to be told once their rows are visible (the outbox wakes its
        # dispatcher this way).
        for callback in session.sync_session.info.pop("after_commit", []):
            callback()

    async def stop(self, grace: float = 10.0) -> None:
        """Finish what is queued (up to ``grace`` seconds), then stop."""
        if self._task is None:
            return
        if not await wait_event(self._idle, grace):
            log.error("%d writes were still queued at shutdown", len(self._queue))
        await stop_task(self._task)
        self._task = None
