"""Contact checks: ``POST /v1/contacts`` (spec §6.1, §6.2).

The network knows who is on WhatsApp; this service keeps what the real client keeps in its
contact database: every answer, per input and business country code, for 7 days (spec §6.2).
A later check inside that time is answered from the database without asking the network,
unless ``force_check``. An answer the network says is slow (a customer's ``lookup_delay``)
arrives after that delay: ``no_wait`` answers ``"processing"`` and finishes the lookup in an
owned background task (the next call gets the stored answer); ``wait`` waits for it, at most
``wait_seconds``. docs/contacts.md describes every rule, including what happens while the
network cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.background import wait_tasks
from waemu.clock import Clock
from waemu.errors import ApiError
from waemu.storage.repos import contacts as repo
from waemu.storage.repos.contacts import CachedContact

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink
    from waemu.coreapp.services.account import AccountService

log = logging.getLogger(__name__)

CACHE_TTL = timedelta(days=7)  # spec §6.2
UNREGISTERED_CC = "1"  # the country code numbers are read against before registration
BLOCKING = ("wait", "no_wait")


@dataclass(frozen=True, slots=True)
class Answer:
    """The status of one input, and its wa_id when valid."""

    status: str  # "valid", "invalid", "processing" or "failed"
    wa_id: str | None = None

    def body(self, text: str) -> dict[str, Any]:
        """The entry of the response's ``contacts`` list (wa_id only for valid, spec §6.1)."""
        entry: dict[str, Any] = {"input": text, "status": self.status}
        if self.status == "valid" and self.wa_id is not None:
            entry["wa_id"] = self.wa_id
        return entry


PROCESSING = Answer("processing")
FAILED = Answer("failed")


