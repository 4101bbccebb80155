"""The status lifecycle of a business message as an explicit table (spec §11.3).

``accepted`` is the emulator's own first state: persisted, not yet taken by the network.
Receipts may arrive out of order or twice (the real client did that, spec §11.1); every
receipt is recorded, but a message's current status only moves along this table.
"""

from __future__ import annotations

ACCEPTED, SENT, DELIVERED, READ, FAILED, DELETED = (
    "accepted",
    "sent",
    "delivered",
    "read",
    "failed",
    "deleted",
)
RECEIVED = "received"  # a customer's message, not read by the business yet

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (ACCEPTED, SENT),
        (ACCEPTED, FAILED),
        (SENT, DELIVERED),
        (SENT, READ),  # a delivered receipt may be skipped when read arrives (spec §11.1)
        (SENT, FAILED),
        (DELIVERED, READ),
        (SENT, DELETED),
        (DELIVERED, DELETED),
        (READ, DELETED),
        (RECEIVED, READ),
    }
)


class IllegalStatusTransition(ValueError):
    """A status that may not follow the current one."""


def advance(current: str, new: str) -> str:
    """The status after ``new`` arrives; raises IllegalStatusTransition if it may not."""
    if (current, new) not in TRANSITIONS:
        raise IllegalStatusTransition(f"{current} -> {new}")
    return new


def settle(current: str, new: str) -> str:
    """Like ``advance`` but a late or repeated receipt leaves the status as it is."""
    try:
        return advance(current, new)
    except IllegalStatusTransition:
        return current
