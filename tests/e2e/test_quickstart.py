"""The README's first command: ``scripts/start`` brings up HTTPS on the chosen port, prints
the URL and credentials, and Ctrl-C stops everything cleanly."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.databases import free_port
from tests.stacks import ADMIN_PASSWORD, FAST_ENV, bearer, wait_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_start_script_serves_https_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        **FAST_ENV,
        "WA_DATA_DIR": str(tmp_path / "data"),
        "WACORE_PORT": str(free_port()),
        "WA_NETWORK_PORT": str(free_port()),
        "WA_NETWORK_CONTROL_PORT": str(free_port()),
    }
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "start"), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until(lambda: "Ctrl-C stops everything" in "".join(output), 120, "the banner")
        banner = "".join(output)
        assert f"https://localhost:{port}/v1" in banner
        assert "admin / secret" in banner

        # The self-signed certificate generated on first start is what the server presents.
        cert = tmp_path / "data" / "certs" / "webapp.crt"
        with httpx.Client(
            base_url=f"https://localhost:{port}", verify=ssl.create_default_context(cafile=cert)
        ) as http:
            login = http.post(
                "/v1/users/login",
                auth=("admin", "secret"),
                json={"new_password": ADMIN_PASSWORD},
            )
            assert login.status_code == 200, login.text
            token = login.json()["users"][0]["token"]
            health = http.get("/v1/health", headers=bearer(token))
            assert health.json()["health"] == {"gateway_status": "unregistered"}
        assert (tmp_path / "data" / "waent.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
        reader.join(5)
        if proc.stdout is not None:
            proc.stdout.close()
    assert code == 0, "".join(output)
