"""Measure the emulator under load: start network, coreapp and webapp (plain HTTP) on an
engine, log in, and drive one endpoint with wrk (Debian package ``wrk``) for a fixed time.

    .venv/bin/python bench/load.py --engine sqlite --endpoint messages --seconds 10

``messages`` registers a number first and lets the customer write, so every send is a text
inside the customer-service window that goes all the way: persisted, handed to the network,
delivered and read, each receipt persisted. After the run the script waits for the receipts
and reports how many messages ended ``read`` and how long that took.

``--open-loop`` sends at ``--rate`` messages/s instead (``bench/open_loop.py``: latency from
each request's due time). ``--report --engine all`` runs the whole table of
docs/performance.md in one go: per engine the ceiling (``bench/ceiling.py``), then closed and
open loop, each without and with webhooks, each with its ratio to the ceiling.

Prints requests/s and latency percentiles. Numbers go to docs/performance.md; nothing here is
asserted by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.open_loop import OpenLoopResult, build_request, run_open_loop  # noqa: E402
from tests.databases import database_env, free_port  # noqa: E402

from waemu.settings import Settings  # noqa: E402
from waemu.storage.engine import drop_database  # noqa: E402

PASSWORD = "Bench-Passw0rd!"
ENDPOINTS = {
    # name: (method, path, body)
    "health": ("GET", "/v1/health", None),
    "user": ("GET", "/v1/users/admin", None),
    "messages": (
        "POST",
        "/v1/messages",
        {"to": "16315551001", "type": "text", "text": {"body": "Your order has shipped"}},
    ),
}
CUSTOMER = "16315551001"
ROLES = ("network", "coreapp", "webapp")
DATABASE_PROCESSES = {"postgres": ("postgres",), "mysql": ("mariadbd", "mysqld")}


def process_name(pid: int) -> str:
    """The command name of a process ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) a process has used (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for role in ROLES:
        log = (log_dir / f"{role}.log").open("wb")
        procs.append(
            subprocess.Popen([sys.executable, "-m", "waemu", role], env=env, stdout=log, stderr=log)
        )
    return procs


def wait_token(base: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            r = httpx.post(
                f"{base}/v1/users/login", auth=("admin", "secret"), json={"new_password": PASSWORD}
            )
            if r.status_code == 200:
                return str(r.json()["users"][0]["token"])
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("emulator did not start")


def register(base: str, control: str, token: str) -> None:
    """Register a number and let the customer write first (opens the 24-hour window)."""
    auth = {"Authorization": f"Bearer {token}"}
    cert = httpx.post(
        f"{control}/certificates",
        json={"cc": "1", "phone_number": "6315550100", "vname": "Bench"},
    ).json()["cert"]
    body = {"cc": "1", "phone_number": "6315550100", "method": "sms", "cert": cert}
    assert httpx.post(f"{base}/v1/account", json=body, headers=auth).status_code == 202
    code = httpx.get(f"{control}/accounts/16315550100/code").json()["code"]
    assert (
        httpx.post(f"{base}/v1/account/verify", json={"code": code}, headers=auth).status_code
        == 201
    )
    quick = {"delivery_delay": 0.05, "read_delay": 0.05}
    httpx.patch(f"{control}/customers/{CUSTOMER}", json=quick).raise_for_status()
    deadline = time.monotonic() + 30
    while (
        httpx.get(f"{base}/v1/health", headers=auth).json()["health"]["gateway_status"]
        != "connected"
    ):
        if time.monotonic() > deadline:
            raise SystemExit("the coreapp did not connect")
        time.sleep(0.1)
    httpx.post(
        f"{control}/customers/{CUSTOMER}/messages", json={"type": "text", "text": {"body": "hi"}}
    ).raise_for_status()
    time.sleep(0.5)


def settle(env: dict[str, str], started: float) -> str:
    """Wait until every accepted message is read; report the counts and the drain time."""

    async def counts() -> dict[str, int]:
        import sqlalchemy as sa

        from waemu.storage.engine import create_engine

        engine = create_engine(Settings.from_env(env).db)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    sa.text(
                        "SELECT status, COUNT(*) FROM messages WHERE direction = 'out' "
                        "GROUP BY status"
                    )
                )
                return {status: int(n) for status, n in rows}
        finally:
            await engine.dispose()

    last: dict[str, int] = {}
    for _ in range(600):
        last = asyncio.run(counts())
        if set(last) <= {"read", "failed"}:
            break
        time.sleep(0.5)
    return f"statuses={last} all_read_after={time.monotonic() - started:.1f}s"


def run_wrk(base: str, token: str, endpoint: str, seconds: int, connections: int) -> str:
    method, path, body = ENDPOINTS[endpoint]
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        f'wrk.method = "{method}"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        + (f"wrk.body = {json.dumps(json.dumps(body))}\n" if body else "")
    )
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"{base}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script.unlink()
    return out


