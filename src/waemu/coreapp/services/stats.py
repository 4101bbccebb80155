"""The coreapp's stats (spec §10.2): counters kept in memory, gauges read from real state.

Counting costs one dictionary increment on the path it counts (an operation of the internal
socket, a webhook POST, a batch of stored customer messages); everything else is computed
when ``GET /v1/stats/app`` asks. Values are rendered in the real client's JSON stat format,
``{"name": {"data": [{"labels": {...}, "value": N}], "help": "...", "type": "gauge"}}``
(the ``labels`` key is left out of an entry that has none, as in the official examples).
docs/stats.md lists every stat and what it counts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from waemu.protocol import ops
from waemu.storage.repos.stats import DbCounts, DbDetails

Labels = tuple[tuple[str, str], ...]
Stats = dict[str, dict[str, Any]]

# Webhook families (outbox kinds) as the real ``callback_requests`` ``type`` label names them.
CALLBACK_TYPES = {
    "messages": "inbound_message",
    "statuses": "status_change",
    "errors": "error",
    "services": "service",
}


def stat(kind: str, help_text: str, values: Mapping[Labels, float]) -> dict[str, Any]:
    """One stat in the JSON stat format; entries sorted by their labels."""
    data: list[dict[str, Any]] = []
    for labels, value in sorted(values.items()):
        entry: dict[str, Any] = {"labels": dict(labels)} if labels else {}
        entry["value"] = int(value) if float(value).is_integer() else value
        data.append(entry)
    return {"data": data, "help": help_text, "type": kind}


def single(kind: str, help_text: str, value: float) -> dict[str, Any]:
    """A stat with one unlabelled value."""
    return stat(kind, help_text, {(): value})


class AppStats:
    """In-memory counters of one coreapp process (they start at zero on every start)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.endpoint: dict[Labels, int] = {}
        self.endpoint_ms: dict[Labels, list[float]] = {}  # method -> [count, sum]
        self.callbacks: dict[Labels, int] = {}
        self.callback_ms: dict[Labels, list[float]] = {}
        self.given_up: dict[Labels, int] = {}
        self.incoming: dict[Labels, int] = {}
        self.outgoing: dict[Labels, int] = {}
        self.receipts: dict[Labels, int] = {}

    # -- the counting hooks ---------------------------------------------------------------

    def observe_operation(
        self, op: str, args: Mapping[str, Any] | None, result: str, started: float
    ) -> None:
        """One operation of the internal socket answered (``result``: ``ok`` or the code)."""
        key = (("method", op), ("result", result))
        self.endpoint[key] = self.endpoint.get(key, 0) + 1
        timing = self.endpoint_ms.get(key)
        if timing is None:
            timing = self.endpoint_ms[key] = [0, 0.0]
        timing[0] += 1
        timing[1] += (time.perf_counter() - started) * 1000
        if op == ops.MESSAGES_SEND and result == "ok":
            message = (args or {}).get("message")
            kind = str(message.get("type", "text")) if isinstance(message, dict) else "text"
            type_key = (("type", kind),)
            self.outgoing[type_key] = self.outgoing.get(type_key, 0) + 1

    def record_callback(self, kind: str, ok: bool, elapsed_ms: float) -> None:
        """One webhook POST of the outbox family ``kind`` ended (200 or not)."""
        key = (("result", "success" if ok else "fail"), ("type", CALLBACK_TYPES.get(kind, kind)))
        self.callbacks[key] = self.callbacks.get(key, 0) + 1
        timing = self.callback_ms.get(key)
        if timing is None:
            timing = self.callback_ms[key] = [0, 0.0]
        timing[0] += 1
        timing[1] += elapsed_ms

    def record_given_up(self, kind: str, count: int) -> None:
        """``count`` notifications of the outbox family ``kind`` were given up: their next
        retry would have come after the retry horizon (docs/webhooks.md)."""
        key = (("type", CALLBACK_TYPES.get(kind, kind)),)
        self.given_up[key] = self.given_up.get(key, 0) + count

    async def on_stored(self, _session: AsyncSession, payloads: list[dict[str, Any]]) -> None:
        """A listener of the messages service: count stored customer messages and receipts."""
        for payload in payloads:
            for message in payload.get("messages", ()):
                key = (("type", str(message.get("type", "unknown"))),)
                self.incoming[key] = self.incoming.get(key, 0) + 1
            for status in payload.get("statuses", ()):
                key = (("status", str(status.get("status", "unknown"))),)
                self.receipts[key] = self.receipts.get(key, 0) + 1

    # -- the report -----------------------------------------------------------------------

    def report(self, *, callback_queue: int, message_queue: int, internal: bool) -> Stats:
        """``stats.app``: the spec's stats, and with ``internal`` the detailed ones too."""
        report: Stats = {
            "callback_queue_size": single("gauge", "Current callback queue size", callback_queue),
            "callback_requests": stat(
                "counter", "Total number of callback requests made", self.callbacks
            ),
            "endpoint_requests": stat(
                "counter", "Total number of endpoint requests made", self.endpoint
            ),
            "incoming_messages": stat(
                "counter", "Total number of incoming messages stored", self.incoming
            ),
            "message_queue": single(
                "gauge", "Current number of messages waiting for the network", message_queue
            ),
            "outgoing_messages": stat(
                "counter", "Total number of outgoing messages accepted", self.outgoing
            ),
        }
        if internal:
            report.update(self._internal())
        return dict(sorted(report.items()))

    def _internal(self) -> Stats:
        return {
            "callback_requests_duration_ms_count": stat(
                "counter", "Total number of callback requests", _part(self.callback_ms, 0)
            ),
            "callback_requests_duration_ms_sum": stat(
                "counter", "Total duration (ms) of callback requests", _part(self.callback_ms, 1)
            ),
            "callbacks_given_up": stat(
                "counter",
                "Total number of callbacks given up after the retry horizon",
                self.given_up,
            ),
            "endpoint_requests_duration_ms_count": stat(
                "counter", "Total number of endpoint requests", _part(self.endpoint_ms, 0)
            ),
            "endpoint_requests_duration_ms_sum": stat(
                "counter", "Total duration (ms) of endpoint requests", _part(self.endpoint_ms, 1)
            ),
            "incoming_receipts": stat(
                "counter", "Total number of message receipts stored", self.receipts
            ),
            "uptime_seconds": single(
                "gauge",
                "Seconds since the coreapp started",
                round(time.monotonic() - self.started, 3),
            ),
        }


