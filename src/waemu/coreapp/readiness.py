"""The coreapp's startup phases as an explicit transition table (spec §12).

Each phase maps to the ``gateway_status`` that ``/v1/health`` shows and to the
``socket_conn`` value of ``/v1/support``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class Phase(enum.StrEnum):
    """Where the coreapp is in its life."""

    UNINITIALIZED = "uninitialized"  # waiting for the database, applying migrations
    UNREGISTERED = "unregistered"  # database ready, no phone number registered
    STOPPING = "stopping"


TRANSITIONS: frozenset[tuple[Phase, Phase]] = frozenset(
    {
        (Phase.UNINITIALIZED, Phase.UNREGISTERED),
        (Phase.UNINITIALIZED, Phase.STOPPING),
        (Phase.UNREGISTERED, Phase.STOPPING),
    }
)

GATEWAY_STATUS: dict[Phase, str] = {
    Phase.UNINITIALIZED: "uninitialized",
    Phase.UNREGISTERED: "unregistered",
    Phase.STOPPING: "disconnected",
}


class IllegalTransition(RuntimeError):
    """A move the transition table does not allow."""


class Readiness:
    """Holds the current phase and allows only the table's transitions."""

    def __init__(self) -> None:
        self.phase = Phase.UNINITIALIZED
        self._listeners: list[Callable[[Phase, Phase], None]] = []

    def move(self, to: Phase) -> None:
        """Go to ``to``; raises IllegalTransition for a move not in the table."""
        if (self.phase, to) not in TRANSITIONS:
            raise IllegalTransition(f"{self.phase} -> {to}")
        before, self.phase = self.phase, to
        log.info("coreapp phase: %s -> %s", before, to)
        for listener in self._listeners:
            listener(before, to)

    @property
    def gateway_status(self) -> str:
        """The value ``/v1/health`` reports (spec §10.1)."""
        return GATEWAY_STATUS[self.phase]

    @property
    def database_ready(self) -> bool:
        """Whether operations that touch the database can run."""
        return self.phase not in (Phase.UNINITIALIZED, Phase.STOPPING)
