"""The real processes: coreapp crashes and restarts under a running webapp (all engines)."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.conftest import Processes, drop_env_database, start_processes
from tests.databases import database_env
from tests.stacks import ADMIN_PASSWORD, bearer, first_login, wait_until

pytestmark = pytest.mark.slow


def _assert_unreachable(response: httpx.Response, port: str) -> None:
    assert response.status_code == 500
    body = response.json()
    assert body["meta"]["api_status"] == "stable"
    (error,) = body["errors"]
    assert error["code"] == 1014
    assert error["title"] == "Internal error"
    assert error["details"] == (
        f"Connection timed out. Please check if wacore is running: 127.0.0.1:{port}"
    )
    assert response.headers["x-request-id"]


def test_killed_coreapp_gives_enveloped_errors_then_recovers(processes: Processes) -> None:
    with processes.client() as http:
        token = first_login(http)
        assert http.get("/v1/health", headers=bearer(token)).json()["health"] == {
            "gateway_status": "unregistered"
        }
        processes.coreapp.stop(signal.SIGKILL)
        for _ in range(3):  # the broken connection and every later attempt: same answer
            down = http.get("/v1/health", headers=bearer(token))
            _assert_unreachable(down, processes.env["WACORE_PORT"])
        login_down = http.post("/v1/users/login", auth=("admin", ADMIN_PASSWORD))
        _assert_unreachable(login_down, processes.env["WACORE_PORT"])

        processes.coreapp.start()

        def healthy() -> bool:
            # 200 "uninitialized" comes first, while the coreapp still loads its state.
            response = http.get("/v1/health", headers=bearer(token))
            return response.status_code == 200 and response.json()["health"] == {
                "gateway_status": "unregistered"
            }

        wait_until(healthy, 60, "the restarted coreapp to answer")
        # The token from before the crash is still valid: the key and the user persisted.
        assert http.post("/v1/users/logout", headers=bearer(token)).status_code == 200
        assert http.get("/v1/health", headers=bearer(token)).status_code == 401


def test_webapp_started_before_coreapp_answers_once_coreapp_is_up(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    running: Processes = start_processes(db_env, tmp_path)
    try:
        running.coreapp.stop()
        with running.client() as http:
            _assert_unreachable(
                http.post("/v1/users/login", auth=("admin", "secret")),
                running.env["WACORE_PORT"],
            )
            running.coreapp.start()
            wait_until(
                lambda: http.post("/v1/users/login", auth=("admin", "secret")).status_code == 401,
                60,
                "the coreapp to come up",
            )
    finally:
        for process in reversed(running.all()):
            assert process.stop() == 0, process.log()
        drop_env_database(running.env)


def test_sigterm_stops_every_process_cleanly(tmp_path: Path) -> None:
    env = {**database_env("sqlite", tmp_path), "WA_LOG_LEVEL": "INFO"}
    running = start_processes(env, tmp_path)
    for process in reversed(running.all()):
        assert process.stop(signal.SIGTERM) == 0, process.log()
    assert "coreapp stopped" in running.coreapp.log()
    assert "network stopped" in running.network.log()
