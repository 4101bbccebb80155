"""Waiting and stopping in background loops, so that a stop is always a stop.

On Python 3.11, ``asyncio.wait_for`` returns the awaited result instead of raising when a
cancellation arrives just as the awaited event is set (CPython gh-86296, fixed in 3.12): a loop
that idles in ``wait_for(event.wait(), timeout)`` survives a ``cancel()`` that lands next to a
``set()``, and whoever awaits the loop waits forever. So the code base never uses
``wait_for`` (a test checks it): it waits with ``asyncio.timeout``, which hands every
cancellation on, and it stops tasks with ``stop_task``, which cancels again until the task has
ended and gives up, loudly, after a bounded time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# How long ``stop_task`` waits between two cancellations of a task that has not ended yet.
RECANCEL_SECONDS = 0.2


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` have passed; whether it is set.

    A cancellation of the caller always propagates, whenever it arrives.
    """
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def stop_task(task: asyncio.Task[Any] | None, seconds: float = 10.0) -> bool:
    """Cancel ``task`` and wait until it has ended, cancelling it again every
    ``RECANCEL_SECONDS`` (a cancellation swallowed by a library is not the end of it), for at
    most ``seconds``. Whether the task ended; a task that did not is logged and left
    behind rather than hanging the caller. The task's own exception is not raised (its owner
    handled what mattered while it ran)."""
    if task is None:
        return True
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not task.done():
        task.cancel()
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.error("task %s did not stop within %gs; left behind", task.get_name(), seconds)
            return False
        await asyncio.wait({task}, timeout=min(RECANCEL_SECONDS, remaining))
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" at exit
    return True


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]], seconds: float = 10.0) -> bool:
    """``stop_task`` for several tasks at once, within the same ``seconds``; whether all
    ended."""
    results = await asyncio.gather(*(stop_task(task, seconds) for task in tasks))
    return all(results)


async def wait_tasks(tasks: Iterable[asyncio.Task[Any]], grace: float) -> None:
    """Let ``tasks`` finish for up to ``grace`` seconds, then stop the rest."""
    pending = {task for task in tasks if not task.done()}
    if pending:
        _done, pending = await asyncio.wait(pending, timeout=grace)
    await stop_tasks(pending)
