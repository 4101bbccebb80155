"""Measure a multiconnect cluster (docs/cluster.md): messages/s through two webapps with 1, 2
and 4 shards on PostgreSQL, and the failover time of a killed shard owner.

    .venv/bin/python bench/cluster.py --shards 1 2 4 --seconds 10

For each shard count: the network, two masters, one coreapp per shard plus a standby, and two
webapps (``supervisor.cluster_layout``, as ``waemu run --cluster``), a registered number split
into that many shards, and 32 customers who wrote first; then ``wrk`` on each webapp at once
(16 connections each), every send to the next customer in turn, so the load spreads over the
shards. The ceiling (``bench/ceiling.py``) is measured in the same run.

Failover: with ``heartbeat_interval`` 1 s and ``unhealthy_interval`` 3 s, one send every 50 ms
to a customer of shard 0; the owner of shard 0 is killed with SIGKILL; the time from the kill
to the first send answered 201 after it is the failover time (the webapps retry a refused or
unreachable send on the node the map names next, so it is also how long that send waited).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, measure_ceiling, wrk_figures  # noqa: E402
from tests.databases import database_env, free_port  # noqa: E402

from waemu.protocol.shards import shard_of  # noqa: E402
from waemu.settings import Settings  # noqa: E402
from waemu.storage.engine import drop_database  # noqa: E402
from waemu.supervisor import cluster_layout  # noqa: E402

CUSTOMERS = [f"1631555{n:04d}" for n in range(2000, 2032)]
QUICK = {"delivery_delay": 0.05, "read_delay": 0.05}


class ClusterRun:
    """A started cluster with ``coreapps`` coreapp nodes, registered, ``shards`` shards."""

    def __init__(self, engine: str, coreapps: int) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        self.env = {
            **os.environ,
            **database_env(engine, self.tmp),
            "WA_NETWORK_PORT": str(free_port()),
            "WA_NETWORK_CONTROL_PORT": str(free_port()),
            "WA_NETWORK_DATA_DIR": str(self.tmp / "network"),
            "WA_WEB_TLS": "0",
            "WA_LOG_LEVEL": "WARNING",
            "WA_BCRYPT_ROUNDS": "4",
        }
        web_ports = [free_port(), free_port()]
        self.nodes = cluster_layout([free_port() for _ in range(2 + coreapps)], web_ports)
        self.bases = [f"http://127.0.0.1:{port}" for port in web_ports]
        self.control = f"http://127.0.0.1:{self.env['WA_NETWORK_CONTROL_PORT']}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._start("network", "network", {})
        for node in self.nodes:
            self._start(node.name, node.command, node.env)
        self.token = self._login()
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def _start(self, name: str, command: str, env: dict[str, str]) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "waemu", command],
            env={**self.env, **env},
            stdout=log,
            stderr=log,
        )

    def _login(self) -> str:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                r = httpx.post(
                    f"{self.bases[0]}/v1/users/login",
                    auth=("admin", "secret"),
                    json={"new_password": PASSWORD},
                    timeout=30,
                )
                if r.status_code == 200:
                    return str(r.json()["users"][0]["token"])
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise SystemExit("the cluster did not start")

    def prepare(self, shards: int) -> None:
        """Fast failover settings, the number registered and split, customers who wrote."""
        api = httpx.Client(base_url=self.bases[1], headers=self.headers, timeout=60)
        control = httpx.Client(base_url=self.control, timeout=30)
        fast = {"heartbeat_interval": 1, "unhealthy_interval": 3}
        api.patch("/v1/settings/application", json=fast).raise_for_status()
        cert = control.post(
            "/certificates", json={"cc": "1", "phone_number": "6315550100", "vname": "Bench"}
        ).json()["cert"]
        body = {"cc": "1", "phone_number": "6315550100", "method": "sms", "cert": cert}
        assert api.post("/v1/account", json=body).status_code == 202
        code = control.get("/accounts/16315550100/code").json()["code"]
        assert api.post("/v1/account/verify", json={"code": code}).status_code == 201
        if shards > 1:
            changed = api.post(
                "/v1/account/shards",
                json={"cc": "1", "phone_number": "6315550100", "shards": shards, "cert": cert},
            )
            assert changed.status_code == 201, changed.text
        deadline = time.monotonic() + 60
        while self.connected(api) < shards:
            if time.monotonic() > deadline:
                raise SystemExit(f"{shards} shard owners did not connect")
            time.sleep(0.3)
        for customer in CUSTOMERS:
            control.put(
                f"/customers/{customer}", json={"wa_id": customer, "name": customer, **QUICK}
            ).raise_for_status()
            control.post(
                f"/customers/{customer}/messages", json={"type": "text", "text": {"body": "hi"}}
            ).raise_for_status()
        time.sleep(2)
        api.close()
        control.close()

    def connected(self, api: httpx.Client) -> int:
        health = api.get("/v1/health").json()["health"]
        return sum(
            1
            for n in health.values()
            if n["role"] == "coreapp" and n["gateway_status"] == "connected"
        )

    def wrk(self, seconds: int, connections: int) -> tuple[float, float, float]:
        """wrk on both webapps at once; requests/s summed, the worse p50 and p99."""
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(
            'wrk.method = "POST"\n'
            f'wrk.headers["Authorization"] = "Bearer {self.token}"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"customers = {{{', '.join(json.dumps(c) for c in CUSTOMERS)}}}\n"
            "n = 0\n"
            "request = function()\n"
            "  n = n + 1\n"
            "  local to = customers[(n % #customers) + 1]\n"
            '  local body = \'{"to":"\' .. to .. \'","type":"text","text":{"body":"bench"}}\'\n'
            '  return wrk.format(nil, "/v1/messages", nil, body)\n'
            "end\n"
        )
        runs = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    base,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for base in self.bases
        ]
        figures = [wrk_figures(run.communicate()[0]) for run in runs]
        script.unlink()
        errors = sum(f["errors"] for f in figures)
        if errors:
            print(f"  {errors:.0f} answers were not 201")
        return (
            sum(f["rps"] for f in figures),
            max(f["p50"] for f in figures),
            max(f["p99"] for f in figures),
        )

    def failover(self) -> float:
        """Kill the owner of shard 0; seconds from the kill to the next 201 on that shard."""
        sessions = httpx.get(f"{self.control}/health").json()["sessions"]
        (owner,) = [s["node"] for s in sessions if s.get("shard") == 0 and s.get("wa_id")]
        shards = next(s["shards"] for s in sessions if s.get("shard") == 0)
        customer = next(c for c in CUSTOMERS if shard_of(c, shards) == 0)
        message = {"to": customer, "type": "text", "text": {"body": "failover"}}
        api = httpx.Client(base_url=self.bases[0], headers=self.headers, timeout=60)
        assert api.post("/v1/messages", json=message).status_code == 201
        self.procs[owner.rsplit(":", 1)[1]].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        while time.monotonic() - killed < 60:
            if api.post("/v1/messages", json=message).status_code == 201:
                api.close()
                return time.monotonic() - killed
            time.sleep(0.05)
        raise SystemExit("no send was accepted within 60 s of the kill")

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(drop_database(Settings.from_env(self.env).db))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="postgres", choices=["postgres", "mysql"])
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16, help="per webapp")
    args = parser.parse_args()
    ceiling = measure_ceiling(args.seconds, 2 * args.connections)
    print(f"ceiling (bench/ceiling.py, {2 * args.connections} connections): {ceiling:.0f} req/s")
    for shards in args.shards:
        run = ClusterRun(args.engine, coreapps=shards + 1)
        try:
            run.prepare(shards)
            rps, p50, p99 = run.wrk(args.seconds, args.connections)
            print(
                f"{args.engine} {shards} shard(s), {shards + 1} coreapps: {rps:.0f} messages/s "
                f"({rps / ceiling:.3f} of the ceiling) p50={p50:.1f}ms p99={p99:.1f}ms"
            )
            print(f"  failover of shard 0's owner: {run.failover():.1f}s to the next 201")
        finally:
            run.stop()


if __name__ == "__main__":
    main()
