"""The login throttle's memory: bounded however many names and addresses fail
(coreapp/services/users.py; the HTTP behaviour is in tests/webapp/test_throttle.py)."""

from __future__ import annotations

import pytest

from waemu.clock import ManualClock
from waemu.coreapp.services.users import LoginThrottle
from waemu.errors import ApiError


def test_throttle_never_tracks_more_than_its_bound_under_rotating_addresses() -> None:
    throttle = LoginThrottle(ManualClock(), max_failures=1, lockout_seconds=600, max_tracked=100)
    for n in range(5_000):
        throttle.failed("admin", f"10.0.{n // 256}.{n % 256}")
        assert len(throttle) <= 100
    with pytest.raises(ApiError) as locked:
        throttle.check("admin", "10.0.19.135")  # the last address of the flood
    assert locked.value.code == 1015


def test_throttle_forgets_unlocked_pairs_before_locked_ones() -> None:
    clock = ManualClock()
    throttle = LoginThrottle(clock, max_failures=2, lockout_seconds=60, max_tracked=10)
    throttle.failed("admin", "192.0.2.1")
    throttle.failed("admin", "192.0.2.1")  # locked: the oldest pair, but kept
    for n in range(20):
        throttle.failed(f"name{n}", "192.0.2.2")  # one failure each: never locked
    assert len(throttle) <= 10
    with pytest.raises(ApiError):
        throttle.check("admin", "192.0.2.1")


def test_throttle_default_bound_is_ten_thousand() -> None:
    assert LoginThrottle(ManualClock(), 5, 60).max_tracked == 10_000
