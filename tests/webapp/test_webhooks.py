"""Webhooks: every notification reaches the receiver, with the real retry schedule
(spec §11.1), checked with the injected clock rather than sleeps."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.messaging import (
    ALICE,
    customer_writes,
    eventually,
    ready,
    receipts,
    send_text,
    until,
)
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.restarts import restart_core


async def set_webhook(stack: InProcessStack, token: str, url: str, **extra: Any) -> None:
    settings: dict[str, Any] = {"webhooks": {"url": url, **extra}}
    response = await stack.http.patch(
        "/v1/settings/application", headers=bearer(token), json=settings
    )
    assert response.status_code == 200, response.text


def statuses_of(bodies: list[dict[str, Any]], message_id: str) -> list[str]:
    return [s["status"] for b in bodies for s in b.get("statuses", []) if s["id"] == message_id]


async def test_inbound_message_and_statuses_reach_the_webhook(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(stack, ALICE)
        await set_webhook(stack, token, receiver.url)
        inbound_id = await customer_writes(stack, ALICE, "Where is my order?")
        message_id = await send_text(stack, token, ALICE)
        await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
        await eventually(lambda: statuses_of(receiver.bodies, message_id) == ["delivered", "read"])
    inbound = [b for b in receiver.bodies if "messages" in b]
    assert inbound[0]["contacts"] == [{"profile": {"name": "Alice Example"}, "wa_id": ALICE}]
    (message,) = inbound[0]["messages"]
    assert message["id"] == inbound_id
    assert message["from"] == ALICE and message["type"] == "text"
    assert message["text"] == {"body": "Where is my order?"}
    assert isinstance(message["timestamp"], str)
    read = [s for b in receiver.bodies for s in b.get("statuses", []) if s["status"] == "read"]
    assert set(read[0]) == {
        "id",
        "recipient_id",
        "status",
        "timestamp",
        "type",
        "conversation",
        "pricing",
        "message",
    }
    assert read[0]["recipient_id"] == ALICE and read[0]["message"] == {"recipient_id": ALICE}


async def test_sent_status_only_when_asked(sqlite_stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(sqlite_stack, ALICE)
        await set_webhook(sqlite_stack, token, receiver.url, message={"sent": True, "read": False})
        await customer_writes(sqlite_stack, ALICE)
        message_id = await send_text(sqlite_stack, token, ALICE)
        await until(lambda: receipts(sqlite_stack, message_id), ["sent", "delivered", "read"])
        await eventually(lambda: statuses_of(receiver.bodies, message_id) == ["sent", "delivered"])
        await asyncio.sleep(0.2)
    assert statuses_of(receiver.bodies, message_id) == ["sent", "delivered"]


async def test_failures_are_retried_on_the_configured_schedule(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        patch = {"callback_backoff_delay_ms": 3000, "max_callback_backoff_delay_ms": 7000}
        await stack.http.patch("/v1/settings/application", headers=bearer(token), json=patch)
        receiver.script.extend([(500, 0.0), (503, 0.0), (404, 0.0)])
        await customer_writes(stack, ALICE, "hello?")
        dispatcher = stack.core.webhooks
        assert dispatcher is not None
        await eventually(lambda: len(receiver.attempts) == 1)
        assert receiver.bodies == []
        # Linear backoff: 3 s after the first failure, 6 s after the second, then the cap 7 s.
        for waited, attempts in ((2.9, 1), (0.1, 2), (5.9, 2), (0.1, 3), (6.9, 3), (0.1, 4)):
            stack.clock.advance(waited)
            dispatcher.kick()
            await asyncio.sleep(0.1)
            assert len(receiver.attempts) == attempts, (waited, attempts)
    assert len(receiver.bodies) == 1 and "messages" in receiver.bodies[0]


async def test_undelivered_notifications_survive_a_coreapp_restart(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        receiver.script.extend([(500, 0.0)] * 3)
        inbound_id = await customer_writes(stack, ALICE, "are you there?")
        await eventually(lambda: len(receiver.attempts) >= 1)
        await restart_core(stack)
        stack.clock.advance(60)
        assert stack.core.webhooks is not None
        for _ in range(5):
            stack.clock.advance(60)
            stack.core.webhooks.kick()
            await asyncio.sleep(0.1)
        await eventually(lambda: any("messages" in b for b in receiver.bodies))
    (delivered,) = [b for b in receiver.bodies if "messages" in b]
    assert delivered["messages"][0]["id"] == inbound_id


async def test_pending_notifications_follow_a_new_url(sqlite_stack: InProcessStack) -> None:
    async with Receiver() as first, Receiver() as second:
        token = await ready(sqlite_stack)
        await set_webhook(sqlite_stack, token, first.url)
        first.script.extend([(500, 0.0)] * 100)
        await customer_writes(sqlite_stack, ALICE, "hi")
        await eventually(lambda: len(first.attempts) >= 1)
        await set_webhook(sqlite_stack, token, second.url)
        sqlite_stack.clock.advance(10)
        assert sqlite_stack.core.webhooks is not None
        sqlite_stack.core.webhooks.kick()
        await eventually(lambda: len(second.bodies) == 1)
