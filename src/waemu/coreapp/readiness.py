"""The coreapp's startup phases as an explicit transition table (spec §12).

Each phase maps to the ``gateway_status`` that ``/v1/health`` shows and to the
``socket_conn`` value of ``/v1/support``. Every login to the network runs the startup of
spec §12 (``coreapp/startup.py``): ``loading_templates`` then ``receiving_offline``, and only
``connected`` is ready for sends (docs/readiness.md).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

from waemu.errors import ApiError, not_ready

log = logging.getLogger(__name__)


class Phase(enum.StrEnum):
    """Where the coreapp is in its life."""

    UNINITIALIZED = "uninitialized"  # waiting for the database, applying migrations
    UNREGISTERED = "unregistered"  # database ready, no phone number registered
    CONNECTING = "connecting"  # registered, connecting and logging in to the network
    LOADING_TEMPLATES = "loading_templates"  # logged in; startup step 1 (spec §12)
    RECEIVING_OFFLINE = "receiving_offline"  # logged in; startup step 2 (spec §12)
    CONNECTED = "connected"  # logged in and ready: the steady state
    DISCONNECTED = "disconnected"  # registered, connection lost, waiting to retry
    STOPPING = "stopping"


# Logged in to the network: the two startup steps and the steady state.
LOGGED_IN = (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE, Phase.CONNECTED)
STARTING = (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE)
_LINK = (Phase.CONNECTING, *LOGGED_IN, Phase.DISCONNECTED)

TRANSITIONS: frozenset[tuple[Phase, Phase]] = frozenset(
    {
        (Phase.UNINITIALIZED, Phase.UNREGISTERED),
        (Phase.UNINITIALIZED, Phase.CONNECTING),  # a registered number from before
        # A cluster node without a shard waits, registered (docs/cluster.md).
        (Phase.UNINITIALIZED, Phase.DISCONNECTED),
        (Phase.UNREGISTERED, Phase.DISCONNECTED),
        (Phase.UNREGISTERED, Phase.CONNECTING),  # registration verified
        (Phase.CONNECTING, Phase.LOADING_TEMPLATES),  # logged in: startup step 1
        (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE),  # templates loaded: step 2
        (Phase.LOADING_TEMPLATES, Phase.CONNECTED),  # nothing was queued: step 2 skipped
        (Phase.RECEIVING_OFFLINE, Phase.CONNECTED),  # offline backlog handled, or the cap
        # A link without a startup runner (services tested on their own) is ready at login.
        (Phase.CONNECTING, Phase.CONNECTED),
        (Phase.DISCONNECTED, Phase.CONNECTING),
        *((phase, Phase.DISCONNECTED) for phase in (Phase.CONNECTING, *LOGGED_IN)),
        # A new number registered: log in again (and run the startup again).
        *((phase, Phase.CONNECTING) for phase in LOGGED_IN),
        *((phase, Phase.UNREGISTERED) for phase in _LINK),  # the network refused the login
        *((phase, Phase.STOPPING) for phase in Phase if phase is not Phase.STOPPING),
    }
)

GATEWAY_STATUS: dict[Phase, str] = {
    Phase.UNINITIALIZED: "uninitialized",
    Phase.UNREGISTERED: "unregistered",
    Phase.CONNECTING: "connecting",
    # spec §12 table: gateway_status stays "connected" while offline messages are drained.
    Phase.LOADING_TEMPLATES: "connected",
    Phase.RECEIVING_OFFLINE: "connected",
    Phase.CONNECTED: "connected",
    Phase.DISCONNECTED: "disconnected",
    Phase.STOPPING: "disconnected",
}

# ``/v1/support`` ``socket_conn`` (spec §10.4): DN down, SC connecting, UP connected, and
# "UP receiving offline" while the startup runs; offline messages arrive from the login on,
# so the template step shows it too (docs/readiness.md).
SOCKET_CONN: dict[Phase, str] = {
    Phase.UNINITIALIZED: "DN",
    Phase.UNREGISTERED: "DN",
    Phase.CONNECTING: "SC",
    Phase.LOADING_TEMPLATES: "UP receiving offline",
    Phase.RECEIVING_OFFLINE: "UP receiving offline",
    Phase.CONNECTED: "UP",
    Phase.DISCONNECTED: "DN",
    Phase.STOPPING: "DN",
}

NOT_READY_DETAILS = "Coreapp not ready"


class IllegalTransition(RuntimeError):
    """A move the transition table does not allow."""


class Readiness:
    """Holds the current phase and allows only the table's transitions."""

    def __init__(self) -> None:
        self.phase = Phase.UNINITIALIZED
        self._listeners: list[Callable[[Phase, Phase], None]] = []
        self._refusal_logged = False  # "Service not ready" is logged once per period

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
        if to is Phase.CONNECTED:
            self._refusal_logged = False
            log.info("coreapp ready")
        for listener in self._listeners:
            listener(before, to)

    @property
    def gateway_status(self) -> str:
        """The value ``/v1/health`` reports (spec §10.1)."""
        return GATEWAY_STATUS[self.phase]

    @property
    def socket_conn(self) -> str:
        """The value ``/v1/support`` reports (spec §10.4)."""
        return SOCKET_CONN[self.phase]

    @property
    def ready(self) -> bool:
        """Whether sends are accepted: logged in and the startup done (spec §12)."""
        return self.phase is Phase.CONNECTED

    def refusal(self) -> ApiError:
        """The error a send gets while not ready: 1011 "Coreapp not ready", HTTP 503 (spec §12,
        §7.10); logs "Service not ready" once per not-ready period, as the real client does."""
        if not self._refusal_logged:
            self._refusal_logged = True
            log.warning("Service not ready (phase %s): sends are refused", self.phase)
        return not_ready(NOT_READY_DETAILS)

    @property
    def database_ready(self) -> bool:
        """Whether operations that touch the database can run."""
        return self.phase not in (Phase.UNINITIALIZED, Phase.STOPPING)
