"""Running the emulator for tests: in-process (injected clock) or as real processes."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from waemu.background import stop_task
from waemu.clock import ManualClock
from waemu.coreapp.app import CoreApp
from waemu.network.client import AsyncNetworkClient
from waemu.network.control import create_control_app
from waemu.network.main import build as build_network
from waemu.settings import Settings
from waemu.storage.engine import drop_database
from waemu.webapp.app import create_app

ADMIN_PASSWORD = "Adm1n-Passw0rd!"
USER_PASSWORD = "Us3r-Passw0rd!"
FAST_ENV = {"WA_BCRYPT_ROUNDS": "4", "WA_LOG_LEVEL": "WARNING"}
# Reconnect to the network quickly, so tests of drops and restarts take milliseconds.
LINK_ENV = {"WA_NETWORK_RECONNECT_MIN_MS": "50", "WA_NETWORK_RECONNECT_MAX_MS": "500"}
# The longest a fixture waits for one part of the emulator to stop.
STOP_SECONDS = 30.0


def basic(username: str, password: str) -> dict[str, str]:
    """A Basic Authorization header."""
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    """A Bearer Authorization header."""
    return {"Authorization": f"Bearer {token}"}


class Api:
    """Conveniences over an httpx client pointed at the webapp."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def login(self, username: str, password: str, new_password: str | None = None) -> str:
        """Log in and return the token (fails the test on an error answer)."""
        body = {"new_password": new_password} if new_password else None
        response = await self.http.post(
            "/v1/users/login", json=body, headers=basic(username, password)
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["users"][0]["token"]
        return token

    async def admin_token(self) -> str:
        """Log in as admin, changing the default password the first time."""
        response = await self.http.post("/v1/users/login", headers=basic("admin", ADMIN_PASSWORD))
        if response.status_code == 200:
            token: str = response.json()["users"][0]["token"]
            return token
        return await self.login("admin", "secret", ADMIN_PASSWORD)


class InProcessStack:
    """Network, coreapp and webapp in this process: the coreapp on real sockets and a real
    database, the webapp and the network's control API called through ASGI, one clock."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = {**FAST_ENV, **LINK_ENV, **env, "WACORE_PORT": "0"}
        self.settings = Settings.from_env(self.env)
        self.clock = ManualClock()
        self.world, self.network = build_network(replace(self.settings, network_port=0))
        self.core: CoreApp
        self._stop = asyncio.Event()
        self._task: asyncio.Task[int] | None = None

    async def __aenter__(self) -> InProcessStack:
        await self.network.start()
        self.settings = replace(self.settings, network_port=self.network.port)
        self.core = CoreApp(self.settings, clock=self.clock)
        control_app = create_control_app(self.world, self.network)
        self.control = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=control_app), base_url="http://network"
        )
        self.net = AsyncNetworkClient(http=self.control)  # the same calls, typed
        self._task = asyncio.create_task(self.core.run(self._stop))
        for _ in range(600):
            if self.core.readiness.database_ready:
                break
            if self._task.done():
                raise RuntimeError(f"coreapp exited with {self._task.result()}")
            await asyncio.sleep(0.05)
        settings = _with_core_port(self.settings, self.core.server.port)
        self.app = create_app(settings, clock=self.clock)
        transport = httpx.ASGITransport(app=self.app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://webapp")
        self.api = Api(self.http)
        return self

    async def stop_core(self) -> int:
        """Stop the coreapp as SIGTERM does (the webapp keeps running); its exit code.
        Bounded: a coreapp that does not stop fails the test instead of hanging the run."""
        assert self._task is not None
        self._stop.set()
        done, _ = await asyncio.wait({self._task}, timeout=STOP_SECONDS)
        if not done:
            await stop_task(self._task, seconds=STOP_SECONDS)
            raise AssertionError(f"the coreapp did not stop within {STOP_SECONDS}s")
        return self._task.result()

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.control.aclose()
        await self.app.state.services.core.close()
        if self._task is not None:
            await self.stop_core()
        async with asyncio.timeout(STOP_SECONDS):
            await self.network.stop()
        async with asyncio.timeout(STOP_SECONDS):
            await drop_database(self.settings.db)


def _with_core_port(settings: Settings, port: int) -> Settings:
    return replace(settings, core_port=port)


class Process:
    """One emulator process started with the containers' command (``waemu <role>``)."""

    def __init__(
        self, role: str, env: Mapping[str, str], log_dir: Path, name: str | None = None
    ) -> None:
        self.role = role
        self.name = name or role  # several of one role in a cluster: master1, wacore2...
        self.env = {**os.environ, **FAST_ENV, **env}
        self.log_path = log_dir / f"{self.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or start again)."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "waemu", self.role], env=self.env, stdout=log, stderr=log
        )
        log.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Signal the process and wait for it; returns its exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log(self) -> str:
        """What the process printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def first_login(http: httpx.Client) -> str:
    """The admin's first login on a fresh instance (it sets the new password); the token."""
    response = http.post(
        "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["users"][0]["token"]
    return token


def wait_until(predicate: Any, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll ``predicate`` until true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