def _part(timings: Mapping[Labels, list[float]], index: int) -> dict[Labels, float]:
    return {labels: round(values[index], 3) for labels, values in timings.items()}


# The real db_contacts labels, from the contact store's answers (spec §6, §10.2).
CONTACT_TYPES = {"valid": "whatsapp_user", "invalid": "non_whatsapp_user"}


def db_report(counts: DbCounts, details: DbDetails | None) -> Stats:
    """``stats.db``: the spec's DB stats, and with ``details`` the internal ones too."""
    contacts: dict[Labels, float] = {
        (("type", label),): float(counts.contacts_by_status.get(status, 0))
        for status, label in CONTACT_TYPES.items()
    }
    report: Stats = {
        "db_contacts": stat("gauge", "Current number of contacts in DB", contacts),
        "db_message_receipts": single(
            "gauge", "Current number of message receipts in DB", counts.receipts
        ),
        "db_messages": stat(
            "gauge",
            "Current number of messages in DB",
            {(("type", t),): n for t, n in counts.messages_by_type.items()},
        ),
        "db_pending_callbacks": single(
            "gauge", "Current number of pending callbacks in DB", counts.pending_callbacks
        ),
        "db_pending_messages": single(
            "gauge", "Current number of pending messages in DB", counts.pending_messages
        ),
    }
    if details is not None:
        by_status: dict[Labels, float] = {
            (("direction", d), ("status", s)): n
            for (d, s), n in details.messages_by_direction_status.items()
        }
        media = details.media_by_direction
        report.update(
            {
                "db_contact_identities": single(
                    "gauge", "Current number of identities seen in DB", details.identities
                ),
                "db_media": stat(
                    "gauge",
                    "Current number of media files in DB",
                    {(("direction", d),): n for d, (n, _b) in media.items()},
                ),
                "db_media_bytes": stat(
                    "gauge",
                    "Current size in bytes of the media files in DB",
                    {(("direction", d),): b for d, (_n, b) in media.items()},
                ),
                "db_messages_by_status": stat(
                    "gauge", "Current number of messages in DB by status", by_status
                ),
                "db_webhook_attempts": single(
                    "gauge",
                    "Current number of webhook attempts journalled in DB",
                    details.webhook_attempts,
                ),
            }
        )
    return dict(sorted(report.items()))
