"""Every background loop stops for sure, also when a wake-up lands next to the stop.

On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives just after the event
it waits for is set (CPython gh-86296): ``kick(); await stop()`` then hung the coreapp's
shutdown. Each loop here is kicked and stopped many times in a row, each stop bounded.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.databases import database_env, free_port
from tests.stacks import InProcessStack
from waemu.background import stop_task, wait_event
from waemu.clock import ManualClock
from waemu.coreapp.network_link import NetworkLink
from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.startup import Startup

ROUNDS = 200
STOP_LIMIT = 5.0  # seconds one stop may take; a hang fails the round that hung
SRC = Path(__file__).resolve().parents[1] / "src"


async def bounded(stop: Awaitable[Any], what: str, round_: int) -> None:
    try:
        async with asyncio.timeout(STOP_LIMIT):
            await stop
    except TimeoutError:
        raise AssertionError(f"{what} did not stop (round {round_})") from None


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[InProcessStack]:
    async with InProcessStack(database_env("sqlite", tmp_path)) as running:
        yield running


def test_no_code_waits_with_wait_for() -> None:
    """``asyncio.wait_for`` is the 3.11 trap; everything waits with ``asyncio.timeout``."""
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "wait_for":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


async def test_wait_event_hands_on_a_cancel_that_lands_with_the_set() -> None:
    event = asyncio.Event()

    async def idle() -> None:
        while True:
            event.clear()
            await wait_event(event, 60)

    for round_ in range(ROUNDS):
        task = asyncio.create_task(idle())
        await asyncio.sleep(0)
        event.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_LIMIT)
        assert done and task.cancelled(), f"the loop survived its cancel (round {round_})"


async def test_wait_event_answers_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 0.01) is True


async def test_stop_task_cancels_again_a_task_that_swallowed_its_cancel() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed > 2:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await stop_task(task, seconds=STOP_LIMIT) is True
    assert swallowed == 3


async def test_stop_task_gives_up_on_a_task_that_never_ends() -> None:
    async def immortal() -> None:
        while True:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(60)

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    assert await stop_task(task, seconds=0.5) is False
    task.get_coro().close()  # type: ignore[union-attr]  # let the test end


async def kick_and_stop(
    start: Callable[[], None], kick: Callable[[], None], stop: Callable[[], Awaitable[None]]
) -> None:
    for round_ in range(ROUNDS):
        start()
        await asyncio.sleep(0)  # the loop is idle, waiting
        kick()
        await bounded(stop(), "the loop", round_)


async def test_webhook_dispatcher_stops_when_kicked_at_the_stop(stack: InProcessStack) -> None:
    dispatcher = stack.core.webhooks
    assert dispatcher is not None
    await dispatcher.stop()
    await kick_and_stop(dispatcher.start, dispatcher.kick, dispatcher.stop)
    dispatcher.start()  # the stack stops it again at the end


async def test_garbage_collector_stops_when_kicked_at_the_stop(stack: InProcessStack) -> None:
    gc = stack.core.gc
    assert gc is not None
    await gc.stop()
    await kick_and_stop(gc.start, gc.kick, gc.stop)


async def test_outbound_queue_stops_when_pushed_at_the_stop(stack: InProcessStack) -> None:
    outbound = stack.core.outbound
    assert outbound is not None
    await outbound.stop()
    await kick_and_stop(outbound.start, outbound._wake.set, outbound.stop)
    outbound.start()


async def test_network_link_stops_when_woken_at_the_stop() -> None:
    readiness = Readiness()
    readiness.move(Phase.CONNECTING)

    async def credentials() -> dict[str, str]:
        return {"wa_id": "16315550100"}

    async def nothing(*_args: Any) -> Any:
        return None

    link = NetworkLink(
        "127.0.0.1",
        free_port(),  # nobody listens: the link backs off and waits to retry
        client_id="test",
        readiness=readiness,
        credentials=credentials,
        forget=nothing,
        handler=nothing,
        min_backoff=30,
        max_backoff=30,
        connect_timeout=1,
    )

    for round_ in range(ROUNDS // 4):
        link.start()
        for _ in range(200):  # until it is in its backoff
            await asyncio.sleep(0.001)
            if readiness.phase is Phase.DISCONNECTED:
                break
        assert readiness.phase is Phase.DISCONNECTED
        await link.login()  # no connection: wakes the backoff...
        await bounded(link.stop(), "the network link", round_)  # ...as it is stopped


class _Templates:
    async def load(self, *, fresh: bool = False) -> None:
        return None


class _Network:
    async def call(self, op: str, args: dict[str, Any], wait: float = 30.0) -> Any:
        return {"queued_at_login": 1, "complete": False}


class _Backlog:
    """Offline notifications that are never delivered: the drain keeps waiting."""

    async def mark(self) -> int | None:
        return 1

    async def waiting(self, _mark: int) -> int:
        return 1


async def test_startup_stops_when_the_backlog_ends_at_the_stop() -> None:
    readiness = Readiness()
    readiness.move(Phase.CONNECTING)
    startup = Startup(
        readiness, _Templates(), _Network(), ManualClock(), _Backlog(), cap_seconds=360
    )  # type: ignore[arg-type]
    for round_ in range(ROUNDS):
        if readiness.phase is not Phase.CONNECTING:
            readiness.move(Phase.CONNECTING)
        startup.logged_in()
        for _ in range(100):
            await asyncio.sleep(0)
            if readiness.phase is Phase.RECEIVING_OFFLINE:
                break
        assert readiness.phase is Phase.RECEIVING_OFFLINE
        await startup.offline_complete({"count": 1})  # wakes the drain...
        await bounded(startup.close(), "the startup", round_)  # ...as it is stopped


async def test_coreapp_shutdown_ends_when_every_loop_is_kicked_at_once(
    tmp_path: Path,
) -> None:
    for round_ in range(5):
        running = InProcessStack(database_env("sqlite", tmp_path / str(round_)))
        await running.__aenter__()
        core = running.core
        assert core.webhooks is not None and core.gc is not None
        core.webhooks.kick()
        core.gc.kick()
        await bounded(running.__aexit__(None, None, None), "the coreapp", round_)
