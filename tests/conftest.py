"""Fixtures shared by the whole suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.databases import ENGINES, database_env, engine_param, free_port, require_server
from tests.stacks import LINK_ENV, InProcessStack, Process, wait_until
from waemu.settings import Settings
from waemu.storage.engine import drop_database


@pytest.fixture(params=[engine_param(e) for e in ENGINES])
def engine(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once per database engine."""
    name: str = request.param
    require_server(name)
    return name


@pytest.fixture
def db_env(engine: str, tmp_path: Path) -> dict[str, str]:
    """Variables selecting a fresh database on the engine under test."""
    return database_env(engine, tmp_path)


@pytest.fixture
async def stack(db_env: dict[str, str]) -> AsyncIterator[InProcessStack]:
    """Coreapp + webapp in this process, on a real socket and database, with a manual clock."""
    async with InProcessStack(db_env) as running:
        yield running


@pytest.fixture
async def sqlite_stack(tmp_path: Path) -> AsyncIterator[InProcessStack]:
    """The in-process stack on SQLite only, for tests of engine-independent behaviour."""
    async with InProcessStack(database_env("sqlite", tmp_path)) as running:
        yield running


@dataclass
class Processes:
    """Network, coreapp and webapp running as separate processes."""

    network: Process
    coreapp: Process
    webapp: Process
    base_url: str
    env: dict[str, str]

    @property
    def control_url(self) -> str:
        """The network's control API."""
        return f"http://127.0.0.1:{self.env['WA_NETWORK_CONTROL_PORT']}"

    def all(self) -> tuple[Process, Process, Process]:
        """Every process, in start order."""
        return (self.network, self.coreapp, self.webapp)

    def stop_all(self) -> None:
        """Stop every started process, the last started first."""
        for process in reversed(self.all()):
            if process.proc is not None:
                process.stop()

    def client(self) -> httpx.Client:
        """A client for the webapp."""
        return httpx.Client(base_url=self.base_url, verify=False, timeout=30)

    def wait_ready(self) -> None:
        """Wait until the network's control API and the webapp answer and the coreapp has
        left ``uninitialized``."""

        def ready() -> bool:
            for process in self.all():
                assert process.proc is not None
                if process.proc.poll() is not None:
                    raise AssertionError(f"{process.role} exited:\n{process.log()}")
            try:
                network = httpx.get(f"{self.control_url}/health", timeout=5)
                with self.client() as http:
                    response = http.post("/v1/users/login", auth=("admin", "secret"))
            except httpx.TransportError:
                return False
            return network.status_code == 200 and response.status_code in (200, 401)

        wait_until(ready, 60, "the emulator to start")


def start_processes(db_env: dict[str, str], tmp_path: Path, *, tls: bool = False) -> Processes:
    """Start network, coreapp and webapp with the containers' commands on free ports."""
    env = {
        **LINK_ENV,
        **db_env,
        "WA_NETWORK_PORT": str(free_port()),
        "WA_NETWORK_CONTROL_PORT": str(free_port()),
        "WA_NETWORK_DATA_DIR": str(tmp_path / "network"),
        "WACORE_PORT": str(free_port()),
        "WA_WEB_PORT": str(free_port()),
        "WA_WEB_TLS": "1" if tls else "0",
        "WA_CORE_CONNECT_TIMEOUT": "1",
    }
    scheme = "https" if tls else "http"
    running = Processes(
        Process("network", env, tmp_path),
        Process("coreapp", env, tmp_path),
        Process("webapp", env, tmp_path),
        f"{scheme}://127.0.0.1:{env['WA_WEB_PORT']}",
        env,
    )
    running.network.start()
    running.coreapp.start()
    running.webapp.start()
    running.wait_ready()
    return running


@contextmanager
def running_processes(
    db_env: dict[str, str], tmp_path: Path, *, tls: bool = False
) -> Iterator[Processes]:
    """``start_processes``; at the end (also a failing one) they stop and their database goes."""
    running = start_processes(db_env, tmp_path, tls=tls)
    try:
        yield running
    finally:
        running.stop_all()
        drop_env_database(running.env)


@pytest.fixture
def processes(db_env: dict[str, str], tmp_path: Path) -> Iterator[Processes]:
    """The real processes on the engine under test; stopped and their database dropped after."""
    with running_processes(db_env, tmp_path) as running:
        yield running


def drop_env_database(env: dict[str, str]) -> None:
    """Drop the database that ``env`` selects."""
    asyncio.run(drop_database(Settings.from_env(env).db))
