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
    CONNECTING = "connecting"  # registered, connecting and logging in to the network
    CONNECTED = "connected"  # logged in to the network
    DISCONNECTED = "disconnected"  # registered, connection lost, waiting to retry
    STOPPING = "stopping"


_LINK = (Phase.CONNECTING, Phase.CONNECTED, Phase.DISCONNECTED)

TRANSITIONS: frozenset[tuple[Phase, Phase]] = frozenset(
    {
        (Phase.UNINITIALIZED, Phase.UNREGISTERED),
        (Phase.UNINITIALIZED, Phase.CONNECTING),  # a registered number from before
        (Phase.UNREGISTERED, Phase.CONNECTING),  # registration verified
        (Phase.CONNECTING, Phase.CONNECTED),
        (Phase.CONNECTING, Phase.DISCONNECTED),
        (Phase.CONNECTED, Phase.DISCONNECTED),
        (Phase.CONNECTED, Phase.CONNECTING),  # a new number registered: log in again
        (Phase.DISCONNECTED, Phase.CONNECTING),
        *((phase, Phase.UNREGISTERED) for phase in _LINK),  # the network refused the login
        *((phase, Phase.STOPPING) for phase in Phase if phase is not Phase.STOPPING),
    }
)

GATEWAY_STATUS: dict[Phase, str] = {
    Phase.UNINITIALIZED: "uninitialized",
    Phase.UNREGISTERED: "unregistered",
    Phase.CONNECTING: "connecting",
    Phase.CONNECTED: "connected",
    Phase.DISCONNECTED: "disconnected",
    Phase.STOPPING: "disconnected",
}


class IllegalTransition(RuntimeError):
    """A move the transition table does not allow."""


class Readiness:
    """Holds the current phase and allows only the table's transitions."""

    def __init__(self) -> None:
        self.phase = Phase.UNINITIALIZED
        self._listeners: list[Callable[[Phase, Phase], None]] = []

    def listen(self, listener: Callable[[Phase, Phase], None]) -> None:
        """Call ``listener(before, after)`` on every move."""
        self._listeners.append(listener)

    def move_if_needed(self, to: Phase) -> None:
        """Go to ``to`` unless already there."""
        if self.phase is not to:
            self.move(to)

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
