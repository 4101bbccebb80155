"""A multiconnect cluster of real processes for the tests (docs/cluster.md): the network, the
nodes of ``waemu run --cluster`` (``supervisor.cluster_layout``: the same commands and
variables) on free ports, registered, with webhooks to a real receiver."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import drop_env_database
from tests.databases import free_port
from tests.e2e.test_startup import receiver_thread
from tests.receiver import Receiver
from tests.stacks import LINK_ENV, Process, bearer, first_login, wait_until
from waemu.supervisor import cluster_layout

CC, PHONE, VNAME = "1", "6315550100", "Cluster Shop"
WA_ID = CC + PHONE
# Seed customers on each side of two shards (protocol/shards.py).
ON_SHARD_0, ON_SHARD_1 = "447700900001", "16315551001"
QUICK = {"delivery_delay": 0.02, "read_delay": 0.02}
# Failover in seconds instead of half a minute (application settings, spec §9.1).
FAST_FAILOVER = {"heartbeat_interval": 1, "unhealthy_interval": 3}


class Cluster:
    """The processes, a token, the webapps' and the control API's clients."""

    def __init__(self, db_env: dict[str, str], tmp_path: Path, coreapps: int = 3) -> None:
        self.env = {
            **LINK_ENV,
            **db_env,
            "WA_NETWORK_PORT": str(free_port()),
            "WA_NETWORK_CONTROL_PORT": str(free_port()),
            "WA_NETWORK_DATA_DIR": str(tmp_path / "network"),
            "WA_WEB_TLS": "0",
            "WA_CORE_CONNECT_TIMEOUT": "1",
            "WA_LOG_LEVEL": "INFO",  # what the nodes decided is in the logs of a failure
        }
        core_ports = [free_port() for _ in range(2 + coreapps)]
        web_ports = [free_port(), free_port()]
        self.network = Process("network", self.env, tmp_path)
        self.nodes = {
            node.name: Process(node.command, {**self.env, **node.env}, tmp_path, node.name)
            for node in cluster_layout(core_ports, web_ports)
        }
        self.webapps = [
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) for port in web_ports
        ]
        self.control = httpx.Client(
            base_url=f"http://127.0.0.1:{self.env['WA_NETWORK_CONTROL_PORT']}", timeout=30
        )
        self.headers: dict[str, str] = {}

    def start(self) -> None:
        self.network.start()
        for process in self.nodes.values():
            process.start()
        wait_until(self._answering, 90, "the cluster to start")
        self.headers = bearer(first_login(self.webapps[0]))

    def _answering(self) -> bool:
        for process in (self.network, *self.nodes.values()):
            assert process.proc is not None
            if process.proc.poll() is not None:
                raise AssertionError(f"{process.name} exited:\n{process.log()}")
        try:
            answers = [
                web.post("/v1/users/login", auth=("admin", "secret")) for web in self.webapps
            ]
        except httpx.TransportError:
            return False
        return all(a.status_code in (200, 401) for a in answers)

    def stop(self) -> None:
        for process in [*reversed(self.nodes.values()), self.network]:
            if process.proc is not None:
                process.stop()
        for client in (*self.webapps, self.control):
            client.close()
        drop_env_database(self.env)

    def logs(self) -> str:
        lines = []
        for process in self.nodes.values():
            kept = [line for line in process.log().splitlines() if "waemu." in line]
            lines += [f"--- {process.name}", *kept[-40:]]
        return "\n".join(lines)

    # -- as the business and the customers ------------------------------------------------

    def health(self, web: int = 0) -> dict[str, dict[str, str]]:
        response = self.webapps[web].get("/v1/health", headers=self.headers)
        assert response.status_code == 200, response.text
        health: dict[str, dict[str, str]] = response.json()["health"]
        return health

    def register(self, shards: int) -> None:
        """Register the number through one webapp, set the shards through the other."""
        cert = self.control.post(
            "/certificates", json={"cc": CC, "phone_number": PHONE, "vname": VNAME}
        ).json()["cert"]
        body = {"cc": CC, "phone_number": PHONE, "method": "sms", "cert": cert}
        requested = self.webapps[0].post("/v1/account", json=body, headers=self.headers)
        assert requested.status_code == 202, requested.text
        code = self.control.get(f"/accounts/{WA_ID}/code").json()["code"]
        verified = self.webapps[0].post(
            "/v1/account/verify", json={"code": code}, headers=self.headers
        )
        assert verified.status_code == 201, verified.text
        if shards != 1:
            changed = self.webapps[1].post(
                "/v1/account/shards",
                json={"cc": CC, "phone_number": PHONE, "shards": shards, "cert": cert},
                headers=self.headers,
            )
            assert changed.status_code == 201, changed.text
        wait_until(lambda: self.connected_coreapps() == shards, 60, f"{shards} shard owners")

    def connected_coreapps(self) -> int:
        return sum(
            1
            for node in self.health().values()
            if node["role"] == "coreapp" and node["gateway_status"] == "connected"
        )

    def settings(self, **values: Any) -> None:
        patched = self.webapps[1].patch(
            "/v1/settings/application", json=values, headers=self.headers
        )
        assert patched.status_code == 200, patched.text

    def send(self, to: str, web: int = 0, body: str = "hello") -> httpx.Response:
        message = {"to": to, "type": "text", "text": {"body": body}}
        return self.webapps[web].post("/v1/messages", json=message, headers=self.headers)

    def customer_writes(self, customer: str, text: str) -> None:
        written = self.control.post(
            f"/customers/{customer}/messages", json={"type": "text", "text": {"body": text}}
        )
        assert written.status_code in (200, 201), written.text

    def quick(self, *customers: str) -> None:
        for customer in customers:
            assert self.control.patch(f"/customers/{customer}", json=QUICK).status_code == 200

    def phone(self, customer: str) -> list[dict[str, Any]]:
        """What the customer's phone shows (both directions)."""
        shown: list[dict[str, Any]] = self.control.get(f"/customers/{customer}/messages").json()[
            "messages"
        ]
        return shown

    def owner_of(self, shard: int) -> str:
        """The name of the node logged in on ``shard``, as the network's control API shows
        its sessions (``127.0.0.1:wacore2`` → ``wacore2``); "" while nobody is."""
        sessions = self.control.get("/health").json()["sessions"]
        nodes = [s["node"] for s in sessions if s.get("shard") == shard and s.get("wa_id")]
        assert len(nodes) <= 1, f"two logins on shard {shard}: {nodes}"
        return str(nodes[0]).rsplit(":", 1)[1] if nodes else ""

    def kill(self, name: str) -> None:
        self.nodes[name].stop(signal.SIGKILL)


@contextmanager
def running_cluster(db_env: dict[str, str], tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(db_env, tmp_path)
    try:
        cluster.start()
        yield cluster
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()


@contextmanager
def hooks() -> Iterator[Receiver]:
    with receiver_thread() as receiver:
        yield receiver


def statuses(receiver: Receiver) -> dict[str, set[str]]:
    """Every message id and the statuses the webhook got for it."""
    found: dict[str, set[str]] = {}
    for body in list(receiver.bodies):
        for status in body.get("statuses", []):
            found.setdefault(str(status["id"]), set()).add(str(status["status"]))
    return found


def inbound(receiver: Receiver) -> list[str]:
    """The senders of the customer messages the webhook got."""
    return [str(m["from"]) for body in list(receiver.bodies) for m in body.get("messages", [])]
