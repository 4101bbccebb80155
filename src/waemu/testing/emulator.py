"""The emulator of a test session: network, coreapp and webapp as child processes
(``python -m waemu <role>``) on free ports, with their state in one folder (docs/testing.md).

``start`` waits until all three answer; ``stop`` stops them (SIGTERM, then SIGKILL) and drops
the database on a server. Whatever happens to the test run, nothing is left behind:

- a failing test or Ctrl-C (KeyboardInterrupt) ends the session, and pytest runs the session
  fixture's teardown, which calls ``stop``;
- the children run in a session of their own, so a Ctrl-C in the terminal reaches pytest
  only and the teardown stops them in order;
- on Linux each child is also told to receive SIGTERM when the process that started it dies
  (``PR_SET_PDEATHSIG``), so a pytest killed outright (SIGKILL, a crash) takes them along;
- an ``atexit`` hook stops them on an interpreter exit that skipped the teardown.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from waemu.network.client import AsyncNetworkClient, NetworkClient
from waemu.testing.options import EmulatorOptions

ROLES = ("network", "coreapp", "webapp")
# Variables that make a test emulator quick: cheap password hashes, quick reconnects.
FAST_ENV = {
    "WA_BCRYPT_ROUNDS": "4",
    "WA_LOG_LEVEL": "WARNING",
    "WA_NETWORK_RECONNECT_MIN_MS": "50",
    "WA_NETWORK_RECONNECT_MAX_MS": "500",
}
STOP_SECONDS = 15.0  # per process, after SIGTERM, before SIGKILL
DROP_SECONDS = 60.0  # dropping the database on its server
START_ATTEMPTS = 3  # a port taken between choosing it and binding it: start again
PR_SET_PDEATHSIG = 1
LOG_TAIL = 4000  # characters of each log shown when the start fails


class EmulatorError(RuntimeError):
    """The emulator did not start (the message carries the processes' logs)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _parent_death_hook() -> Callable[[], None] | None:
    """On Linux, a ``preexec_fn`` asking the kernel to SIGTERM the child when its parent
    dies; None elsewhere. libc is loaded before the fork: the hook only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the call: do not run orphaned
            os._exit(1)

    return hook


class Emulator:
    """One running emulator: its addresses, its variables, its processes and their logs."""

    def __init__(self, options: EmulatorOptions, data_dir: Path) -> None:
        self.options = options
        self.data_dir = data_dir
        self.api_key = secrets.token_urlsafe(24)  # /v1/health with Apikey: the readiness probe
        self.env: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._network: NetworkClient | None = None

    # -- addresses -------------------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``sqlite``, ``postgres`` or ``mysql``."""
        return self.options.engine

    @property
    def scheme(self) -> str:
        """``https`` with ``--waemu-tls``, else ``http``."""
        return "https" if self.options.tls else "http"

    @property
    def base_url(self) -> str:
        """The On-Premises API: ``http://127.0.0.1:<port>`` (append ``/v1/...``)."""
        return f"{self.scheme}://127.0.0.1:{self.env['WA_WEB_PORT']}"

    @property
    def control_url(self) -> str:
        """The network's control API."""
        return f"http://127.0.0.1:{self.env['WA_NETWORK_CONTROL_PORT']}"

    @property
    def verify(self) -> bool:
        """What to pass as httpx/requests ``verify``: False for the self-signed HTTPS."""
        return not self.options.tls

    @property
    def network(self) -> NetworkClient:
        """A control-API client (blocking), closed with the emulator."""
        if self._network is None:
            self._network = NetworkClient(self.control_url)
        return self._network

    def async_network(self) -> AsyncNetworkClient:
        """A new awaited control-API client; the caller closes it (``async with``)."""
        return AsyncNetworkClient(self.control_url)

    def http(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client for the API, not logged in; the caller closes it."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.base_url, verify=self.verify, **kwargs)

    def log(self, role: str) -> str:
        """What a process (``network``, ``coreapp``, ``webapp``) wrote to its log."""
        path = self.data_dir / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def ports(self) -> dict[str, int]:
        """Every port the emulator listens on, by what it is for."""
        names = ("WA_WEB_PORT", "WACORE_PORT", "WA_NETWORK_PORT", "WA_NETWORK_CONTROL_PORT")
        return {name: int(self.env[name]) for name in names if name in self.env}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the three processes and wait until they answer (``start_seconds``)."""
        atexit.register(self.stop)
        for attempt in range(1, START_ATTEMPTS + 1):
            self._spawn_all()
            try:
                self._wait_ready()
            except _EarlyExit as exc:
                self._stop_processes()
                if attempt == START_ATTEMPTS:
                    self.stop()
                    raise EmulatorError(str(exc)) from None
                continue  # most likely a port taken meanwhile: new ports, again
            except BaseException:
                self.stop()
                raise
            self._describe()
            return

    def stop(self) -> None:
        """Stop every process (webapp first), close the client, drop a server database.
        Safe to call twice."""
        atexit.unregister(self.stop)
        if self._network is not None:
            self._network.close()
            self._network = None
        stopped_any = bool(self.processes)
        self._stop_processes()
        if stopped_any and self.engine != "sqlite":
            self._drop_database()

    def _environment(self) -> dict[str, str]:
        ports = {
            "WA_NETWORK_PORT": free_port(),
            "WA_NETWORK_CONTROL_PORT": free_port(),
            "WACORE_PORT": free_port(),
            "WA_WEB_PORT": free_port(),
        }
        env = {
            **FAST_ENV,
            "WA_API_KEY": self.api_key,
            **self.options.env,
            **self.options.database_env(),
            **{name: str(port) for name, port in ports.items()},
            "WA_DATA_DIR": str(self.data_dir),
            "WA_NETWORK_DATA_DIR": str(self.data_dir / "network"),
            "WA_NETWORK_HOSTNAME": "127.0.0.1",
            "WA_NETWORK_LISTEN_ADDRESS": "127.0.0.1",
            "WACORE_HOSTNAME": "127.0.0.1",
            "WA_TCP_LISTEN_ADDRESS": "127.0.0.1",
            "WA_WEB_HOST": "127.0.0.1",
            "WA_WEB_TLS": "1" if self.options.tls else "0",
        }
        self.api_key = env["WA_API_KEY"]  # the user's own key, when they set one
        return env

    def _spawn_all(self) -> None:
        self.env = self._environment()
        hook = _parent_death_hook()
        for role in ROLES:
            with (self.data_dir / f"{role}.log").open("ab") as log:
                self.processes[role] = subprocess.Popen(
                    [sys.executable, "-m", "waemu", role],
                    env={**os.environ, **self.env},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=hook,
                )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.options.start_seconds
        last = "no answer yet"
        with httpx.Client(verify=self.verify, timeout=5.0) as http:
            while True:
                for role, process in self.processes.items():
                    code = process.poll()
                    if code is not None:
                        raise _EarlyExit(self._failure(f"the {role} exited with {code}"))
                last = self._probe(http) or ""
                if not last:
                    return
                if time.monotonic() > deadline:
                    seconds = self.options.start_seconds
                    raise EmulatorError(self._failure(f"not ready within {seconds:g}s: {last}"))
                time.sleep(0.1)

    def _probe(self, http: httpx.Client) -> str | None:
        """None when every part answers; else what is missing."""
        try:
            network = http.get(f"{self.control_url}/health")
            if network.status_code != 200:
                return f"network control API answered {network.status_code}"
            health = http.get(
                f"{self.base_url}/v1/health", headers={"Authorization": f"Apikey {self.api_key}"}
            )
        except httpx.TransportError as exc:
            return f"{type(exc).__name__}: {exc}"
        if health.status_code != 200:
            return f"webapp /v1/health answered {health.status_code}"
        status = health.json().get("health", {}).get("gateway_status")
        if status in (None, "uninitialized"):
            return f"coreapp gateway_status {status}"
        return None

    def _failure(self, what: str) -> str:
        logs = "\n".join(
            f"--- {role}.log ---\n{self.log(role)[-LOG_TAIL:]}" for role in ROLES if self.log(role)
        )
        return f"the waemu emulator did not start: {what}\n{logs}"

    def _describe(self) -> None:
        """``emulator.json`` in the data folder: addresses, processes, ports (for people
        debugging a run, and for the test that checks nothing is left behind)."""
        description = {
            "base_url": self.base_url,
            "control_url": self.control_url,
            "engine": self.engine,
            "database_prefix": self.env["WA_DB_NAME_PREFIX"],
            "pids": {role: process.pid for role, process in self.processes.items()},
            "ports": self.ports,
        }
        (self.data_dir / "emulator.json").write_text(json.dumps(description, indent=2))

    def _stop_processes(self) -> None:
        for role in reversed(ROLES):
            process = self.processes.pop(role, None)
            if process is None:
                continue
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)

    def _drop_database(self) -> None:
        """Drop the coreapp's database on its server, in a child so the test process never
        loads the database drivers."""
        script = (
            "import asyncio; from waemu.settings import Settings; "
            "from waemu.storage.engine import drop_database; "
            "asyncio.run(drop_database(Settings.from_env().db))"
        )
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                [sys.executable, "-c", script],
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=DROP_SECONDS,
                check=False,
            )


class _EarlyExit(Exception):
    """A process exited while the emulator started."""
