"""The startup after every login (spec §12) with the real processes: offline messages reach a
real webhook receiver before sends are accepted, an endless trickle ends at the cap, a dropped
connection runs the startup again, a template-load failure keeps the coreapp not ready."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Processes, running_processes
from tests.e2e.test_registration import WA_ID, register
from tests.receiver import Receiver
from tests.stacks import bearer, first_login, wait_until

pytestmark = pytest.mark.slow

ALICE = "16315551001"
TEXT = {"to": ALICE, "type": "text", "text": {"body": "hello"}}


@contextmanager
def receiver_thread() -> Iterator[Receiver]:
    """A real webhook receiver on its own event loop, for tests that are not async."""
    loop = asyncio.new_event_loop()
    receiver = Receiver()
    thread = threading.Thread(target=loop.run_forever, name="webhook-receiver", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(receiver.__aenter__(), loop).result(10)
    try:
        yield receiver
    finally:
        asyncio.run_coroutine_threadsafe(receiver.__aexit__(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def running_stack(db_env: dict[str, str], tmp_path: Path, **env: str) -> Iterator[Processes]:
    with running_processes({**db_env, "WA_LOG_LEVEL": "INFO", **env}, tmp_path) as running:
        yield running


def support(http: httpx.Client, token: str) -> dict[str, Any]:
    response = http.get("/v1/support", headers=bearer(token))
    if response.status_code != 200:
        return {"socket_conn": f"http {response.status_code}", "startup": None}
    body: dict[str, Any] = response.json()["support"]
    return body


def ready(http: httpx.Client, token: str) -> bool:
    return support(http, token)["socket_conn"] == "UP"


def registered(running: Processes, http: httpx.Client) -> str:
    """Log in, register, wait until ready; an admin token."""
    token = first_login(http)
    register(running, http, token)
    wait_until(lambda: ready(http, token), 30, "the coreapp to be ready")
    return token


def control(running: Processes) -> httpx.Client:
    return httpx.Client(base_url=running.control_url, timeout=10)


def is_refusal(response: httpx.Response) -> bool:
    if response.status_code != 503:
        return False
    (error,) = response.json()["errors"]
    return bool(error["code"] == 1011 and error["details"] == "Coreapp not ready")


def sends_until_accepted(http: httpx.Client, token: str) -> list[httpx.Response]:
    """POST /v1/messages every 50 ms until one is accepted; every answer, in order."""
    answers: list[httpx.Response] = []

    def accepted() -> bool:
        answers.append(http.post("/v1/messages", headers=bearer(token), json=TEXT))
        return answers[-1].status_code == 201

    wait_until(accepted, 30, "a send to be accepted")
    return answers


def test_offline_messages_reach_the_webhook_before_sends_are_accepted(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    with (
        receiver_thread() as receiver,
        running_stack(db_env, tmp_path) as running,
        running.client() as http,
        control(running) as network,
    ):
        token = registered(running, http)
        hook = {"webhooks": {"url": receiver.url}}
        assert http.patch("/v1/settings/application", headers=bearer(token), json=hook).is_success
        running.coreapp.stop()
        written = []
        for n in range(10):
            sent = network.post(
                f"/customers/{ALICE}/messages", json={"type": "text", "text": {"body": f"{n}"}}
            )
            assert sent.status_code == 200, sent.text
            written.append(sent.json()["id"])
        # Handed over slowly, so the not-ready period is long enough to be seen.
        assert network.put(f"/accounts/{WA_ID}/offline", json={"per_second": 5}).is_success
        running.coreapp.start()
        answers = sends_until_accepted(http, token)
        delivered = {m["id"] for body in list(receiver.bodies) for m in body.get("messages", [])}
        assert set(written) <= delivered  # every offline message reached the webhook first
        before = answers[:-1]
        assert any(is_refusal(a) for a in before)
        # Before the accepted send: errors only — 1014 while the coreapp could not be reached,
        # 1011 while it initialized its database, then 1011 "Coreapp not ready".
        codes = {(a.status_code, a.json()["errors"][0]["code"]) for a in before}
        assert codes <= {(500, 1014), (503, 1011)}, codes
        report = support(http, token)["startup"]
        assert report["offline"]["queued_at_login"] == 10
        assert report["offline"]["complete"] is True and report["offline"]["capped"] is False
    assert running.coreapp.log().count("Service not ready") == 1


def test_an_endless_offline_trickle_ends_at_the_cap(db_env: dict[str, str], tmp_path: Path) -> None:
    with (
        running_stack(db_env, tmp_path, WA_OFFLINE_DRAIN_MAX_SECONDS="2") as running,
        running.client() as http,
        control(running) as network,
    ):
        token = registered(running, http)
        held = network.put(f"/accounts/{WA_ID}/offline", json={"hold": True, "per_second": 4})
        assert held.is_success, held.text
        chatter = network.post(f"/customers/{ALICE}/chatter", json={"per_second": 4})
        assert chatter.status_code == 200, chatter.text
        assert network.post("/connections/drop", json={"wa_id": WA_ID}).json() == {"dropped": 1}
        wait_until(
            lambda: support(http, token)["socket_conn"] == "UP receiving offline", 30, "draining"
        )
        assert is_refusal(http.post("/v1/messages", headers=bearer(token), json=TEXT))
        wait_until(lambda: ready(http, token), 30, "the cap to end the drain")
        offline = support(http, token)["startup"]["offline"]
        assert offline == {**offline, "capped": True, "complete": False, "cap_seconds": 2.0}
        assert http.post("/v1/messages", headers=bearer(token), json=TEXT).status_code == 201
        stopped = network.delete(f"/customers/{ALICE}/chatter")
        assert stopped.status_code == 200 and stopped.json()["sent"] > 0
    assert "offline drain ended at the cap of 2.0s" in running.coreapp.log()


def test_a_dropped_connection_runs_the_startup_again(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    with (
        running_stack(db_env, tmp_path) as running,
        running.client() as http,
        control(running) as network,
    ):
        token = registered(running, http)
        assert network.put("/templates/delay", json={"seconds": 1.0}).is_success
        assert network.post("/connections/drop", json={"wa_id": WA_ID}).json() == {"dropped": 1}
        # The coreapp learns of the drop from its socket; sends before that are still taken.
        wait_until(lambda: not ready(http, token), 10, "the coreapp to see the drop")
        answers = sends_until_accepted(http, token)
        assert any(is_refusal(a) for a in answers[:-1])

        # The network process restarts: the link comes back and the startup runs again.
        running.network.stop()
        wait_until(lambda: not ready(http, token), 30, "the link to go down")
        running.network.start()
        wait_until(lambda: ready(http, token), 30, "ready again")
    log = running.coreapp.log()
    assert log.count("coreapp phase: connecting -> loading_templates") >= 3
    outage = log[log.rindex("coreapp phase: connected -> disconnected") :]
    assert "coreapp phase: connecting -> loading_templates" in outage
    assert "coreapp phase: loading_templates -> connected" in outage
    assert log.count("Service not ready") >= 1


def test_a_template_load_failure_keeps_the_coreapp_not_ready(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    with (
        running_stack(db_env, tmp_path) as running,
        running.client() as http,
        control(running) as network,
    ):
        token = registered(running, http)
        assert network.put("/templates/unavailable", json={"active": True}).is_success
        assert network.post("/connections/drop", json={"wa_id": WA_ID}).json() == {"dropped": 1}

        def failing() -> bool:
            startup = support(http, token).get("startup") or {}
            return bool(startup.get("templates", {}).get("attempts", 0) >= 2)

        wait_until(failing, 30, "failed template loads")
        report = support(http, token)
        assert report["socket_conn"] == "UP receiving offline"
        assert report["startup"]["phase"] == "loading_templates"
        assert "unavailable" in report["startup"]["templates"]["last_error"]
        health = http.get("/v1/health", headers=bearer(token)).json()["health"]
        assert health == {"gateway_status": "connected"}
        assert is_refusal(http.post("/v1/messages", headers=bearer(token), json=TEXT))

        assert network.put("/templates/unavailable", json={"active": False}).is_success
        wait_until(lambda: ready(http, token), 30, "ready once templates load")
        assert http.post("/v1/messages", headers=bearer(token), json=TEXT).status_code == 201
    assert "startup: message templates not loaded (attempt 2)" in running.coreapp.log()
