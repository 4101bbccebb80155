"""The dispatcher: POSTs outbox notifications to ``webhooks.url`` with the real retries.

Due notifications are taken oldest first and grouped by family (statuses with statuses,
messages with messages) into POSTs of up to ``BATCH`` entries, at most
``webhooks.max_concurrent_requests`` in flight (spec §11.1). Only an HTTP 200 answer counts;
anything else, a timeout or a connection failure reschedules every entry of the POST with
the linear backoff of ``callback_backoff_delay_ms`` capped at
``max_callback_backoff_delay_ms``, until the retry horizon (``WA_WEBHOOK_RETRY_HORIZON_SECONDS``,
24 hours from when the notification was written, Meta's "typically 24 hours"): a notification
whose next retry would come later is given up instead, in the transaction that journals the
attempt, and counted in the stats. Every attempt is journalled. The schedule runs on the
injected clock, so tests move time instead of sleeping.

HTTPS receivers are verified against the system's CAs plus the webhook CA (spec §10.6,
``webhooks/tls.py``); a new CA replaces the HTTP client before the next round.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.application_settings import ApplicationSettings
from waemu.background import stop_task, wait_event
from waemu.clock import Clock
from waemu.storage.batch import BatchWriter
from waemu.storage.repos import webhooks as repo
from waemu.webhooks.retry import backoff_seconds, past_horizon
from waemu.webhooks.tls import client_context

log = logging.getLogger(__name__)

BATCH = 50
IDLE_POLL_SECONDS = 1.0
RETRY_HORIZON = timedelta(hours=24)  # the default of WA_WEBHOOK_RETRY_HORIZON_SECONDS


def merge(kind: str, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One POST body for several notifications of one family."""
    if kind == "statuses":
        return {"statuses": [s for p in payloads for s in p["statuses"]]}
    if kind == "messages":
        contacts: dict[str, Any] = {}
        for payload in payloads:
            for contact in payload.get("contacts", []):
                contacts.setdefault(str(contact.get("wa_id")), contact)
        body: dict[str, Any] = {"messages": [m for p in payloads for m in p["messages"]]}
        return {"contacts": list(contacts.values()), **body} if contacts else body
    merged: dict[str, Any] = {kind: [e for p in payloads for e in p[kind]]}
    if "meta" in payloads[0]:  # errors notifications carry the client's meta (spec §11.4)
        merged["meta"] = payloads[0]["meta"]
    return merged


class DeliveryObserver(Protocol):
    """Who counts the POSTs (the coreapp's stats, spec §10.2 ``callback_requests``)."""

    def record_callback(self, kind: str, ok: bool, elapsed_ms: float) -> None: ...

    def record_given_up(self, kind: str, count: int) -> None: ...


