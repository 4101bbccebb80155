"""Waiting with a deadline, blocking or awaited, failing with what was seen instead."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
DEFAULT_TIMEOUT = 10.0  # seconds a wait_for_* helper waits unless told otherwise
POLL_SECONDS = 0.05


class WaitTimeout(AssertionError):
    """A ``wait_for_*`` helper gave up; the message says what was awaited and what came."""


def poll(
    find: Callable[[], T | None],
    timeout: float,
    what: str,
    seen: Callable[[], str],
) -> T:
    """Call ``find`` until it returns something other than None, at most ``timeout``
    seconds; then fail naming ``what`` and ``seen()``."""
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{what} within {timeout:g}s; {seen()}")
        time.sleep(POLL_SECONDS)


async def async_poll(
    find: Callable[[], T | None],
    seconds: float,
    what: str,
    seen: Callable[[], str],
    *,
    blocking: bool = False,
) -> T:
    """``poll`` for coroutines: sleeps without blocking the event loop; ``blocking`` runs
    ``find`` in a thread (when it makes HTTP calls)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        found = await asyncio.to_thread(find) if blocking else find()
        if found is not None:
            return found
        if loop.time() >= deadline:
            text = await asyncio.to_thread(seen) if blocking else seen()
            raise WaitTimeout(f"{what} within {seconds:g}s; {text}")
        await asyncio.sleep(POLL_SECONDS)
