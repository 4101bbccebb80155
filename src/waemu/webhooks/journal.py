"""Reading the delivery journal from outside: the network's control API asks the logged-in
coreapp (``webhooks.journal`` over the network link) so a developer can see why their
endpoint got no callback (docs/webhooks.md, docs/network.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.errors import ApiError
from waemu.storage.repos import webhooks as repo

JOURNAL_OP = "webhooks.journal"
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


def network_pushes(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
    """The request the network sends to read the journal."""

    async def journal(args: dict[str, Any]) -> dict[str, Any]:
        return await read(sessions, args.get("limit"), args.get("since"))

    return {JOURNAL_OP: journal}
