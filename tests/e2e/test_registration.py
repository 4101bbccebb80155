"""Registering a number as a user does from the README, and the link to the network
surviving restarts of the network and of the coreapp (all engines, real processes)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import Processes, running_processes
from tests.stacks import ADMIN_PASSWORD, bearer, wait_until

pytestmark = pytest.mark.slow

CC, PHONE, VNAME = "1", "6315550100", "Acme Shop"
WA_ID = CC + PHONE


def register(running: Processes, http: httpx.Client, token: str) -> None:
    """Certificate from the network, code requested, code read back, code verified."""
    with httpx.Client(base_url=running.control_url) as control:
        issued = control.post(
            "/certificates", json={"cc": CC, "phone_number": PHONE, "vname": VNAME}
        )
        assert issued.status_code == 200, issued.text
        body = {"cc": CC, "phone_number": PHONE, "method": "sms", "cert": issued.json()["cert"]}
        requested = http.post("/v1/account", json=body, headers=bearer(token))
        assert requested.status_code == 202, requested.text
        assert requested.json()["account"] == [{"vname": VNAME}]
        code = control.get(f"/accounts/{WA_ID}/code").json()["code"]
    verified = http.post("/v1/account/verify", json={"code": code}, headers=bearer(token))
    assert verified.status_code == 201, verified.text
    assert set(verified.json()) == {"meta"}
    again = http.post("/v1/account", json=body, headers=bearer(token))
    assert again.status_code == 201, again.text  # already registered here: nothing to do


def gateway(http: httpx.Client, token: str) -> str:
    response = http.get("/v1/health", headers=bearer(token))
    if response.status_code != 200:
        return f"http {response.status_code}"
    status: str = response.json()["health"]["gateway_status"]
    return status


def socket_conn(http: httpx.Client, token: str) -> str:
    """``/v1/support``'s ``socket_conn``: "UP" once the startup is done (spec §10.4, §12)."""
    response = http.get("/v1/support", headers=bearer(token))
    if response.status_code != 200:
        return f"http {response.status_code}"
    value: str = response.json()["support"]["socket_conn"]
    return value


STARTUP = (
    ["connecting -> loading_templates", "loading_templates -> connected"],
    [
        "connecting -> loading_templates",
        "loading_templates -> receiving_offline",
        "receiving_offline -> connected",
    ],
)


def phases(running: Processes) -> list[str]:
    """The coreapp's logged phase changes, in order."""
    return [
        line.split("coreapp phase: ", 1)[1].strip()
        for line in running.coreapp.log().splitlines()
        if "coreapp phase: " in line
    ]


def test_registration_connects_and_survives_restarts(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    with (
        running_processes({**db_env, "WA_LOG_LEVEL": "INFO"}, tmp_path) as running,
        running.client() as http,
    ):
        login = http.post(
            "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
        )
        token = login.json()["users"][0]["token"]
        assert gateway(http, token) == "unregistered"
        register(running, http, token)
        wait_until(lambda: socket_conn(http, token) == "UP", 30, "connected and ready")

        # The network goes away: the coreapp notices, retries, and reconnects by itself.
        running.network.stop()
        wait_until(lambda: gateway(http, token) in ("disconnected", "connecting"), 30, "link lost")
        running.network.start()
        wait_until(lambda: socket_conn(http, token) == "UP", 30, "reconnected and ready")
        seen = phases(running)
        outage = seen[seen.index("connected -> disconnected") :]
        last = len(outage) - 1 - outage[::-1].index("disconnected -> connecting")
        # The new connection runs the startup again: templates, then offline messages.
        assert outage[last + 1 :] in STARTUP, outage
        # Before it: failed attempts, each "connecting" then "disconnected" again.
        retries = {"disconnected -> connecting", "connecting -> disconnected"}
        assert set(outage[1:last]) <= retries

        # The coreapp restarts: the registration persisted, it logs in again.
        running.coreapp.stop()
        running.coreapp.start()
        wait_until(lambda: socket_conn(http, token) == "UP", 60, "ready after restart")
        assert "uninitialized -> connecting" in phases(running)
