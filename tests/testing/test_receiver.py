"""The webhook receiver of ``waemu_webhooks``: records POSTs, answers as scripted, forwards
to the service under test, and its waits fail listing what arrived."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from waemu.testing import WaitTimeout, WebhookReceiver

MESSAGE = {
    "contacts": [{"profile": {"name": "Alice"}, "wa_id": "16315551001"}],
    "messages": [
        {
            "from": "16315551001",
            "id": "ABGGFlA5FpafAgo6EHFnGJh7kZ3T",
            "timestamp": "1700000000",
            "type": "text",
            "text": {"body": "hi"},
        }
    ],
}
STATUS = {"statuses": [{"id": "gBEGkYiEB1VXAglK1ZEqA1YKPrU", "status": "delivered"}]}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    try:
        yield running
    finally:
        running.stop()


def post(receiver: WebhookReceiver, body: object) -> int:
    return httpx.post(receiver.url, json=body, timeout=10).status_code


def test_receiver_records_bodies_and_splits_them(receiver: WebhookReceiver) -> None:
    assert receiver.url.startswith("http://127.0.0.1:") and receiver.url.endswith("/webhook")
    assert post(receiver, MESSAGE) == 200
    assert post(receiver, STATUS) == 200
    assert receiver.bodies == [MESSAGE, STATUS]
    assert receiver.messages == MESSAGE["messages"]
    assert receiver.contacts == MESSAGE["contacts"]
    assert receiver.statuses == STATUS["statuses"]
    assert receiver.errors == []
    assert [p.path for p in receiver.posts] == ["/webhook", "/webhook"]
    receiver.clear()
    assert receiver.posts == []


def test_scripted_answers_come_first_then_200(receiver: WebhookReceiver) -> None:
    receiver.respond_with(500, times=2)
    assert [post(receiver, STATUS) for _ in range(3)] == [500, 500, 200]
    assert [p.status_code for p in receiver.posts] == [500, 500, 200]
    assert receiver.bodies == [STATUS]  # only what was accepted counts as delivered
    receiver.respond_with(503)
    receiver.reset()
    assert post(receiver, STATUS) == 200


def test_forwarding_answers_with_the_service_status(receiver: WebhookReceiver) -> None:
    service = WebhookReceiver().start()
    try:
        receiver.forward_to(service.url)
        service.respond_with(503)
        assert post(receiver, MESSAGE) == 503
        assert post(receiver, MESSAGE) == 200
        assert service.bodies == [MESSAGE] and len(receiver.posts) == 2
    finally:
        service.stop()
    assert post(receiver, MESSAGE) == 502  # the service is gone
    receiver.forward_to(None)
    assert post(receiver, MESSAGE) == 200


def test_waits_return_what_matches(receiver: WebhookReceiver) -> None:
    post(receiver, MESSAGE)
    post(receiver, STATUS)
    found = receiver.wait_for_message(sender="16315551001", type="text", text="hi")
    assert found["id"] == "ABGGFlA5FpafAgo6EHFnGJh7kZ3T"
    assert receiver.wait_for_message(match=lambda m: m["from"].endswith("1001")) == found
    status = receiver.wait_for_status("gBEGkYiEB1VXAglK1ZEqA1YKPrU", "delivered")
    assert status["status"] == "delivered"


def test_wait_fails_after_its_timeout_listing_what_arrived(receiver: WebhookReceiver) -> None:
    post(receiver, MESSAGE)
    receiver.respond_with(500)
    post(receiver, STATUS)
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as failed:
        receiver.wait_for_status("gBEGnever", "read", timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 2
    assert str(failed.value) == (
        "no status 'read' of message gBEGnever arrived within 0.2s; 2 webhook POST(s) arrived:\n"
        "  message ABGGFlA5FpafAgo6EHFnGJh7kZ3T from 16315551001: text 'hi'\n"
        "  answered other than 200: [500]"
    )
    receiver.clear()
    with pytest.raises(WaitTimeout, match=r"no message with sender='1' arrived .* no webhook"):
        receiver.wait_for_message(sender="1", timeout=0.1)


async def test_async_waits_let_the_loop_run(receiver: WebhookReceiver) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await asyncio.to_thread(post, receiver, STATUS)

    task = asyncio.create_task(later())
    status = await receiver.async_wait_for_status("gBEGkYiEB1VXAglK1ZEqA1YKPrU", "delivered")
    await task
    assert status["status"] == "delivered"
    with pytest.raises(WaitTimeout):
        await receiver.async_wait_for_message(text="never", timeout=0.1)