class Dispatcher:
    """Delivers the outbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writer: BatchWriter,
        clock: Clock,
        settings: Callable[[], ApplicationSettings],
        *,
        timeout: float = 20.0,
        retry_horizon: timedelta = RETRY_HORIZON,
        transport: httpx.AsyncBaseTransport | None = None,
        tls: ssl.SSLContext | None = None,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self.sessions = sessions
        self.writer = writer
        writer.register("webhooks.outcome", self._flush_outcomes, writes_only=True)
        self.clock = clock
        self.settings = settings
        self.timeout = timeout
        self.retry_horizon = retry_horizon
        self.observer = observer
        self._transport = transport
        self._tls = tls or client_context(None)
        self._tls_changed = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        # Called after each POST is journalled (journal.AttemptNotices: the web inbox).
        self.on_attempt: Callable[[], None] | None = None

    def kick(self) -> None:
        """Look at the outbox now (new rows, a changed URL, moved time)."""
        self._wake.set()

    def use_tls(self, context: ssl.SSLContext) -> None:
        """Verify HTTPS receivers with ``context`` from the next round on (a new webhook CA;
        applied at once, where the real client needs a restart — docs/webhooks.md)."""
        self._tls = context
        self._tls_changed = True
        self.kick()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout,
            transport=self._transport,
            verify=self._tls,
            follow_redirects=False,
        )

    async def _renew_client(self) -> None:
        """Swap in a client with the current TLS context. Called between rounds, when no
        POST is in flight on the old one."""
        old, self._http = self._http, self._client()
        self._tls_changed = False
        if old is not None:
            await old.aclose()

    def start(self) -> None:
        """Start delivering."""
        self._http = self._client()
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    @staticmethod
    async def _flush_outcomes(session: AsyncSession, outcomes: list[Any]) -> None:
        """Each outcome is (delivered ids, reschedules, given-up ids, the journal entry)."""
        await repo.delivered(session, [i for done, *_ in outcomes for i in done])
        await repo.retry_later(session, [c for _done, retry, *_ in outcomes for c in retry])
        await repo.give_up(session, [i for _d, _r, given_up, _a in outcomes for i in given_up])
        await repo.journal(session, [attempt for *_, attempt in outcomes])

    async def stop(self) -> None:
        """Stop; what was not delivered stays in the outbox."""
        await stop_task(self._task)
        self._task = None
        if self._http is not None:
            await self._http.aclose()

    async def _run(self) -> None:
        while True:
            # Cleared before the round: a wake during it (a row committed after its query)
            # leaves the event set, so the next round starts at once instead of a poll later.
            self._wake.clear()
            try:
                delivered_any = await self.round()
            except Exception:
                log.exception("webhook round failed")
                delivered_any = False
            if delivered_any:
                continue
            await wait_event(self._wake, IDLE_POLL_SECONDS)

    async def round(self) -> bool:
        """Send what is due now; whether anything was attempted."""
        current = self.settings()
        url = current.webhooks.url
        if not url:
            return False  # kept until a URL is set; then they go there (spec §11.1)
        limit = BATCH * current.webhooks.max_concurrent_requests
        async with self.sessions() as session:
            rows = await repo.due(session, self.clock.now(), limit)
        if not rows:
            return False
        if self._tls_changed:
            await self._renew_client()
        groups: list[list[Any]] = []
        for row in rows:
            if groups and groups[-1][0].kind == row.kind and len(groups[-1]) < BATCH:
                groups[-1].append(row)
            else:
                groups.append([row])
        await asyncio.gather(*(self._post(url, group, current) for group in groups))
        return True

    async def _post(self, url: str, rows: list[Any], current: ApplicationSettings) -> None:
        assert self._http is not None
        body = merge(rows[0].kind, [orjson.loads(row.payload) for row in rows])
        encoded = orjson.dumps(body)
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._http.post(
                url, content=encoded, headers={"Content-Type": "application/json"}
            )
            status = response.status_code
            if status != 200:
                error = f"HTTP {status}: {response.text[:300]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed = int((time.monotonic() - started) * 1000)
        if self.observer is not None:  # callback_requests, spec §10.2
            self.observer.record_callback(rows[0].kind, error is None, elapsed)
        now = self.clock.now()
        next_at = None
        retry: list[dict[str, Any]] = []
        given_up: list[int] = []
        if error is not None:
            failures = max(row.attempts for row in rows) + 1
            delay = backoff_seconds(
                failures, current.callback_backoff_delay_ms, current.max_callback_backoff_delay_ms
            )
            next_at = now + timedelta(seconds=delay)
            for r in rows:
                if past_horizon(r.created_at, next_at, self.retry_horizon):
                    given_up.append(r.id)
                else:
                    retry.append({"b_id": r.id, "b_attempts": r.attempts + 1, "b_next": next_at})
            if not retry:
                next_at = None  # nothing of this POST is tried again
        attempt = {
            "at": now,
            "url": url,
            "events": len(rows),
            "body": encoded.decode(),
            "status_code": status,
            "error": error,
            "duration_ms": elapsed,
            "next_attempt_at": next_at,
            "given_up": len(given_up),
        }
        # Through the coreapp's one writer: SQLite allows a single writer at a time.
        delivered = [r.id for r in rows] if error is None else []
        await self.writer.add("webhooks.outcome", (delivered, retry, given_up, attempt))
        if self.on_attempt is not None:
            self.on_attempt()
        if given_up:
            if self.observer is not None:
                self.observer.record_given_up(rows[0].kind, len(given_up))
            log.warning(
                "webhook POST failed (%s); gave up on %d notification(s): their next retry "
                "would come more than %s after they were written (the retry horizon)",
                error,
                len(given_up),
                self.retry_horizon,
            )
        if retry:
            log.info("webhook POST failed (%s); retry at %s", error, next_at)
