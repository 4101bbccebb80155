"""The startup the coreapp runs on every login to the network (spec §12, docs/readiness.md).

Each time the coreapp establishes a logged-in connection (first start, restart, reconnect) it
is not ready until two steps are done:

1. **templates**: the message templates are loaded from the network; a failure is retried
   with backoff, and the coreapp stays not ready meanwhile;
2. **offline messages**: the customer messages and receipts the network held while the
   coreapp was away are received and processed — stored, and their notifications handed to
   the webhook outbox, and, when a webhook URL is set, delivered to it. The network says how
   many items it held at the login (``offline.backlog``) and pushes ``offline.complete`` once
   that backlog is through. Skipped when nothing was held; it ends anyway once
   ``WA_OFFLINE_DRAIN_MAX_SECONDS`` (the real 6 minutes by default) have passed since the
   login, measured on the injected clock.

Until then ``POST /v1/messages`` answers 1011 "Coreapp not ready" (``Readiness.refusal``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.background import stop_task, wait_event
from waemu.clock import Clock
from waemu.coreapp.readiness import STARTING, Phase, Readiness
from waemu.errors import ApiError
from waemu.storage.repos import webhooks as webhook_repo

log = logging.getLogger(__name__)

BACKLOG_OP = "offline.backlog"  # the coreapp asks: what was held at my login?
COMPLETE_PUSH = "offline.complete"  # the network tells: that backlog is through
# How often the drain looks at the clock and the outbox between pushes.
POLL_SECONDS = 0.05


class TemplateLoader(Protocol):
    """Step 1's source: ``TemplatesService``."""

    async def load(self, *, fresh: bool = False) -> None:
        """Fetch the templates; ApiError 2002 on failure."""


class NetworkCaller(Protocol):
    """The network link (``NetworkLink.call``)."""

    async def call(self, op: str, args: dict[str, Any] | None = None, wait: float = 30.0) -> Any:
        """Call the network."""


class WebhookBacklog(Protocol):
    """The webhook outbox as step 2 waits on it."""

    async def mark(self) -> int | None:
        """The newest notification waiting now; None when no webhook URL is set (nothing
        is delivered then, so there is nothing to wait for)."""

    async def waiting(self, mark: int) -> int:
        """How many notifications up to ``mark`` are still undelivered."""


class OutboxBacklog:
    """``WebhookBacklog`` over the ``webhook_outbox`` table."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], url: Callable[[], str | None]
    ) -> None:
        self.sessions = sessions
        self.url = url

    async def mark(self) -> int | None:
        if not self.url():
            return None
        async with self.sessions() as session:
            newest = await session.scalar(sa.select(sa.func.max(webhook_repo.OUTBOX.c.id)))
        return int(newest or 0)

    async def waiting(self, mark: int) -> int:
        query = sa.select(sa.func.count()).where(webhook_repo.OUTBOX.c.id <= mark)
        async with self.sessions() as session:
            return int(await session.scalar(query) or 0)


class Progress:
    """What one connection's startup has done so far (shown in ``/v1/support``)."""

    def __init__(self, login_at: float | None = None) -> None:
        self.login_at = login_at
        self.template_attempts = 0
        self.template_error: str | None = None
        self.templates_loaded = False
        self.queued_at_login: int | None = None
        self.offline_complete = False
        self.webhooks_waiting: int | None = None
        self.capped = False
        self.ready_after: float | None = None


