"""A record of the contact lookups coreapps made, for people and tests (control API).

It answers "did that ``POST /v1/contacts`` reach the network, or was it answered from the
coreapp's cache?" (spec §6.2). Kept in memory only: a restart of the network forgets it.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

RECENT_LOOKUPS = 1000


@dataclass(frozen=True, slots=True)
class Lookup:
    """One input looked up by one coreapp."""

    at: float  # Unix time
    client_id: str
    business: str | None  # the logged-in business number, None for an anonymous session
    cc: str  # the country code the input was read against
    input: str
    status: str  # "valid" or "invalid"
    wa_id: str | None  # the customer found (also for "invalid" when not on WhatsApp)
    delay: float


class LookupLog:
    """The most recent lookups, and a count per input and per customer since the start."""

    def __init__(self, size: int = RECENT_LOOKUPS) -> None:
        self._recent: deque[Lookup] = deque(maxlen=size)
        self.per_input: Counter[str] = Counter()
        self.per_customer: Counter[str] = Counter()

    def record(self, lookup: Lookup) -> None:
        """Add one lookup."""
        self._recent.append(lookup)
        self.per_input[lookup.input] += 1
        if lookup.wa_id is not None:
            self.per_customer[lookup.wa_id] += 1

    def recent(
        self, *, client_id: str | None = None, input: str | None = None, wa_id: str | None = None
    ) -> list[Lookup]:
        """The kept lookups, oldest first, optionally only those matching every filter."""
        return [
            found
            for found in self._recent
            if (client_id is None or found.client_id == client_id)
            and (input is None or found.input == input)
            and (wa_id is None or found.wa_id == wa_id)
        ]

    def clear(self) -> None:
        """Forget everything."""
        self._recent.clear()
        self.per_input.clear()
        self.per_customer.clear()

    def to_json(self, recent: list[Lookup]) -> dict[str, Any]:
        """The control API's answer: ``recent`` and the counters."""
        return {
            "lookups": [asdict(found) for found in recent],
            "per_input": dict(self.per_input),
            "per_customer": dict(self.per_customer),
        }
