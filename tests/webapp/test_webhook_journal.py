"""The delivery journal through the network's control API, and the fail → slow → succeed
script end to end with the retry schedule checked on the injected clock (spec §11.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.messaging import ALICE, customer_writes, eventually, ready, until
from tests.receiver import Receiver
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from tests.webapp.test_webhook_ca import journal, pending
from tests.webapp.test_webhooks import set_webhook


@pytest.fixture
async def slow_stack(db_env: dict[str, str]) -> AsyncIterator[InProcessStack]:
    """The stack on every engine, giving up on a webhook answer after 0.5 s."""
    async with InProcessStack({**db_env, "WA_WEBHOOK_TIMEOUT_SECONDS": "0.5"}) as running:
        yield running


def seconds_between(attempt: dict[str, Any]) -> float:
    """How long after this attempt the next one is scheduled."""
    at = datetime.fromisoformat(attempt["time"])
    return (datetime.fromisoformat(attempt["next_retry_at"]) - at).total_seconds()


async def attempts(stack: InProcessStack) -> int:
    return len((await journal(stack))["attempts"])


async def test_fail_slow_succeed_follows_the_schedule(slow_stack: InProcessStack) -> None:
    stack = slow_stack
    async with Receiver() as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        delays = {"callback_backoff_delay_ms": 1000, "max_callback_backoff_delay_ms": 1500}
        patched = await stack.http.patch(
            "/v1/settings/application", headers=bearer(token), json=delays
        )
        assert patched.status_code == 200, patched.text
        # A refusal, then an answer slower than the 0.5 s timeout, then 200 at once.
        receiver.script.extend([(500, 0.0), (200, 2.0)])
        dispatcher = stack.core.webhooks
        assert dispatcher is not None
        inbound_id = await customer_writes(stack, ALICE, "anyone?")

        await until(lambda: attempts(stack), 1)
        (first,) = (await journal(stack))["attempts"]
        assert first["status_code"] == 500 and first["error"].startswith("HTTP 500")
        assert seconds_between(first) == 1.0  # 1 x callback_backoff_delay_ms
        stack.clock.advance(0.9)
        assert await dispatcher.round() is False  # not due yet
        stack.clock.advance(0.1)
        dispatcher.kick()

        await until(lambda: attempts(stack), 2)
        second = (await journal(stack))["attempts"][0]
        assert second["status_code"] is None and "Timeout" in second["error"], second
        assert seconds_between(second) == 1.5  # 2 x 1 s, capped at 1.5 s
        stack.clock.advance(1.4)
        assert await dispatcher.round() is False
        stack.clock.advance(0.1)
        dispatcher.kick()

        await until(lambda: attempts(stack), 3)
        await until(lambda: pending(stack), 0)
        third = (await journal(stack))["attempts"][0]
        assert third["status_code"] == 200 and third["error"] is None
        assert third["next_retry_at"] is None
        # The slow answer came too late to count, so the receiver may hold the body twice.
        await eventually(lambda: len(receiver.bodies) >= 1)
    arrived = [m["id"] for body in receiver.bodies for m in body["messages"]]
    assert set(arrived) == {inbound_id}
    assert len(receiver.attempts) == 3


async def test_journal_shows_attempts_newest_first(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(stack)
        url = f"http://hooks:s3cret@127.0.0.1:{receiver.port}/hook"  # Basic credentials
        await set_webhook(stack, token, url)
        receiver.script.extend([(503, 0.0)])
        assert stack.core.webhooks is not None
        inbound_id = await customer_writes(stack, ALICE, "journal me")
        await until(lambda: attempts(stack), 1)
        waiting = await journal(stack)
        assert waiting["wa_id"] == WA_ID and waiting["pending"] == 1
        (failed,) = waiting["attempts"]
        assert waiting["next_attempt_at"] == failed["next_retry_at"]
        assert set(failed) == {
            "id",
            "time",
            "url",
            "events",
            "payload",
            "status_code",
            "error",
            "duration_ms",
            "next_retry_at",
            "given_up",
        }
        assert failed["given_up"] == 0
        assert failed["url"] == f"http://hooks:***@127.0.0.1:{receiver.port}/hook"
        assert failed["status_code"] == 503 and failed["events"] == 1
        assert failed["payload"]["messages"][0]["id"] == inbound_id
        assert isinstance(failed["duration_ms"], int) and failed["duration_ms"] >= 0

        stack.clock.advance(3)
        stack.core.webhooks.kick()
        await until(lambda: pending(stack), 0)
        done = await journal(stack)
        assert [a["status_code"] for a in done["attempts"]] == [200, 503]
        assert done["next_attempt_at"] is None
        assert done["attempts"][0]["payload"] == failed["payload"]
        assert len((await journal(stack, limit=1))["attempts"]) == 1
        since = done["attempts"][0]["time"]
        assert [a["status_code"] for a in (await journal(stack, since=since))["attempts"]] == [200]
        later = (datetime.fromisoformat(since) + timedelta(seconds=1)).isoformat()
        assert (await journal(stack, since=later))["attempts"] == []


async def test_journal_needs_the_coreapp_connected(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.control.get(f"/businesses/{WA_ID}/webhooks/attempts")
    assert response.status_code == 503
    assert "not connected" in response.json()["detail"]
    await ready(sqlite_stack)
    bad = await sqlite_stack.control.get(
        f"/businesses/{WA_ID}/webhooks/attempts", params={"limit": 0}
    )
    assert bad.status_code == 422
    assert (await journal(sqlite_stack)) == {
        "wa_id": WA_ID,
        "pending": 0,
        "next_attempt_at": None,
        "attempts": [],
    }
