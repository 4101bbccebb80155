"""The startup after every login (spec §12): templates, then the offline messages, with the
drain's cap measured on the injected clock; sends refused with 1011 until both are done."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.messaging import (
    ALICE,
    BOB,
    customer_writes,
    ready,
    receipts,
    stored_status,
    until,
)
from tests.receiver import Receiver
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from waemu.coreapp.readiness import Phase
from waemu.coreapp.startup import POLL_SECONDS

TEXT = {"to": ALICE, "type": "text", "text": {"body": "hello"}}
DEFAULT_CAP = 360.0


async def support(stack: InProcessStack, token: str) -> dict[str, Any]:
    response = await stack.http.get("/v1/support", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["support"]
    return body


async def gateway(stack: InProcessStack, token: str) -> str:
    response = await stack.http.get("/v1/health", headers=bearer(token))
    status: str = response.json()["health"]["gateway_status"]
    return status


async def phase_and_socket(stack: InProcessStack, token: str) -> tuple[str, str]:
    report = await support(stack, token)
    return report["startup"]["phase"], report["socket_conn"]


async def send(stack: InProcessStack, token: str) -> Any:
    return await stack.http.post("/v1/messages", headers=bearer(token), json=TEXT)


async def set_feed(stack: InProcessStack, **feed: Any) -> dict[str, Any]:
    response = await stack.control.put(f"/accounts/{WA_ID}/offline", json=feed)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_webhook(stack: InProcessStack, token: str, url: str) -> None:
    response = await stack.http.patch(
        "/v1/settings/application", headers=bearer(token), json={"webhooks": {"url": url}}
    )
    assert response.status_code == 200, response.text


async def customer_writes_held(stack: InProcessStack, customer: str, body: str) -> str:
    """A customer message the network keeps queued (the queue is held)."""
    response = await stack.control.post(
        f"/customers/{customer}/messages", json={"type": "text", "text": {"body": body}}
    )
    assert response.status_code == 200, response.text
    message_id: str = response.json()["id"]
    return message_id


async def reconnect(stack: InProcessStack) -> list[Phase]:
    """Drop the coreapp's connection; returns the list of phases it moves through next."""
    moves: list[Phase] = []
    stack.core.readiness.listen(lambda _before, after: moves.append(after))
    dropped = await stack.control.post("/connections/drop", json={"wa_id": WA_ID})
    assert dropped.json() == {"dropped": 1}
    return moves


def refused(response: Any) -> None:
    assert_error(response, 503, 1011, "Coreapp not ready")


async def test_offline_messages_hold_sends_until_they_reached_the_webhook(
    stack: InProcessStack,
) -> None:
    async with Receiver() as receiver:
        token = await ready(stack, ALICE)
        await set_webhook(stack, token, receiver.url)
        await set_feed(stack, hold=True)
        written = [await customer_writes_held(stack, ALICE, f"offline {n}") for n in range(3)]
        await reconnect(stack)
        await until(
            lambda: phase_and_socket(stack, token), ("receiving_offline", "UP receiving offline")
        )
        report = await support(stack, token)
        assert report["startup"]["offline"]["queued_at_login"] == 3
        assert report["startup"]["ready"] is False
        assert await gateway(stack, token) == "connected"  # spec §12 table
        refused(await send(stack, token))

        receiver.script.append((500, 0.0))  # the first delivery fails: retried later
        await set_feed(stack)  # release: the backlog is handed over
        await until(lambda: asyncio.sleep(0, len(receiver.attempts) > 0), True)

        async def complete() -> bool:
            return bool((await support(stack, token))["startup"]["offline"]["complete"])

        await until(complete, True)
        # Stored, but not at the webhook yet: still not ready.
        assert (await support(stack, token))["socket_conn"] == "UP receiving offline"
        refused(await send(stack, token))

        stack.clock.advance(60)  # the retry is due
        await until(lambda: phase_and_socket(stack, token), ("connected", "UP"), timeout=15)
        delivered = {m["id"] for b in receiver.bodies for m in b.get("messages", [])}
        assert set(written) <= delivered
        assert (await send(stack, token)).status_code == 201


