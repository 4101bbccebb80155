"""The garbage collectors of the message and media stores (spec §10.5, §8.5, §11.6).

``PUT /v1/services/{message,media}/gc`` answers ``processing`` at once; the collection runs
in the background through the batch writer, and the completion notification is an outbox
row written in the same transaction as the deletion, so it is posted exactly when the rows
are gone (persist first, deliver second).

- The message collector deletes messages created more than ``message_retention_days`` ago
  (``WA_MESSAGE_RETENTION_DAYS``) with their receipts. Outbound messages the network has not
  taken yet (``accepted``) stay: accepted work is never lost.
- The media collector deletes media neither used by a message nor created for
  ``media_retention_days`` (``WA_MEDIA_RETENTION_DAYS``, 30 as in the real client: "media
  which was not used for more than 30 days"; each send resets the count, spec §8.5). The
  image of a third-party pack sticker (spec §10.7) is in use while its sticker exists and is
  never collected. The files go first, in a worker thread and outside the batch writer's
  transaction (file I/O never holds up the writes of messages), then their rows go through
  the writer. A file that cannot be removed keeps its row, and the notification says
  ``failed`` with code 1014, as the real one does; a row whose file went but whose delete
  failed is deleted by the next collection (a missing file counts as removed).
- ``garbagecollector_enable`` (spec §9.1) switches the automatic collection: once per
  ``AUTO_INTERVAL`` of the injected clock, each enabled store is collected, without a
  notification (nobody asked for one).

A single instance's notification has no ``node`` field: Meta's page says the field is
"omitted for single instances" (it names the coreapp in multiconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from waemu import media_files
from waemu.application_settings import ApplicationSettings
from waemu.background import stop_task, wait_event, wait_tasks
from waemu.clock import Clock
from waemu.coreapp.services import message_status as st
from waemu.storage.batch import BatchWriter
from waemu.storage.repos import media as media_repo
from waemu.storage.repos import messages as messages_repo
from waemu.storage.repos import stickerpacks as stickerpacks_repo
from waemu.webhooks.outbox import Outbox

log = logging.getLogger(__name__)

MESSAGE, MEDIA = "message", "media"
AUTO_INTERVAL = timedelta(days=1)
# How often the automatic collector looks at the (injected) clock; kick() looks at once.
AUTO_POLL_SECONDS = 60.0


def notification(store: str, deleted: int, errors: list[dict[str, Any]] | None = None) -> Any:
    """The completion webhook of spec §10.5/§11.6 for ``store`` (``message`` or ``media``)."""
    count_key = "messages_deleted" if store == MESSAGE else "items_deleted"
    gc: dict[str, Any] = {count_key: deleted}
    if errors:
        gc["errors"] = errors
    gc["status"] = "failed" if errors else "complete"
    return {"services": [{store: {"gc": gc}}]}


def _remove_files(root: Path, paths: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Delete the files (a worker thread); ids whose file is gone, and ids that failed."""
    gone, failed = [], []
    for media_id, relative in paths:
        try:
            os.remove(media_files.resolve(root, relative))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("media gc: could not remove %s: %s", relative, exc)
            failed.append(media_id)
            continue
        gone.append(media_id)
    return gone, failed


