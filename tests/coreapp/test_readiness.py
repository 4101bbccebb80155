"""The coreapp's phases as a transition table (spec §12)."""

from __future__ import annotations

import itertools
import logging

import pytest

from waemu.coreapp.readiness import TRANSITIONS, IllegalTransition, Phase, Readiness

LOGGED_IN = (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE, Phase.CONNECTED)
LINK = (Phase.CONNECTING, *LOGGED_IN, Phase.DISCONNECTED)
LEGAL = {
    (Phase.UNINITIALIZED, Phase.UNREGISTERED),
    (Phase.UNINITIALIZED, Phase.CONNECTING),
    (Phase.UNREGISTERED, Phase.CONNECTING),
    (Phase.CONNECTING, Phase.LOADING_TEMPLATES),
    (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE),
    (Phase.LOADING_TEMPLATES, Phase.CONNECTED),
    (Phase.RECEIVING_OFFLINE, Phase.CONNECTED),
    (Phase.CONNECTING, Phase.CONNECTED),
    (Phase.CONNECTING, Phase.DISCONNECTED),
    *((phase, Phase.DISCONNECTED) for phase in LOGGED_IN),
    *((phase, Phase.CONNECTING) for phase in LOGGED_IN),
    (Phase.DISCONNECTED, Phase.CONNECTING),
    # A cluster node without a shard waits registered (docs/cluster.md).
    (Phase.UNINITIALIZED, Phase.DISCONNECTED),
    (Phase.UNREGISTERED, Phase.DISCONNECTED),
    *((phase, Phase.UNREGISTERED) for phase in LINK),
    *((phase, Phase.STOPPING) for phase in Phase if phase is not Phase.STOPPING),
}
ILLEGAL = sorted(set(itertools.product(Phase, Phase)) - LEGAL)


def readiness_in(phase: Phase) -> Readiness:
    """A Readiness brought to ``phase`` through legal moves only."""
    readiness = Readiness()
    path = {
        Phase.UNINITIALIZED: [],
        Phase.UNREGISTERED: [Phase.UNREGISTERED],
        Phase.CONNECTING: [Phase.CONNECTING],
        Phase.LOADING_TEMPLATES: [Phase.CONNECTING, Phase.LOADING_TEMPLATES],
        Phase.RECEIVING_OFFLINE: [
            Phase.CONNECTING,
            Phase.LOADING_TEMPLATES,
            Phase.RECEIVING_OFFLINE,
        ],
        Phase.CONNECTED: [Phase.CONNECTING, Phase.CONNECTED],
        Phase.DISCONNECTED: [Phase.CONNECTING, Phase.DISCONNECTED],
        Phase.STOPPING: [Phase.STOPPING],
    }[phase]
    for step in path:
        readiness.move(step)
    assert readiness.phase is phase
    return readiness


def test_new_readiness_starts_uninitialized() -> None:
    readiness = Readiness()
    assert readiness.phase is Phase.UNINITIALIZED
    assert readiness.gateway_status == "uninitialized"
    assert not readiness.database_ready


def test_transition_table_holds_exactly_the_documented_moves() -> None:
    assert set(TRANSITIONS) == LEGAL


@pytest.mark.parametrize(("before", "after"), sorted(LEGAL), ids=lambda p: str(p))
def test_move_changes_phase_when_transition_is_legal(before: Phase, after: Phase) -> None:
    readiness = readiness_in(before)
    readiness.move(after)
    assert readiness.phase is after


@pytest.mark.parametrize(("before", "after"), ILLEGAL, ids=lambda p: str(p))
def test_move_raises_illegal_transition_when_not_in_table(before: Phase, after: Phase) -> None:
    readiness = readiness_in(before)
    with pytest.raises(IllegalTransition, match=f"{before} -> {after}"):
        readiness.move(after)
    assert readiness.phase is before


def test_move_if_needed_stays_put_when_already_there() -> None:
    readiness = readiness_in(Phase.CONNECTED)
    readiness.move_if_needed(Phase.CONNECTED)
    assert readiness.phase is Phase.CONNECTED


