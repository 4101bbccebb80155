"""Reading the delivery journal from outside: the network's control API asks the logged-in
coreapp (``webhooks.journal`` over the network link) so a developer can see why their
endpoint got no callback (docs/webhooks.md, docs/network.md); and acting on it from there:
retry what waits now (``webhooks.retry``), POST a journalled payload again
(``webhooks.redeliver``), forget the journal (``webhooks.clear``). ``AttemptNotices`` tells
the network after POSTs, so the web inbox shows them as they happen (docs/inbox.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.background import stop_task
from waemu.clock import Clock
from waemu.errors import ApiError
from waemu.storage.repos import webhooks as repo

log = logging.getLogger(__name__)

JOURNAL_OP = "webhooks.journal"
RETRY_OP = "webhooks.retry"
REDELIVER_OP = "webhooks.redeliver"
CLEAR_OP = "webhooks.clear"
ATTEMPTED_OP = "webhooks.attempted"  # to the network: POSTs happened (waemu.network.live)
NOTICE_SECONDS = 0.25  # at most one notice per this long: POSTs in between are counted
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def redact(url: str) -> str:
    """The URL with the password of ``https://user:password@host/`` hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def describe(row: Any) -> dict[str, Any]:
    """One journal row as the control API shows it."""
    try:
        payload: Any = orjson.loads(row.body)
    except orjson.JSONDecodeError:
        payload = row.body
    return {
        "id": row.id,
        "time": _iso(row.at),
        "url": redact(row.url),
        "events": row.events,
        "payload": payload,
        "status_code": row.status_code,
        "error": row.error,
        "duration_ms": row.duration_ms,
        "next_retry_at": _iso(row.next_attempt_at),
        "given_up": row.given_up,  # notifications of this POST dropped at the retry horizon
    }


def _limit(value: Any) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LIMIT:
        raise ApiError(1009, f"limit must be an integer from 1 to {MAX_LIMIT}")
    return value


def _since(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ApiError(1009, "since must be an ISO 8601 time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


async def read(
    sessions: async_sessionmaker[AsyncSession], limit: Any = None, since: Any = None
) -> dict[str, Any]:
    """The latest attempts, newest first, and what still waits in the outbox."""
    count, since_at = _limit(limit), _since(since)
    async with sessions() as session:
        rows = await repo.recent_attempts(session, count, since_at)
        pending = await repo.pending(session)
        next_due = await repo.next_due(session)
    return {
        "pending": pending,
        "next_attempt_at": _iso(next_due),
        "attempts": [describe(row) for row in rows],
    }


def _kind(payload: dict[str, Any]) -> str:
    """The outbox kind of a POST body: its first key besides ``contacts`` (as ``Outbox``)."""
    return next(iter(key for key in payload if key != "contacts"), "messages")


def network_pushes(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    kick: Callable[[], None],
) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
    """The requests the network sends to read and act on the journal (``kick`` wakes the
    dispatcher)."""

    async def journal(args: dict[str, Any]) -> dict[str, Any]:
        return await read(sessions, args.get("limit"), args.get("since"))

    async def retry(_args: dict[str, Any]) -> dict[str, Any]:
        async with sessions.begin() as session:
            count = await repo.retry_now(session, clock.now())
        kick()
        return {"retried": count}

    async def redeliver(args: dict[str, Any]) -> dict[str, Any]:
        attempt_id = args.get("id")
        if not isinstance(attempt_id, int) or isinstance(attempt_id, bool):
            raise ApiError(1009, "id must be the integer id of a journalled attempt")
        async with sessions.begin() as session:
            row = await repo.attempt(session, attempt_id)
            if row is None:
                raise ApiError(1006, f"No webhook attempt {attempt_id} in the journal")
            try:
                payload = orjson.loads(row.body)
            except orjson.JSONDecodeError:
                payload = None
            if not isinstance(payload, dict) or not payload:
                raise ApiError(1009, f"Webhook attempt {attempt_id} has no JSON object to send")
            now = clock.now()
            await repo.enqueue(
                session,
                [
                    {
                        "kind": _kind(payload),
                        "payload": row.body,
                        "created_at": now,
                        "next_attempt_at": now,
                        "attempts": 0,
                    }
                ],
            )
        kick()
        return {"redelivered": attempt_id, "events": row.events}

    async def clear(_args: dict[str, Any]) -> dict[str, Any]:
        async with sessions.begin() as session:
            return {"cleared": await repo.clear_attempts(session)}

    return {
        JOURNAL_OP: journal,
        RETRY_OP: retry,
        REDELIVER_OP: redeliver,
        CLEAR_OP: clear,
    }


class NoticeLink(Protocol):
    """The link to the network the notices go over (the coreapp's ``NetworkLink``)."""

    @property
    def connected(self) -> bool: ...

    async def call(
        self, op: str, args: dict[str, Any] | None = None, wait: float = 30.0
    ) -> Any: ...


class AttemptNotices:
    """Tells the network that webhook POSTs happened (``webhooks.attempted``), at most once
    per ``NOTICE_SECONDS``: the dispatcher calls ``poke`` after each POST, which costs the
    delivery nothing; a notice that cannot be sent is dropped (only watchers miss it)."""

    def __init__(self, link: NoticeLink) -> None:
        self.link = link
        self._count = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        """A POST happened."""
        self._count += 1
        self._wake.set()

    def start(self) -> None:
        """Start telling."""
        self._task = asyncio.create_task(self._run(), name="webhook-notices")

    async def stop(self) -> None:
        """Stop telling."""
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            count, self._count = self._count, 0
            if self.link.connected:
                try:
                    await self.link.call(ATTEMPTED_OP, {"count": count}, 5)
                except ApiError as exc:
                    log.debug("webhook notice not delivered: %s", exc.details)
            await asyncio.sleep(NOTICE_SECONDS)
