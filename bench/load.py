"""Measure the emulator under load: start coreapp + webapp (plain HTTP) on an engine, log in,
and drive one endpoint with wrk (Debian package ``wrk``) for a fixed time.

    .venv/bin/python bench/load.py --engine sqlite --endpoint health --seconds 10

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
}


def start(env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for role in ("coreapp", "webapp"):
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
        "WA_LOG_LEVEL": "WARNING",
    }
    procs = start(env, tmp)
    try:
        base = f"http://127.0.0.1:{port}"
        token = wait_token(base)
        out = run_wrk(base, token, args.endpoint, args.seconds, args.connections)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        lat = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", out))
        print(
            f"engine={args.engine} endpoint={args.endpoint} connections={args.connections} "
            f"req/s={rps.group(1) if rps else '?'} p50={lat.get('50')} p99={lat.get('99')} "
            f"errors={non2xx.group(1) if non2xx else 0}"
        )
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(15)
        asyncio.run(drop_database(Settings.from_env(env).db))


if __name__ == "__main__":
    main()
