"""The end of retries: a notification whose next retry would come later than the horizon
after it was written (``WA_WEBHOOK_RETRY_HORIZON_SECONDS``, 24 hours; Meta: "up to a certain
timeout (typically 24 hours, though this may vary)") is given up, journalled and counted,
checked on the injected clock (spec §11.1, docs/webhooks.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.databases import database_env
from tests.messaging import ALICE, customer_writes, eventually, ready, until
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_ok
from tests.webapp.test_webhook_ca import journal, pending
from tests.webapp.test_webhooks import set_webhook

DAY = 24 * 3600
ALWAYS_FAILING = [(500, 0.0)] * 1000


def message_ids(body: dict[str, Any]) -> list[str]:
    return [m["id"] for m in body.get("messages", [])]


async def tried(stack: InProcessStack, message_id: str) -> bool:
    """Whether an attempt carrying this customer message is journalled."""
    return any(message_id in message_ids(a["payload"]) for a in (await journal(stack))["attempts"])


async def internal_stats(stack: InProcessStack, token: str) -> dict[str, Any]:
    body = assert_ok(await stack.http.get("/v1/stats/app/internal", headers=bearer(token)))
    stats: dict[str, Any] = body["stats"]["app"]
    return stats


async def test_notification_past_the_horizon_is_given_up_and_a_younger_one_retried(
    stack: InProcessStack,
) -> None:
    async with Receiver() as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        receiver.script.extend(ALWAYS_FAILING)
        dispatcher = stack.core.webhooks
        assert dispatcher is not None
        old_id = await customer_writes(stack, ALICE, "written first")
        await until(lambda: tried(stack, old_id), True)
        stack.clock.advance(DAY / 2)
        young_id = await customer_writes(stack, ALICE, "written 12 hours later")
        await until(lambda: tried(stack, young_id), True)

        # Both are due again; the POST fails once more. The first notification's next retry
        # would come more than 24 hours after it was written: given up. The second is 12 h old.
        stack.clock.advance(DAY / 2 + 1)
        dispatcher.kick()
        await until(lambda: pending(stack), 1)
        last = (await journal(stack))["attempts"][0]
        assert message_ids(last["payload"]) == [old_id, young_id]
        assert last["status_code"] == 500 and last["events"] == 2
        assert last["given_up"] == 1
        assert last["next_retry_at"] is not None  # for the younger one
        earlier = (await journal(stack))["attempts"][1:]
        assert earlier and all(a["given_up"] == 0 for a in earlier)
        stats = await internal_stats(stack, token)
        assert stats["callbacks_given_up"]["data"] == [
            {"labels": {"type": "inbound_message"}, "value": 1}
        ]
        assert stats["callback_queue_size"]["data"] == [{"value": 1}]
        public = assert_ok(await stack.http.get("/v1/stats/app", headers=bearer(token)))
        assert "callbacks_given_up" not in public["stats"]["app"]  # an internal stat

        # The younger one keeps retrying; the given-up one is never sent again.
        posts_with_old = sum(old_id in message_ids(body) for body in receiver.attempts)
        stack.clock.advance(3600)
        dispatcher.kick()
        await eventually(lambda: message_ids(receiver.attempts[-1]) == [young_id])
        receiver.script.clear()  # the receiver recovers
        stack.clock.advance(3600)
        dispatcher.kick()
        await until(lambda: pending(stack), 0)
        assert [message_ids(body) for body in receiver.bodies] == [[young_id]]
        stack.clock.advance(2 * DAY)
        assert await dispatcher.round() is False  # nothing left to try
    assert sum(old_id in message_ids(body) for body in receiver.attempts) == posts_with_old
    final = await journal(stack)
    assert final["pending"] == 0 and final["next_attempt_at"] is None
    assert sum(a["given_up"] for a in final["attempts"]) == 1
    stats = await internal_stats(stack, token)
    assert stats["callbacks_given_up"]["data"] == [
        {"labels": {"type": "inbound_message"}, "value": 1}
    ]


@pytest.fixture
async def minute_stack(tmp_path: Path) -> AsyncIterator[InProcessStack]:
    """The stack on SQLite with a retry horizon of one minute."""
    env = {**database_env("sqlite", tmp_path), "WA_WEBHOOK_RETRY_HORIZON_SECONDS": "60"}
    async with InProcessStack(env) as running:
        yield running


async def test_horizon_setting_ends_retries_with_the_last_one_due_at_the_horizon(
    minute_stack: InProcessStack,
) -> None:
    stack = minute_stack
    async with Receiver() as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        delays = {"callback_backoff_delay_ms": 10_000, "max_callback_backoff_delay_ms": 30_000}
        patched = await stack.http.patch(
            "/v1/settings/application", headers=bearer(token), json=delays
        )
        assert patched.status_code == 200, patched.text
        receiver.script.extend(ALWAYS_FAILING)
        dispatcher = stack.core.webhooks
        assert dispatcher is not None
        written = stack.clock.now()
        inbound_id = await customer_writes(stack, ALICE, "nobody listens")

        # Attempts at 0, 10 and 30 s are rescheduled (10, 20, 30 s later); a retry due exactly
        # at the horizon (60 s) is still made; the one after it would be at 90 s: given up.
        ages = []
        for count in range(1, 5):
            await until(lambda n=count: attempts_made(stack, n), True)
            last = (await journal(stack))["attempts"][0]
            ages.append((datetime.fromisoformat(last["time"]) - written).total_seconds())
            if last["next_retry_at"] is None:
                break
            stack.clock.advance(
                (
                    datetime.fromisoformat(last["next_retry_at"])
                    - datetime.fromisoformat(last["time"])
                ).total_seconds()
            )
            dispatcher.kick()
        assert ages == [0, 10, 30, 60]
        assert last["given_up"] == 1 and last["events"] == 1
        assert message_ids(last["payload"]) == [inbound_id]
        assert await pending(stack) == 0
        stack.clock.advance(DAY)
        assert await dispatcher.round() is False
    assert len(receiver.attempts) == 4


async def attempts_made(stack: InProcessStack, count: int) -> bool:
    return len((await journal(stack))["attempts"]) >= count
