"""The network's control API (and so the web inbox) served over real HTTP inside the test's
event loop, for the event stream and for a browser; and the browser the inbox tests drive."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.databases import free_port
from waemu.background import stop_task
from waemu.network.control import create_control_app
from waemu.network.server import NetworkServer
from waemu.network.world import World

CHROMIUM = Path(os.environ.get("WAEMU_CHROMIUM", "/usr/bin/chromium"))
# As root and on a closed network Chromium needs these (the machine's notes); Playwright gives
# every launch a fresh, empty profile directory of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHUTDOWN_SECONDS = 5


class _Embedded(uvicorn.Server):
    """uvicorn without its signal handlers (the test runner owns them)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ControlServer:
    """``create_control_app(world, network)`` on 127.0.0.1 at a free port."""

    def __init__(self, world: World, network: NetworkServer) -> None:
        self.world = world
        self.port = free_port()
        self.server = _Embedded(
            uvicorn.Config(
                create_control_app(world, network),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=SHUTDOWN_SECONDS,
            )
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The control API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for it."""
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    async def __aenter__(self) -> ControlServer:
        self._task = asyncio.create_task(self.server.serve(), name="control-server")
        for _ in range(500):
            if self.server.started:
                return self
            if self._task.done():
                raise RuntimeError("the control API's server did not start")
            await asyncio.sleep(0.01)
        raise RuntimeError("the control API's server did not start in time")

    async def __aexit__(self, *exc: object) -> None:
        self.world.events.close()  # as the network process does: open streams end first
        self.server.should_exit = True
        assert self._task is not None
        await asyncio.wait({self._task}, timeout=SHUTDOWN_SECONDS + 5)
        await stop_task(self._task)


def require_chromium() -> Path:
    """Debian's Chromium; skips the calling test when it is missing (fails it on CI)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "playwright is not installed: pip install -e '.[dev]'"
    else:
        if CHROMIUM.is_file():
            return CHROMIUM
        reason = (
            f"no Chromium at {CHROMIUM}: install Debian's packages with "
            "`apt-get install -y chromium chromium-driver` (or set WAEMU_CHROMIUM) "
            "to run the web inbox's browser tests"
        )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
