"""The web inbox served by the real network process (``waemu network``): the page and its
assets come from the installed package, and an open event stream ends when the process is
told to stop, instead of holding its server's graceful shutdown until it is cut."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.databases import free_port
from tests.stacks import Process, wait_until

pytestmark = pytest.mark.slow


def test_an_open_event_stream_ends_when_the_network_stops(tmp_path: Path) -> None:
    port = free_port()
    network = Process(
        "network",
        {
            "WA_NETWORK_PORT": str(free_port()),
            "WA_NETWORK_CONTROL_PORT": str(port),
            "WA_NETWORK_DATA_DIR": str(tmp_path / "network"),
            "WA_LOG_LEVEL": "INFO",
        },
        tmp_path,
    )
    network.start()
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    ended = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", f"{base}/events", timeout=30) as response:
                for line in response.iter_lines():
                    lines.append(line)
        except httpx.HTTPError as exc:
            lines.append(f"error: {exc}")
        ended.set()

    try:

        def up() -> bool:
            try:
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, 30, "the network's control API")
        page = httpx.get(f"{base}/ui", timeout=5)
        assert page.status_code == 200 and "/ui/assets/app.js" in page.text
        assert httpx.get(f"{base}/ui/assets/chats.js", timeout=5).status_code == 200
        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        wait_until(lambda: any('"hello"' in line for line in lines), 10, "the stream's hello")
        assert network.stop(signal.SIGTERM, timeout=30) == 0, network.log()
        assert ended.wait(10)
        reader.join(10)
    finally:
        if network.proc is not None and network.proc.poll() is None:
            network.stop()
    log = network.log()
    assert "network stopped" in log
    assert "timeout graceful shutdown exceeded" not in log, log
    assert not any(line.startswith("error") for line in lines), lines
