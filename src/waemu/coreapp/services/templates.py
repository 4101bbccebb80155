"""The business's message templates as the coreapp knows them: loaded from the network on every
new connection (spec §12: step 1 of the startup, ``coreapp/startup.py``), refetched once when
a send names one the cache lacks, and used to check ``template`` and ``hsm`` sends
synchronously (spec §7.7, §7.8, §7.10; docs/templates.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from waemu import templating
from waemu.background import stop_tasks
from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.services import template_checks as checks
from waemu.errors import ApiError

log = logging.getLogger(__name__)

LIST_OP = "templates.list"
FETCH_SECONDS = 10.0
TEMPLATE_TYPES = ("template", "hsm")
# 2002 is asynchronous-only in the catalogue; sent synchronously here it is a temporary
# failure, like 1011 (docs/templates.md).
FETCH_FAILED_STATUS = 503


class TemplateSource(Protocol):
    """Where templates come from: the network link (``NetworkLink.call``)."""

    async def call(self, op: str, args: dict[str, Any] | None = None, wait: float = 30.0) -> Any:
        """Call the network."""


class TemplatesService:
    """A cache of the business's templates and the preparer that checks sends against it."""

    def __init__(self, source: TemplateSource | None, readiness: Readiness | None = None) -> None:
        self.source = source
        self.loaded = False  # True once the templates of the current connection are loaded
        self.namespace: str | None = None
        self.namespaces: list[str] = []
        self.templates: list[dict[str, Any]] = []
        self._fetching: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        if readiness is not None:
            readiness.listen(self._on_move)

    def _on_move(self, before: Phase, after: Phase) -> None:
        """Every new connection loads the templates again (spec §12). With a startup runner
        (``coreapp/startup.py``) the load is its step 1 and it retries it; this covers a login
        that goes straight to ``connected`` (a link without a runner)."""
        if after is Phase.LOADING_TEMPLATES:
            self.loaded = False  # the runner loads them
            return
        if after is not Phase.CONNECTED or before is not Phase.CONNECTING:
            return
        self.loaded = False
        task = asyncio.get_running_loop().create_task(self._load_quietly(), name="templates-load")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _load_quietly(self) -> None:
        try:
            await self.load(fresh=True)
        except ApiError as exc:
            log.warning("message templates not loaded: %s", exc.details)

    async def load(self, *, fresh: bool = False) -> None:
        """Fetch the templates (joining a fetch under way unless ``fresh``); 2002 on failure."""
        if fresh or self._fetching is None or self._fetching.done():
            self._fetching = asyncio.get_running_loop().create_task(
                self._fetch(), name="templates-fetch"
            )
            # Retrieved here too: a fetch replaced by a fresh one may end with nobody waiting.
            self._fetching.add_done_callback(lambda t: t.cancelled() or t.exception())
        await asyncio.shield(self._fetching)

    async def _fetch(self) -> None:
        if self.source is None:
            raise ApiError(
                2002, "The coreapp has no connection to fetch templates", FETCH_FAILED_STATUS
            )
        try:
            listing = await self.source.call(LIST_OP, {}, FETCH_SECONDS)
        except ApiError as exc:
            raise ApiError(
                2002,
                f"Could not fetch the message templates from the WhatsApp servers: {exc.details}",
                FETCH_FAILED_STATUS,
            ) from None
        try:
            namespace, namespaces = str(listing["namespace"]), list(listing["namespaces"])
            templates = [t for t in listing["templates"] if isinstance(t, dict)]
        except (KeyError, TypeError) as exc:
            raise ApiError(2002, f"Unexpected template list: {exc}", FETCH_FAILED_STATUS) from None
        self.namespace, self.namespaces, self.templates = namespace, namespaces, templates
        self.loaded = True
        log.info("loaded %d message templates (namespace %s)", len(self.templates), self.namespace)

    async def close(self) -> None:
        """Stop loads under way (shutdown)."""
        await stop_tasks([*self._tasks, *([self._fetching] if self._fetching else [])])

    async def _ready(self) -> None:
        """Templates of this connection, waiting for a load under way or starting one."""
        if self._fetching is not None and not self._fetching.done():
            await asyncio.shield(self._fetching)
        if not self.loaded:
            await self.load()

    def find(self, send: checks.Send) -> dict[str, Any] | None:
        """The cached template a send names, or None."""
        return templating.find(
            self.templates,
            self.namespaces,
            namespace=send.namespace,
            name=send.name,
            code=send.code,
            policy=send.policy,
        )

    async def prepare(self, message: dict[str, Any]) -> dict[str, Any]:
        """Check a ``template``/``hsm`` send; other messages pass untouched (a preparer of
        ``MessagesService``). Fills in the namespace a ``template`` send left out."""
        kind = message.get("type")
        if kind not in TEMPLATE_TYPES:
            return message
        send = checks.read_send(message)
        await self._ready()
        checks.check_namespace(send, self.namespaces)
        found = self.find(send)
        if found is None:
            await self.load()  # refetch once: it may have been created since the last load
            found = self.find(send)
        if found is None:
            raise checks.not_found(send, self.templates, self.namespaces)
        checks.check_status(found)
        checks.check_parameters(found, message)
        if kind == "template" and send.namespace is None:
            message = {
                **message,
                "template": {**message["template"], "namespace": found["namespace"]},
            }
        return message
