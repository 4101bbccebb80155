"""What customers' phones show: per customer, the last ``INBOX_LIMIT`` messages they received
from businesses and sent to them, each with the status it reached (control API
``GET /customers/{wa_id}/messages``). Every change is written to the pending store too, so a
restart of the network keeps it (``persistence.py``), and published on the event bus for the
web inbox (``events.py``).

Business messages the network refused when it took them (not on WhatsApp, outside the
24-hour window, a customer's ``fail_code``) are kept here too, marked ``refused``, with their
``errors``: the phone never shows them, the web inbox's conversations do.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from waemu.network.events import EventBus
from waemu.network.persistence import INBOX_LIMIT, PendingStore

Entry = dict[str, Any]


class Inboxes(dict[str, deque[Entry]]):
    """Customer wa_id → their messages, oldest first, with an index by message id."""

    def __init__(self, store: PendingStore, events: EventBus | None = None) -> None:
        super().__init__()
        self.store = store
        self.events = events or EventBus()
        self._by_id: dict[tuple[str, str], Entry] = {}  # (customer, message id) -> entry
        # (customer, business) -> the pair's newest entry; stale once that entry left the
        # index (a reset, a move), which ``latest`` checks.
        self._latest: dict[tuple[str, str], Entry] = {}

    def restore(self, saved: dict[str, list[Entry]]) -> None:
        """The inboxes a previous run kept."""
        for customer, entries in saved.items():
            self[customer] = deque(maxlen=INBOX_LIMIT)
            for entry in entries:
                self._append(customer, entry)

    def remember(self, customer: str, entry: Entry) -> None:
        """A message the customer's phone now shows."""
        self._append(customer, entry)
        self.store.inbox_add(customer, entry)
        if self.events.watched:  # the hot path pays nothing while no one watches
            self.events.publish(
                "message", customer=customer, business=entry.get("business"), message=entry
            )

    def _append(self, customer: str, entry: Entry) -> None:
        inbox = self.setdefault(customer, deque(maxlen=INBOX_LIMIT))
        if len(inbox) == INBOX_LIMIT:
            oldest = inbox[0]
            key = (customer, str(oldest.get("id")))
            if self._by_id.get(key) is oldest:
                del self._by_id[key]
            self.store.inbox_drop(*key)
        inbox.append(entry)
        self._by_id[(customer, str(entry.get("id")))] = entry
        self._latest[(customer, str(entry.get("business")))] = entry

    def find(self, customer: str, message_id: str) -> Entry | None:
        """The newest entry of ``message_id`` on the customer's phone."""
        return self._by_id.get((customer, message_id))

    def set_status(
        self, customer: str, entry: Entry, status: str, errors: list[Entry] | None = None
    ) -> None:
        """An entry reached ``status`` (delivered, read, …; ``failed`` with ``errors``)."""
        entry["status"] = status
        if errors is not None:
            entry["errors"] = errors
            self.store.inbox_rewrite(customer, entry)
        else:
            self.store.inbox_status(customer, str(entry.get("id")), status)
        if not self.events.watched:
            return
        self.events.publish(
            "status",
            customer=customer,
            business=entry.get("business"),
            id=entry.get("id"),
            status=status,
            errors=errors,
        )

    def page(
        self, customer: str, business: str, before: str | None, limit: int
    ) -> tuple[list[Entry], bool]:
        """Up to ``limit`` entries between ``customer`` and ``business``, oldest first: the
        newest ones, or those older than the entry ``before`` (none when it is unknown); and
        whether older ones exist."""
        found: list[Entry] = []
        started = before is None
        for entry in reversed(self.get(customer, ())):
            if not started:
                started = entry.get("id") == before
            elif entry.get("business") == business:
                if len(found) == limit:
                    found.reverse()
                    return found, True
                found.append(entry)
        found.reverse()
        return found, False

    def latest(self) -> list[tuple[str, str, Entry]]:
        """Every (customer, business) pair with its newest entry, newest first."""
        pairs = []
        for (customer, business), entry in list(self._latest.items()):
            if self._by_id.get((customer, str(entry.get("id")))) is entry:
                pairs.append((customer, business, entry))
            else:
                del self._latest[(customer, business)]
        pairs.sort(key=lambda pair: _when(pair[2]), reverse=True)
        return pairs

    def forget(self) -> None:
        """Every phone empty (the store is cleared by ``PendingStore.forget_traffic``)."""
        self.clear()
        self._by_id.clear()
        self._latest.clear()

    def move(self, old: str, new: str) -> None:
        """The customer changed number: their messages follow."""
        if old not in self:
            return
        self[new] = self.pop(old)
        for entry in self[new]:
            key = (old, str(entry.get("id")))
            if self._by_id.get(key) is entry:
                self._by_id[(new, key[1])] = self._by_id.pop(key)
        for pair in [pair for pair in self._latest if pair[0] == old]:
            self._latest[(new, pair[1])] = self._latest.pop(pair)
        self.store.inbox_moved(old, new)


def _when(entry: Entry) -> float:
    """An entry's time (a string on customer messages, as in the webhook)."""
    try:
        return float(entry.get("timestamp") or 0)
    except (TypeError, ValueError):
        return 0.0