def test_illegal_transition_is_a_named_runtime_error() -> None:
    assert issubclass(IllegalTransition, RuntimeError)


def test_gateway_status_follows_each_move_when_walking_full_life() -> None:
    readiness = Readiness()
    seen = [readiness.gateway_status]
    life = (
        Phase.UNREGISTERED,
        Phase.CONNECTING,
        Phase.CONNECTED,
        Phase.DISCONNECTED,
        Phase.CONNECTING,
        Phase.CONNECTED,
        Phase.STOPPING,
    )
    for phase in life:
        readiness.move(phase)
        seen.append(readiness.gateway_status)
    assert seen == [
        "uninitialized",
        "unregistered",
        "connecting",
        "connected",
        "disconnected",
        "connecting",
        "connected",
        "disconnected",
    ]
    with pytest.raises(IllegalTransition):
        readiness.move(Phase.UNREGISTERED)


@pytest.mark.parametrize(
    ("phase", "status", "database_ready"),
    [
        (Phase.UNINITIALIZED, "uninitialized", False),
        (Phase.UNREGISTERED, "unregistered", True),
        (Phase.CONNECTING, "connecting", True),
        (Phase.LOADING_TEMPLATES, "connected", True),
        (Phase.RECEIVING_OFFLINE, "connected", True),
        (Phase.CONNECTED, "connected", True),
        (Phase.DISCONNECTED, "disconnected", True),
        (Phase.STOPPING, "disconnected", False),
    ],
)
def test_gateway_status_and_database_ready_follow_phase(
    phase: Phase, status: str, database_ready: bool
) -> None:
    readiness = readiness_in(phase)
    assert readiness.gateway_status == status
    assert readiness.database_ready is database_ready


def test_every_phase_has_a_gateway_status_when_table_is_complete() -> None:
    valid = {"connected", "connecting", "disconnected", "uninitialized", "unregistered"}
    for phase in Phase:
        assert readiness_in(phase).gateway_status in valid


@pytest.mark.parametrize(
    ("phase", "socket_conn", "ready"),
    [
        (Phase.UNINITIALIZED, "DN", False),
        (Phase.UNREGISTERED, "DN", False),
        (Phase.CONNECTING, "SC", False),
        (Phase.LOADING_TEMPLATES, "UP receiving offline", False),
        (Phase.RECEIVING_OFFLINE, "UP receiving offline", False),
        (Phase.CONNECTED, "UP", True),
        (Phase.DISCONNECTED, "DN", False),
        (Phase.STOPPING, "DN", False),
    ],
)
def test_socket_conn_and_ready_follow_phase(phase: Phase, socket_conn: str, ready: bool) -> None:
    readiness = readiness_in(phase)
    assert readiness.socket_conn == socket_conn
    assert readiness.ready is ready


def test_startup_walk_of_a_login_reaches_ready_only_at_the_end() -> None:
    readiness = readiness_in(Phase.CONNECTING)
    seen = []
    for phase in (Phase.LOADING_TEMPLATES, Phase.RECEIVING_OFFLINE, Phase.CONNECTED):
        readiness.move(phase)
        seen.append((readiness.gateway_status, readiness.socket_conn, readiness.ready))
    assert seen == [
        ("connected", "UP receiving offline", False),
        ("connected", "UP receiving offline", False),
        ("connected", "UP", True),
    ]


def test_refusal_is_1011_coreapp_not_ready_with_http_503() -> None:
    error = readiness_in(Phase.RECEIVING_OFFLINE).refusal()
    assert (error.code, error.title, error.details, error.http_status) == (
        1011,
        "Service not ready",
        "Coreapp not ready",
        503,
    )


def test_service_not_ready_is_logged_once_per_not_ready_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="waemu.coreapp.readiness")
    readiness = readiness_in(Phase.LOADING_TEMPLATES)

    def logged() -> int:
        return sum("Service not ready" in r.getMessage() for r in caplog.records)

    for _ in range(3):
        readiness.refusal()
    assert logged() == 1
    readiness.move(Phase.CONNECTED)
    readiness.move(Phase.DISCONNECTED)  # a new not-ready period
    readiness.refusal()
    readiness.refusal()
    assert logged() == 2