def wrk_figures(out: str) -> dict[str, float]:
    """requests/s, p50/p99 (ms), requests and non-2xx answers from wrk's report."""
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        return float(number) * units[unit]

    lat = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": ms(lat["50"]) if "50" in lat else float("nan"),
        "p99": ms(lat["99"]) if "99" in lat else float("nan"),
        "requests": float(done.group(1)) if done else 0.0,
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def measure_ceiling(seconds: int, connections: int) -> float:
    """Requests/s of the bare endpoint (bench/ceiling.py) under the same load."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "ceiling.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(f"{base}/v1/messages", json={})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("the ceiling endpoint did not start") from None
                time.sleep(0.1)
        return wrk_figures(run_wrk(base, "ceiling", "messages", seconds, connections))["rps"]
    finally:
        proc.terminate()
        proc.wait(15)


def _receive_webhooks(port: int, events: Any, posts: Any) -> None:
    """A webhook receiver (its own process): answers 200 and counts notifications."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                body = json.loads(await reader.readexactly(length))
                with events.get_lock():
                    events.value += len(body.get("statuses", [])) + len(body.get("messages", []))
                    posts.value += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class WebhookCounter:
    """A local webhook receiver in a child process, so it takes no time from the bench's own
    load generator; ``events`` and ``posts`` count what arrived."""

    def __init__(self) -> None:
        port = free_port()
        self._events = multiprocessing.Value("q", 0)
        self._posts = multiprocessing.Value("q", 0)
        self._process = multiprocessing.Process(
            target=_receive_webhooks, args=(port, self._events, self._posts), daemon=True
        )
        self._process.start()
        self.url = f"http://127.0.0.1:{port}/hook"

    @property
    def events(self) -> int:
        return int(self._events.value)

    @property
    def posts(self) -> int:
        return int(self._posts.value)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)