class Startup:
    """Runs the two steps after each login and moves the readiness phases (spec §12)."""

    def __init__(
        self,
        readiness: Readiness,
        templates: TemplateLoader,
        network: NetworkCaller,
        clock: Clock,
        webhooks: WebhookBacklog | None,
        *,
        cap_seconds: float,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.readiness = readiness
        self.templates = templates
        self.network = network
        self.clock = clock
        self.webhooks = webhooks
        self.cap_seconds = cap_seconds
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.progress = Progress()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._mark: int | None = None  # the newest outbox row when the backlog was through
        self._marked = False
        readiness.listen(self._on_move)

    # -- driven by the network link ---------------------------------------------------------

    def begin(self) -> None:
        """A login is about to be sent: a fresh startup for the coming connection."""
        self._cancel()
        self.progress = Progress()
        self._changed.clear()
        self._mark, self._marked = None, False

    def logged_in(self) -> None:
        """The network accepted the login: step 1 starts."""
        self._cancel()
        if self.readiness.phase is not Phase.CONNECTING:
            return  # stopping, or the link already went down again
        self.progress.login_at = self.clock.monotonic()
        self.readiness.move(Phase.LOADING_TEMPLATES)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="coreapp-startup")

    async def offline_complete(self, args: dict[str, Any]) -> None:
        """The ``offline.complete`` push: the backlog held at the login is through."""
        count = args.get("count")
        if isinstance(count, int):
            self.progress.queued_at_login = count
        self.progress.offline_complete = True
        log.info("the network handed over every offline item (%s)", count)
        self._changed.set()

    def pushes(self) -> dict[str, Any]:
        """The network pushes this runner handles."""
        return {COMPLETE_PUSH: self.offline_complete}

    async def close(self) -> None:
        """Stop a startup under way (shutdown)."""
        task = self._task
        self._cancel()
        await stop_task(task)

    # -- the steps -------------------------------------------------------------------------

    def _on_move(self, _before: Phase, after: Phase) -> None:
        if after not in STARTING and after is not Phase.CONNECTED:
            self._cancel()  # the connection is gone (or stopping): the next login starts over

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self) -> None:
        await self._load_templates()
        if await self._nothing_held():
            log.info("no offline messages were waiting: step skipped")
        else:
            self._move(Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE)
            await self._drain()
        progress = self.progress
        if progress.login_at is not None:
            progress.ready_after = round(self.clock.monotonic() - progress.login_at, 3)
        self._move(self.readiness.phase, Phase.CONNECTED)

    def _move(self, expected: Phase, to: Phase) -> None:
        if self.readiness.phase is expected and expected in STARTING:
            self.readiness.move(to)

    async def _load_templates(self) -> None:
        """Step 1, retried with exponential backoff until it works (or the link drops)."""
        delay = self.min_backoff
        progress = self.progress
        while True:
            progress.template_attempts += 1
            try:
                await self.templates.load(fresh=True)
            except ApiError as exc:
                progress.template_error = exc.details
                log.warning(
                    "startup: message templates not loaded (attempt %d), retry in %.1fs: %s",
                    progress.template_attempts,
                    delay,
                    exc.details,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            progress.templates_loaded, progress.template_error = True, None
            return

    async def _nothing_held(self) -> bool:
        """Whether step 2 is skipped: the network held nothing at the login."""
        try:
            backlog = await self.network.call(BACKLOG_OP, {}, 10)
        except ApiError as exc:
            log.warning("startup: offline backlog unknown (%s); waiting for it", exc.details)
            return False
        queued = backlog.get("queued_at_login") if isinstance(backlog, dict) else None
        if isinstance(queued, int):
            self.progress.queued_at_login = queued
        log.info("startup: %s offline item(s) were waiting at the login", queued)
        return queued == 0 and bool(backlog.get("complete"))

    async def _drain(self) -> None:
        """Step 2: until the backlog is through and its notifications delivered, or the cap."""
        progress = self.progress
        assert progress.login_at is not None
        deadline = progress.login_at + self.cap_seconds
        while True:
            self._changed.clear()  # before the checks: a change during them is not lost
            if progress.offline_complete:
                progress.webhooks_waiting = waiting = await self._undelivered()
                if waiting == 0:
                    log.info("startup: offline messages received and processed")
                    return
            if self.clock.monotonic() >= deadline:
                progress.capped = True
                log.warning(
                    "startup: offline drain ended at the cap of %ss (backlog %s, "
                    "webhooks waiting %s)",
                    self.cap_seconds,
                    "complete" if progress.offline_complete else "still arriving",
                    progress.webhooks_waiting,
                )
                return
            await wait_event(self._changed, POLL_SECONDS)

    async def _undelivered(self) -> int:
        """Offline notifications not yet delivered to the webhook (0 without a URL)."""
        if self.webhooks is None:
            return 0
        if not self._marked:  # what waits when the backlog is through includes all of it
            self._mark, self._marked = await self.webhooks.mark(), True
        return 0 if self._mark is None else await self.webhooks.waiting(self._mark)

    # -- reporting -------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The ``startup`` object of ``/v1/support`` (docs/readiness.md)."""
        progress = self.progress
        elapsed = None
        if progress.login_at is not None:
            elapsed = round(self.clock.monotonic() - progress.login_at, 3)
        return {
            "phase": str(self.readiness.phase),
            "ready": self.readiness.ready,
            "templates": {
                "loaded": progress.templates_loaded,
                "attempts": progress.template_attempts,
                "last_error": progress.template_error,
            },
            "offline": {
                "queued_at_login": progress.queued_at_login,
                "complete": progress.offline_complete,
                "webhooks_waiting": progress.webhooks_waiting,
                "capped": progress.capped,
                "cap_seconds": self.cap_seconds,
            },
            "seconds_since_login": elapsed,
            "ready_after_seconds": progress.ready_after,
        }
