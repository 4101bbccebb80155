"""``waemu run``: network, coreapp and webapp as child processes, started and stopped
together."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from types import FrameType

from waemu.protocol import framing, ops
from waemu.settings import Settings

STOP_GRACE_SECONDS = 10.0


def _spawn(command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "waemu", command],
        env=os.environ.copy(),
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
    return bool(reply.get("r", {}).get("gateway_status", "uninitialized") != "uninitialized")


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


def supervise(settings: Settings) -> int:
    """Run until Ctrl-C/SIGTERM or until a child exits; returns the exit code."""
    stopping = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    children = [_spawn("network"), _spawn("coreapp"), _spawn("webapp")]
    announced = False
    code = 0
    try:
        while not stopping:
            exited = [c for c in children if c.poll() is not None]
            if exited:
                code = exited[0].returncode or 1
                print(
                    f"waemu: a process exited with code {exited[0].returncode}; stopping",
                    file=sys.stderr,
                )
                break
            if (
                not announced
                and _listening(settings.web_port)
                and _coreapp_initialized(settings.core_port)
            ):
                print(_banner(settings), flush=True)
                announced = True
            time.sleep(0.2)
    finally:
        _stop(children)
    return code
