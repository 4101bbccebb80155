"""Measure the emulator under load: start network, coreapp and webapp (plain HTTP) on an
engine, log in, and drive one endpoint with wrk (Debian package ``wrk``) for a fixed time.

    .venv/bin/python bench/load.py --engine sqlite --endpoint messages --seconds 10

``messages`` registers a number first and lets the customer write, so every send is a text
inside the customer-service window that goes all the way: persisted, handed to the network,
delivered and read, each receipt persisted. After the run the script waits for the receipts
and reports how many messages ended ``read`` and how long that took.

Prints requests/s and latency percentiles. Numbers go to docs/performance.md; nothing here is
asserted by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def start(env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for role in ("network", "coreapp", "webapp"):
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


class WebhookCounter:
    """A local webhook receiver (a thread) that answers 200 and counts what arrives."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        counter = self
        self.posts = 0
        self.events = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with counter.lock:
                    counter.posts += 1
                    counter.events += len(body.get("statuses", [])) + len(body.get("messages", []))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgres", "mysql"])
    parser.add_argument("--endpoint", default="health", choices=sorted(ENDPOINTS))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--webhooks",
        action="store_true",
        help="messages: point webhooks.url at a local receiver and count what it gets",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    env = {
        **os.environ,
        **database_env(args.engine, tmp),
        "WACORE_PORT": str(free_port()),
        "WA_WEB_PORT": str(port),
        "WA_WEB_TLS": "0",
        "WA_NETWORK_PORT": str(free_port()),
        "WA_NETWORK_CONTROL_PORT": str(free_port()),
        "WA_NETWORK_DATA_DIR": str(tmp / "network"),
        "WA_LOG_LEVEL": "WARNING",
    }
    procs = start(env, tmp)
    try:
        base = f"http://127.0.0.1:{port}"
        token = wait_token(base)
        hooks = WebhookCounter() if args.webhooks else None
        if args.endpoint == "messages":
            register(base, f"http://127.0.0.1:{env['WA_NETWORK_CONTROL_PORT']}", token)
        if hooks is not None:
            settings = {"webhooks": {"url": hooks.url, "max_concurrent_requests": 24}}
            httpx.patch(
                f"{base}/v1/settings/application",
                json=settings,
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        started = time.monotonic()
        out = run_wrk(base, token, args.endpoint, args.seconds, args.connections)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        lat = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", out))
        print(
            f"engine={args.engine} endpoint={args.endpoint} connections={args.connections} "
            f"req/s={rps.group(1) if rps else '?'} p50={lat.get('50')} p99={lat.get('99')} "
            f"errors={non2xx.group(1) if non2xx else 0}"
        )
        if args.endpoint == "messages":
            print(settle(env, started))
        if hooks is not None:
            expected = 2 * int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
            for _ in range(600):  # delivered + read for each message (sent is off by default)
                if hooks.events >= expected:
                    break
                time.sleep(0.1)
            took = time.monotonic() - started
            print(
                f"webhooks: {hooks.events} events in {hooks.posts} POSTs, "
                f"{hooks.events / took:.0f} events/s over {took:.1f}s"
            )
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(15)
        asyncio.run(drop_database(Settings.from_env(env).db))


if __name__ == "__main__":
    main()
