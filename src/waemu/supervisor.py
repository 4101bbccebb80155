"""``waemu run``: network, coreapp and webapp as child processes, started and stopped
together; ``waemu run --cluster N``: the network, two masters, N coreapps and two webapps of a
multiconnect cluster (docs/cluster.md)."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from waemu.protocol import framing, ops
from waemu.settings import Settings

STOP_GRACE_SECONDS = 10.0


MASTERS = 2
WEBAPPS = 2


@dataclass(frozen=True, slots=True)
class Node:
    """One process of a cluster: its name, its ``waemu`` command and its own variables."""

    name: str
    command: str
    env: dict[str, str] = field(default_factory=dict)


def cluster_layout(
    core_ports: list[int], web_ports: list[int], masters: int = MASTERS
) -> list[Node]:
    """The cluster of Meta's multiconnect compose file on one machine: the first ``masters``
    core ports are masters, the others coreapps; one webapp per web port. Each node is
    reached on 127.0.0.1 and named by its container id (``master1``, ``wacore1``…)."""
    nodes = []
    for index, port in enumerate(core_ports):
        master = index < masters
        name = f"master{index + 1}" if master else f"wacore{index - masters + 1}"
        env = {
            "WA_APP_MULTICONNECT": "1",
            "WA_MASTER_NODE": "1" if master else "0",
            "WACORE_PORT": str(port),
            "COREAPP_EXTERNAL_PORTS": str(port),
            "COREAPP_HOSTNAME": "127.0.0.1",
            "WA_CONTAINER_ID": name,
        }
        nodes.append(Node(name, "coreapp", env))
    for index, port in enumerate(web_ports):
        env = {"WA_APP_MULTICONNECT": "1", "WA_WEB_PORT": str(port)}
        nodes.append(Node(f"waweb{index + 1}", "webapp", env))
    return nodes


def _spawn(command: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "waemu", command],
        env={**os.environ, **(env or {})},
        start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops the children
    )


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _coreapp_initialized(port: int) -> bool:
    """Whether the coreapp answers health with a state past ``uninitialized``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.settimeout(2)
            conn.sendall(framing.encode({"i": 1, "op": ops.HEALTH, "p": {"apikey": True}}))
            header = conn.recv(framing.HEADER.size, socket.MSG_WAITALL)
            (length,) = framing.HEADER.unpack(header)
            reply = json.loads(conn.recv(length, socket.MSG_WAITALL))
    except (OSError, ValueError, struct.error):
        return False
    result = reply.get("r", {})
    if "gateway_status" not in result:  # a cluster: every node by its key (spec §10.1)
        return any(node.get("gateway_status") != "uninitialized" for node in result.values())
    return bool(result["gateway_status"] != "uninitialized")


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child (webapp first), then SIGKILL what is still running."""
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _banner(settings: Settings) -> str:
    scheme = "https" if settings.web_tls else "http"
    url = f"{scheme}://localhost:{settings.web_port}"
    lines = [
        "",
        f"  WhatsApp Business On-Premises API emulator {settings.api_version}",
        f"  API:       {url}/v1   (self-signed certificate: use curl -k)"
        if settings.web_tls
        else f"  API:       {url}/v1",
        "  Login:     admin / secret  (change it on first login with new_password)",
        f"  Database:  {settings.db.engine} ({settings.db.database_name})",
        f"  Network:   control API on http://localhost:{settings.network_control_port}/docs",
        f"  Inbox:     http://localhost:{settings.network_control_port}/ui"
        "   (chat as the customers, watch ticks and webhooks)",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def _cluster_banner(settings: Settings, nodes: list[Node]) -> str:
    scheme = "https" if settings.web_tls else "http"
    webapps = [n.env["WA_WEB_PORT"] for n in nodes if n.command == "webapp"]
    cores = [f"{n.name} :{n.env['WACORE_PORT']}" for n in nodes if n.command == "coreapp"]
    return "\n".join(
        [
            "",
            f"  WhatsApp Business On-Premises API emulator {settings.api_version}: a cluster",
            *(f"  API:       {scheme}://localhost:{port}/v1" for port in webapps),
            f"  Nodes:     {', '.join(cores)}",
            "  Login:     admin / secret  (change it on first login with new_password)",
            f"  Database:  {settings.db.engine} ({settings.db.database_name})",
            f"  Network:   control API on http://localhost:{settings.network_control_port}/docs",
            "  A node killed stays down (its shard moves to a standby); Ctrl-C stops everything.",
            "",
        ]
    )


def supervise(settings: Settings, cluster: int | None = None) -> int:
    """Run until Ctrl-C/SIGTERM or until a child exits (in a cluster: until the network
    does; a node that exits is a failure to watch, docs/cluster.md); returns the exit code."""
    stopping = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    nodes: list[Node] = []
    if cluster is not None:
        core_ports = [settings.core_port + i for i in range(MASTERS + cluster)]
        nodes = cluster_layout(core_ports, [settings.web_port + i for i in range(WEBAPPS)])
        children = [_spawn("network"), *(_spawn(n.command, n.env) for n in nodes)]
        banner, web_port = _cluster_banner(settings, nodes), settings.web_port
    else:
        children = [_spawn("network"), _spawn("coreapp"), _spawn("webapp")]
        banner, web_port = _banner(settings), settings.web_port
    names = ["network", *(n.name for n in nodes)] if nodes else ["network", "coreapp", "webapp"]
    reported: set[int] = set()
    announced = False
    code = 0
    try:
        while not stopping:
            exited = [i for i, c in enumerate(children) if c.poll() is not None]
            fatal = [i for i in exited if not nodes or i == 0]
            if fatal:
                code = children[fatal[0]].returncode or 1
                print(
                    f"waemu: {names[fatal[0]]} exited with code {code}; stopping",
                    file=sys.stderr,
                )
                break
            for index in set(exited) - reported:
                reported.add(index)
                print(
                    f"waemu: {names[index]} exited with code {children[index].returncode}; "
                    "the cluster goes on without it",
                    file=sys.stderr,
                )
            if not announced and _listening(web_port) and _coreapp_initialized(settings.core_port):
                print(banner, flush=True)
                announced = True
            time.sleep(0.2)
    finally:
        _stop(children)
    return code