class ContactsService:
    """Checks numbers against the network through the contact cache."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        account: AccountService,
        *,
        wait_seconds: float = 20.0,
        drain_seconds: float = 2.0,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.account = account
        self.wait_seconds = wait_seconds
        self.drain_seconds = drain_seconds
        self.link: NetworkLink | None = None  # set once the link exists
        self._pending: dict[str, asyncio.Task[Answer]] = {}  # slow lookups, by lookup key
        # Told the wa_ids of valid answers: a message's ``to`` naming one reaches that user.
        self.on_valid: Callable[[Iterable[str]], None] | None = None

    def business_cc(self) -> str:
        """The registered country code numbers are read against; "1" while unregistered."""
        registration = self.account.registration
        return UNREGISTERED_CC if registration is None else str(registration["cc"])

    async def check(
        self, inputs: Sequence[str], *, blocking: str = "no_wait", force_check: bool = False
    ) -> list[dict[str, Any]]:
        """The ``contacts`` list of ``POST /v1/contacts``: one entry per input, in order."""
        if blocking not in BLOCKING:
            raise ApiError(1009, "Invalid value for blocking: must be 'wait' or 'no_wait'")
        cc = self.business_cc()
        keys = {text: repo.lookup_key(cc, text) for text in inputs}
        stored = await self._stored(keys.values())
        fresh_after = self.clock.now() - CACHE_TTL
        answers: dict[str, Answer] = {}
        if not force_check:
            for text, key in keys.items():
                found = stored.get(key)
                if found is not None and found.checked_at > fresh_after:
                    answers[text] = Answer(found.status, found.wa_id)
        waiting = {
            text: self._pending[key]
            for text, key in keys.items()
            if text not in answers and key in self._pending
        }
        todo = [text for text in keys if text not in answers and text not in waiting]
        if todo:
            try:
                now_known, started = await self._ask_network(todo, cc)
            except ApiError as exc:
                if exc.code != 1011:
                    raise
                # The network cannot be reached: the best answer the contact DB holds, of
                # any age, else "failed" (the documented status of a failed lookup, §6.1).
                log.warning("contact check without the network: %s", exc.details)
                now_known, started = self._offline(todo, keys, stored), {}
            answers.update(now_known)
            waiting.update(started)
        if waiting and blocking == "wait":
            await asyncio.wait(set(waiting.values()), timeout=self.wait_seconds)
        for text, task in waiting.items():
            answers[text] = task.result() if task.done() and not task.cancelled() else PROCESSING
        return [answers[text].body(text) for text in inputs]

    async def resolve(self, text: str) -> str | None:
        """The wa_id of a phone number, or None when it is not a WhatsApp user.

        For sending to phone numbers (spec §7.1, v2.39.1+): a blocking check through the
        contact store, so a number checked before is not looked up again.
        """
        (entry,) = await self.check([text], blocking="wait")
        wa_id = entry.get("wa_id")
        return wa_id if isinstance(wa_id, str) else None

    @staticmethod
    def _offline(
        todo: list[str], keys: dict[str, str], stored: dict[str, CachedContact]
    ) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        for text in todo:
            found = stored.get(keys[text])
            answers[text] = FAILED if found is None else Answer(found.status, found.wa_id)
        return answers

    async def _ask_network(
        self, todo: list[str], cc: str
    ) -> tuple[dict[str, Answer], dict[str, asyncio.Task[Answer]]]:
        """Answers known now (stored), and background tasks for the slow ones."""
        if self.link is None:
            raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
        reply = await self.link.call("contacts.lookup", {"inputs": todo, "cc": cc})
        known: dict[str, Answer] = {}
        started: dict[str, asyncio.Task[Answer]] = {}
        for text, result in zip(todo, reply["results"], strict=True):
            answer = Answer(str(result["status"]), result.get("wa_id"))
            delay = float(result.get("delay") or 0.0)
            if delay > 0:
                started[text] = self._start(text, cc, answer, delay)
            else:
                known[text] = answer
        await self._store([(text, cc, answer) for text, answer in known.items()])
        return known, started

    def _start(self, text: str, cc: str, answer: Answer, delay: float) -> asyncio.Task[Answer]:
        key = repo.lookup_key(cc, text)
        task = asyncio.create_task(
            self._finish(text, cc, answer, delay), name=f"contact-lookup-{key[:12]}"
        )
        self._pending[key] = task

        def forget(done: asyncio.Task[Answer]) -> None:
            if self._pending.get(key) is done:
                del self._pending[key]

        task.add_done_callback(forget)
        return task

    async def _finish(self, text: str, cc: str, answer: Answer, delay: float) -> Answer:
        """The slow lookup's answer arrives after ``delay``; stored, then returned."""
        await asyncio.sleep(delay)
        try:
            await self._store([(text, cc, answer)])
        except Exception:
            log.exception("could not store the contact answer for %r", text)
        return answer

    async def _stored(self, keys: Iterable[str]) -> dict[str, CachedContact]:
        async with self.sessions() as session:
            return await repo.by_keys(session, keys)

    async def _store(self, answers: list[tuple[str, str, Answer]]) -> None:
        if not answers:
            return
        now = self.clock.now()
        rows = [CachedContact(text, cc, a.status, a.wa_id, now) for text, cc, a in answers]
        if self.on_valid is not None:
            self.on_valid(a.wa_id for _text, _cc, a in answers if a.status == "valid" and a.wa_id)
        try:
            async with self.sessions.begin() as session:
                await repo.put(session, rows)
        except IntegrityError:
            # Another request stored the same input first: this time it is an update.
            async with self.sessions.begin() as session:
                await repo.put(session, rows)

    async def close(self) -> None:
        """Drain the background lookups: wait ``drain_seconds``, then cancel the rest."""
        tasks = set(self._pending.values())
        if not tasks:
            return
        slow = sum(1 for task in tasks if not task.done())
        await wait_tasks(tasks, grace=self.drain_seconds)
        if slow:
            log.info("contact lookups at shutdown: %d were running, the slow ones cancelled", slow)
