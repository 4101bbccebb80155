"""Webhook delivery with the real processes on every engine: a receiver that fails, answers
slowly, then succeeds gets every notification, and a coreapp killed with SIGKILL while a
POST is in flight loses nothing (spec §11.1)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Processes
from tests.e2e.test_registration import WA_ID, register
from tests.messaging import ALICE, BOB, QUICK
from tests.receiver import Receiver
from tests.stacks import ADMIN_PASSWORD, bearer

pytestmark = pytest.mark.slow

HELD = 50  # answers that keep the request open far longer than the test runs
BACKOFF = {"callback_backoff_delay_ms": 200, "max_callback_backoff_delay_ms": 1000}


async def waiting(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll the async ``check`` without blocking the loop the receiver runs on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Business:
    """The webapp and the control API of the running processes, used asynchronously."""

    def __init__(self, running: Processes, token: str) -> None:
        self.headers = bearer(token)
        self.http = httpx.AsyncClient(base_url=running.base_url, timeout=30)
        self.control = httpx.AsyncClient(base_url=running.control_url, timeout=30)

    async def close(self) -> None:
        await self.http.aclose()
        await self.control.aclose()

    async def connected(self) -> bool:
        try:
            response = await self.http.get("/v1/health", headers=self.headers)
        except httpx.TransportError:
            return False
        if response.status_code != 200:
            return False
        return bool(response.json()["health"]["gateway_status"] == "connected")

    async def customer_writes(self, customer: str, text: str) -> str:
        response = await self.control.post(
            f"/customers/{customer}/messages", json={"type": "text", "text": {"body": text}}
        )
        assert response.status_code == 200, response.text
        message_id: str = response.json()["id"]
        return message_id

    async def send_text(self, to: str) -> str:
        body = {"to": to, "type": "text", "text": {"body": "Your order shipped"}}
        for _ in range(100):  # the customer's message may still be on its way in
            response = await self.http.post("/v1/messages", headers=self.headers, json=body)
            if response.status_code == 201:
                message_id: str = response.json()["messages"][0]["id"]
                return message_id
            await asyncio.sleep(0.05)
        raise AssertionError(f"send failed: {response.text}")

    async def journal(self) -> dict[str, Any]:
        response = await self.control.get(
            f"/businesses/{WA_ID}/webhooks/attempts", params={"limit": 500}
        )
        assert response.status_code == 200, response.text
        journal: dict[str, Any] = response.json()
        return journal


def arrived(receiver: Receiver) -> tuple[set[str], set[tuple[str, str]]]:
    """Inbound message ids and (message id, status) pairs the receiver answered 200 to."""
    inbound = {m["id"] for body in receiver.bodies for m in body.get("messages", [])}
    statuses = {
        (s["id"], s["status"]) for body in receiver.bodies for s in body.get("statuses", [])
    }
    return inbound, statuses


async def test_nothing_is_lost_across_failures_and_a_sigkill(processes: Processes) -> None:
    with processes.client() as sync_http:
        login = sync_http.post(
            "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
        )
        token = login.json()["users"][0]["token"]
        register(processes, sync_http, token)
    business = Business(processes, token)
    try:
        async with Receiver() as receiver:
            await waiting(business.connected, 30, "the coreapp to connect")
            for customer in (ALICE, BOB):
                changed = await business.control.patch(f"/customers/{customer}", json=QUICK)
                assert changed.status_code == 200, changed.text
            settings = {**BACKOFF, "webhooks": {"url": receiver.url}}
            patched = await business.http.patch(
                "/v1/settings/application", headers=business.headers, json=settings
            )
            assert patched.status_code == 200, patched.text
            # Refused, refused, slow (1 s, within the 20 s timeout), then 200 at once.
            receiver.script.extend([(500, 0.0), (503, 0.0), (200, 1.0)])

            inbound = [
                await business.customer_writes(ALICE, "Where is my order?"),
                await business.customer_writes(BOB, "Hello"),
            ]
            sent = [await business.send_text(ALICE), await business.send_text(BOB)]

            async def scripted_answers_used() -> bool:
                return len(receiver.attempts) >= 3

            await waiting(scripted_answers_used, 30, "the scripted answers to be used")
            # From now on the receiver holds every request: the coreapp is killed mid-POST.
            receiver.script.extend([(500, 300.0)] * HELD)
            inbound.append(await business.customer_writes(ALICE, "Any news?"))
            sent.append(await business.send_text(ALICE))

            async def held() -> bool:
                return len(receiver.script) < HELD

            await waiting(held, 30, "a POST to be in flight")
            processes.coreapp.stop(signal.SIGKILL)
            receiver.script.clear()  # the receiver answers 200 at once again
            processes.coreapp.start()
            await waiting(business.connected, 60, "the restarted coreapp to connect")

            inbound.append(await business.customer_writes(BOB, "After the restart"))
            sent.append(await business.send_text(BOB))

            expected_statuses = {(m, s) for m in sent for s in ("delivered", "read")}

            async def everything_arrived() -> bool:
                got_inbound, got_statuses = arrived(receiver)
                return set(inbound) <= got_inbound and expected_statuses <= got_statuses

            await waiting(everything_arrived, 60, "every notification to arrive")

            async def outbox_empty() -> bool:
                return bool((await business.journal())["pending"] == 0)

            await waiting(outbox_empty, 30, "the outbox to empty")
        journal = await business.journal()
    finally:
        await business.close()

    failures = [a for a in journal["attempts"] if a["status_code"] in (500, 503)]
    assert {a["status_code"] for a in failures} == {500, 503}
    for attempt in failures:  # 200 ms per consecutive failure, at most 1 s
        at = datetime.fromisoformat(attempt["time"])
        delay = (datetime.fromisoformat(attempt["next_retry_at"]) - at).total_seconds()
        assert delay in (0.2, 0.4, 0.6, 0.8, 1.0), attempt
    assert journal["attempts"][0]["status_code"] == 200
    assert journal["next_attempt_at"] is None