class Emulator:
    """The three processes on one engine, a registered number and a customer who wrote."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.tmp = Path(tempfile.mkdtemp())
        port = free_port()
        self.env = {
            **os.environ,
            **database_env(engine, self.tmp),
            "WACORE_PORT": str(free_port()),
            "WA_WEB_PORT": str(port),
            "WA_WEB_TLS": "0",
            "WA_NETWORK_PORT": str(free_port()),
            "WA_NETWORK_CONTROL_PORT": str(free_port()),
            "WA_NETWORK_DATA_DIR": str(self.tmp / "network"),
            "WA_LOG_LEVEL": "WARNING",
        }
        self.base = f"http://127.0.0.1:{port}"
        self.control = f"http://127.0.0.1:{self.env['WA_NETWORK_CONTROL_PORT']}"
        self.procs = start(self.env, self.tmp)
        try:
            self.token = wait_token(self.base)
        except BaseException:
            self.stop()
            raise

    def register(self) -> None:
        register(self.base, self.control, self.token)

    def point_webhooks(self, url: str) -> None:
        settings = {"webhooks": {"url": url, "max_concurrent_requests": 24}}
        httpx.patch(
            f"{self.base}/v1/settings/application",
            json=settings,
            headers={"Authorization": f"Bearer {self.token}"},
        ).raise_for_status()

    def open_loop(self, rate: float, seconds: float) -> OpenLoopResult:
        """``POST /v1/messages`` at a fixed rate, latency from each request's due time."""
        _method, path, body = ENDPOINTS["messages"]
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        request = build_request(self.base + path, "POST", headers, json.dumps(body).encode())
        return asyncio.run(run_open_loop(self.base + path, request, rate, seconds))

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each process, and by the database server's
        processes (``mariadbd``, ``postgres``; SQLite runs inside the coreapp)."""
        used = {role: process_cpu(proc.pid) for role, proc in zip(ROLES, self.procs, strict=True)}
        servers = DATABASE_PROCESSES.get(self.engine, ())
        used["database"] = sum(
            process_cpu(int(entry.name))
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and process_name(int(entry.name)) in servers
        )
        return used

    def cpu_per_message(self, before: dict[str, float], messages: int) -> str:
        """CPU ms per message of each process since ``before``."""
        after = self.cpu_seconds()
        return "cpu ms/message: " + " ".join(
            f"{name}={1000 * (after[name] - before[name]) / max(messages, 1):.2f}" for name in after
        )

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(15)
        asyncio.run(drop_database(Settings.from_env(self.env).db))
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_for_webhooks(hooks: WebhookCounter, expected: int, ended: float) -> str:
    """How far the outbox was behind when the load stopped, and how long it took to catch up
    (``delivered`` and ``read`` for each message; ``sent`` is off by default)."""
    at_end = hooks.events
    for _ in range(1200):
        if hooks.events >= expected:
            break
        time.sleep(0.05)
    return (
        f"webhooks: {hooks.events} of {expected} events in {hooks.posts} POSTs; "
        f"{expected - at_end} behind when the load stopped, all in "
        f"{time.monotonic() - ended:.1f}s after"
    )


def report(engines: list[str], seconds: int, connections: int, rate: float) -> None:
    """The whole table in one run: per engine the ceiling, then closed and open loop, each
    without and with webhooks."""
    for engine in engines:
        # Measured again before each engine: a shared machine's speed drifts within minutes.
        ceiling = measure_ceiling(seconds, connections)
        print(f"ceiling (bench/ceiling.py, {connections} connections): {ceiling:.0f} req/s")
        for with_hooks in (False, True):
            emulator = Emulator(engine)  # a fresh database for each half
            hooks = WebhookCounter() if with_hooks else None
            try:
                emulator.register()
                if hooks is not None:
                    emulator.point_webhooks(hooks.url)
                _report_engine(emulator, hooks, ceiling, seconds, connections, rate)
            finally:
                if hooks is not None:
                    hooks.stop()
                emulator.stop()


def _report_engine(
    emulator: Emulator,
    hooks: WebhookCounter | None,
    ceiling: float,
    seconds: int,
    connections: int,
    rate: float,
) -> None:
    label = f"{emulator.engine}{' +webhooks' if hooks is not None else ''}"
    before = hooks.events if hooks is not None else 0
    cpu = emulator.cpu_seconds()
    out = run_wrk(emulator.base, emulator.token, "messages", seconds, connections)
    ended = time.monotonic()
    figures = wrk_figures(out)
    print(
        f"{label}: {figures['rps']:.0f} messages/s ({figures['rps'] / ceiling:.3f} of the "
        f"ceiling) p50={figures['p50']:.1f}ms p99={figures['p99']:.1f}ms "
        f"errors={figures['errors']:.0f}"
    )
    if hooks is not None:
        print(f"  {wait_for_webhooks(hooks, before + 2 * int(figures['requests']), ended)}")
    print(f"  {settle(emulator.env, ended)}")
    print(f"  {emulator.cpu_per_message(cpu, int(figures['requests']))}")
    before = hooks.events if hooks is not None else 0
    cpu = emulator.cpu_seconds()
    result = emulator.open_loop(rate, seconds)
    ended = time.monotonic()
    print(f"{label}: {result.summary()}")
    if hooks is not None:
        print(f"  {wait_for_webhooks(hooks, before + 2 * len(result.latencies), ended)}")
    print(f"  {settle(emulator.env, ended)}")
    print(f"  {emulator.cpu_per_message(cpu, len(result.latencies))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--engine", default="sqlite", choices=["sqlite", "postgres", "mysql", "all"]
    )
    parser.add_argument("--endpoint", default="health", choices=sorted(ENDPOINTS))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--report",
        action="store_true",
        help="messages on each --engine: ceiling, closed and open loop, without and with "
        "webhooks, in one run",
    )
    parser.add_argument("--rate", type=float, default=250.0, help="the open loop's messages/s")
    parser.add_argument(
        "--open-loop",
        action="store_true",
        help="messages: send at --rate instead of as fast as wrk can",
    )
    parser.add_argument(
        "--webhooks",
        action="store_true",
        help="messages: point webhooks.url at a local receiver and count what it gets",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install wrk")
    engines = ["sqlite", "postgres", "mysql"] if args.engine == "all" else [args.engine]
    if args.report:
        report(engines, args.seconds, args.connections, args.rate)
        return
    for engine in engines:
        emulator = Emulator(engine)
        hooks = WebhookCounter() if args.webhooks else None
        try:
            if args.endpoint == "messages" or args.open_loop:
                emulator.register()
            if hooks is not None:
                emulator.point_webhooks(hooks.url)
            cpu = emulator.cpu_seconds()
            if args.open_loop:
                result = emulator.open_loop(args.rate, args.seconds)
                ended = time.monotonic()
                print(f"engine={engine} {result.summary()}")
                accepted = len(result.latencies)
            else:
                out = run_wrk(
                    emulator.base, emulator.token, args.endpoint, args.seconds, args.connections
                )
                ended = time.monotonic()
                figures = wrk_figures(out)
                print(
                    f"engine={engine} endpoint={args.endpoint} connections={args.connections} "
                    f"req/s={figures['rps']:.2f} p50={figures['p50']:.2f}ms "
                    f"p99={figures['p99']:.2f}ms errors={figures['errors']:.0f}"
                )
                accepted = int(figures["requests"])
            if hooks is not None:
                print(wait_for_webhooks(hooks, 2 * accepted, ended))
            if args.endpoint == "messages" or args.open_loop:
                print(settle(emulator.env, ended))
            print(emulator.cpu_per_message(cpu, accepted))
        finally:
            if hooks is not None:
                hooks.stop()
            emulator.stop()


if __name__ == "__main__":
    main()
