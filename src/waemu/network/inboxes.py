"""What customers' phones show: per customer, the last ``INBOX_LIMIT`` messages they received
from businesses and sent to them, each with the status it reached (control API
``GET /customers/{wa_id}/messages``). Every change is written to the pending store too, so a
restart of the network keeps it (``persistence.py``)."""

from __future__ import annotations

from collections import deque
from typing import Any

from waemu.network.persistence import INBOX_LIMIT, PendingStore

Entry = dict[str, Any]


class Inboxes(dict[str, deque[Entry]]):
    """Customer wa_id → their messages, oldest first, with an index by message id."""

    def __init__(self, store: PendingStore) -> None:
        super().__init__()
        self.store = store
        self._by_id: dict[tuple[str, str], Entry] = {}  # (customer, message id) -> entry

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

    def find(self, customer: str, message_id: str) -> Entry | None:
        """The newest entry of ``message_id`` on the customer's phone."""
        return self._by_id.get((customer, message_id))

    def set_status(self, customer: str, entry: Entry, status: str) -> None:
        """An entry reached ``status`` (delivered, read, …)."""
        entry["status"] = status
        self.store.inbox_status(customer, str(entry.get("id")), status)

    def move(self, old: str, new: str) -> None:
        """The customer changed number: their messages follow."""
        if old not in self:
            return
        self[new] = self.pop(old)
        for entry in self[new]:
            key = (old, str(entry.get("id")))
            if self._by_id.get(key) is entry:
                self._by_id[(new, key[1])] = self._by_id.pop(key)
        self.store.inbox_moved(old, new)