async def test_drain_ends_at_the_cap_on_the_injected_clock_and_logs_once(
    stack: InProcessStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="waemu.coreapp")
    token = await ready(stack, ALICE)
    await set_feed(stack, hold=True)  # the offline phase never completes by itself
    await reconnect(stack)
    await until(
        lambda: phase_and_socket(stack, token), ("receiving_offline", "UP receiving offline")
    )
    for _ in range(3):
        refused(await send(stack, token))
    stack.clock.advance(DEFAULT_CAP - 1)
    await asyncio.sleep(POLL_SECONDS * 4)  # a few looks at the clock: not yet
    assert stack.core.readiness.phase is Phase.RECEIVING_OFFLINE
    stack.clock.advance(1)
    await until(lambda: phase_and_socket(stack, token), ("connected", "UP"))
    offline = (await support(stack, token))["startup"]["offline"]
    assert offline["capped"] is True and offline["complete"] is False
    assert offline["cap_seconds"] == DEFAULT_CAP
    assert (await send(stack, token)).status_code == 201
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Service not ready" in m for m in messages) == 1
    assert any("offline drain ended at the cap" in m for m in messages)


async def test_nothing_queued_skips_the_offline_step(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    moves = await reconnect(stack)
    await until(lambda: asyncio.sleep(0, moves[-1:] == [Phase.CONNECTED]), True)
    assert moves == [Phase.DISCONNECTED, Phase.CONNECTING, Phase.LOADING_TEMPLATES, Phase.CONNECTED]
    offline = (await support(stack, token))["startup"]["offline"]
    assert offline["queued_at_login"] == 0 and offline["capped"] is False


async def test_template_load_failure_keeps_the_coreapp_not_ready(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await stack.control.put("/templates/unavailable", json={"active": True})
    await reconnect(stack)

    async def attempts() -> bool:
        templates = (await support(stack, token))["startup"]["templates"]
        return templates["attempts"] >= 2 and "unavailable" in (templates["last_error"] or "")

    await until(attempts, True)
    report = await support(stack, token)
    assert report["startup"]["phase"] == "loading_templates"
    assert report["startup"]["templates"]["loaded"] is False
    assert report["socket_conn"] == "UP receiving offline"
    assert await gateway(stack, token) == "connected"
    refused(await send(stack, token))
    stack.clock.advance(DEFAULT_CAP + 1)  # the cap bounds the drain, not the templates
    await asyncio.sleep(POLL_SECONDS * 4)
    assert stack.core.readiness.phase is Phase.LOADING_TEMPLATES
    await stack.control.put("/templates/unavailable", json={"active": False})
    await until(lambda: phase_and_socket(stack, token), ("connected", "UP"))
    assert (await support(stack, token))["startup"]["templates"]["loaded"] is True
    assert (await send(stack, token)).status_code == 201


async def test_receipts_held_while_away_count_as_offline_items(stack: InProcessStack) -> None:
    token = await ready(stack, BOB)
    await customer_writes(stack, BOB)  # opens the customer-service window (spec §7.11)
    await set_feed(stack, hold=True)
    response = await stack.http.post(
        "/v1/messages", headers=bearer(token), json={**TEXT, "to": BOB}
    )
    assert response.status_code == 201, response.text
    message_id = response.json()["messages"][0]["id"]
    await until(lambda: stored_status(stack, message_id), "sent")

    async def queued() -> bool:
        state = (await stack.control.get(f"/accounts/{WA_ID}/offline")).json()
        return bool(state["queued"] >= 2)  # delivered and read, held by the network

    await until(queued, True)
    await reconnect(stack)
    await until(
        lambda: phase_and_socket(stack, token), ("receiving_offline", "UP receiving offline")
    )
    assert (await support(stack, token))["startup"]["offline"]["queued_at_login"] >= 2
    await set_feed(stack)
    await until(lambda: phase_and_socket(stack, token), ("connected", "UP"))
    assert (await support(stack, token))["startup"]["offline"]["complete"] is True
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