class GarbageCollector:
    """Runs the collectors on request and, when enabled, once a day."""

    def __init__(
        self,
        writer: BatchWriter,
        clock: Clock,
        media_root: Path,
        settings: Callable[[], ApplicationSettings],
        outbox: Outbox,
        *,
        message_retention_days: float,
        media_retention_days: float,
    ) -> None:
        self.writer = writer
        self.clock = clock
        self.media_root = media_root
        self.settings = settings
        self.outbox = outbox
        self.message_retention = timedelta(days=message_retention_days)
        self.media_retention = timedelta(days=media_retention_days)
        self.last_deleted: dict[str, int] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._next_auto = clock.now() + AUTO_INTERVAL
        self._wake = asyncio.Event()
        self._auto: asyncio.Task[None] | None = None
        writer.register("gc.message", self._flush_messages)
        writer.register("gc.media", self._flush_media)
        writer.register("gc.failed", self._flush_failure)

    def request(self, store: str) -> dict[str, str]:
        """``PUT /v1/services/{store}/gc``: start a collection, or join the one running."""
        task = self._running.get(store)
        if task is None or task.done():
            self._running[store] = asyncio.create_task(self.collect(store), name=f"gc-{store}")
        return {"status": "processing"}

    async def collect(self, store: str, *, notify: bool = True) -> None:
        """Collect ``store`` now; with ``notify``, post the completion (or failure) webhook."""
        try:
            if store == MEDIA:
                await self._collect_media(notify)
            else:
                await self.writer.add(f"gc.{store}", notify)
        except Exception:
            log.exception("%s garbage collection failed", store)
            if notify:
                failure = {"code": 1023, "details": f"Could not delete {store} data"}
                with contextlib.suppress(Exception):
                    await self.writer.add("gc.failed", (store, failure))

    async def _collect_media(self, notify: bool) -> None:
        """Find the stale media, remove their files, then delete their rows via the writer."""
        cutoff = self.clock.now() - self.media_retention
        async with self.writer.sessions() as session:
            stale = await media_repo.unused_since(session, cutoff)
            in_packs = await stickerpacks_repo.image_ids(session)
        stale = [(media_id, path) for media_id, path in stale if media_id not in in_packs]
        gone, failed = await asyncio.to_thread(_remove_files, self.media_root, stale)
        await self.writer.add("gc.media", (gone, failed, notify))

    # -- in the writer's transaction --------------------------------------------------------

    async def _flush_messages(self, session: AsyncSession, notify: list[Any]) -> None:
        cutoff = self.clock.now() - self.message_retention
        deleted = await messages_repo.delete_older_than(session, cutoff, st.ACCEPTED)
        self.last_deleted[MESSAGE] = deleted
        log.info("message gc: %d messages older than %s deleted", deleted, cutoff)
        if any(notify):
            await self.outbox(session, [notification(MESSAGE, deleted)])

    async def _flush_media(self, session: AsyncSession, items: list[Any]) -> None:
        for gone, failed, notify in items:
            deleted = await media_repo.delete_many(session, gone)
            self.last_deleted[MEDIA] = deleted
            log.info("media gc: %d unused media deleted, %d files kept", deleted, len(failed))
            if notify:
                errors = (
                    [{"code": 1014, "details": "Could not delete media files"}] if failed else None
                )
                await self.outbox(session, [notification(MEDIA, deleted, errors)])

    async def _flush_failure(self, session: AsyncSession, items: list[Any]) -> None:
        await self.outbox(session, [notification(store, 0, [error]) for store, error in items])

    # -- the automatic collection -----------------------------------------------------------

    def start(self) -> None:
        """Start the automatic collection (``garbagecollector_enable``)."""
        self._auto = asyncio.create_task(self._run_auto(), name="gc-auto")

    def kick(self) -> None:
        """Look at the clock now (tests move it instead of waiting a day)."""
        self._wake.set()

    async def _run_auto(self) -> None:
        while True:
            self._wake.clear()
            await wait_event(self._wake, AUTO_POLL_SECONDS)
            now = self.clock.now()
            if now < self._next_auto:
                continue
            self._next_auto = now + AUTO_INTERVAL
            switches = self.settings().garbagecollector
            for store, enabled in ((MESSAGE, switches.messages), (MEDIA, switches.media)):
                if enabled:
                    await self.collect(store, notify=False)

    async def stop(self) -> None:
        """Stop the automatic collection and let requested collections finish."""
        await stop_task(self._auto)
        self._auto = None
        await wait_tasks(self._running.values(), grace=10)
