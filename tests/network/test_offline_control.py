"""The network's offline-queue switches and their control API (docs/network.md,
docs/readiness.md): hold, rate, chatter, slow template loads."""

from __future__ import annotations

import pytest

from tests.messaging import ALICE, ready, until
from tests.registration import WA_ID
from tests.stacks import InProcessStack
from waemu.network.offline import Backlog, Feed


def test_default_feed_hands_everything_over_at_once() -> None:
    feed = Feed()
    assert (feed.wait(100.0), feed.batch()) == (0.0, 500)


def test_held_feed_without_rate_hands_nothing_over() -> None:
    assert Feed(hold=True).wait(100.0) is None
    assert Feed(per_second=0).wait(100.0) is None


def test_rated_feed_spaces_items_by_its_rate() -> None:
    feed = Feed(hold=True, per_second=4)
    assert (feed.wait(10.0), feed.batch()) == (0.0, 1)
    feed.spent(1, 10.0)
    assert feed.wait(10.0) == pytest.approx(0.25)
    assert feed.wait(10.3) == 0.0


def test_backlog_counts_down_and_never_below_zero() -> None:
    backlog = Backlog(total=3, left=3)
    backlog.pushed(2)
    assert backlog.left == 1
    backlog.pushed(5)
    assert backlog.left == 0


async def test_offline_state_of_a_logged_in_business(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await ready(stack, ALICE)
    response = await stack.control.get(f"/accounts/{WA_ID}/offline")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "wa_id": WA_ID,
        "hold": False,
        "per_second": None,
        "queued": 0,
        "logged_in": True,
        "backlog": {"queued_at_login": 0, "left": 0, "complete_sent": True},
    }


async def test_hold_keeps_customer_messages_queued_until_released(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    await ready(stack, ALICE)
    held = await stack.control.put(f"/accounts/{WA_ID}/offline", json={"hold": True})
    assert held.json()["hold"] is True
    for n in range(2):
        body = {"type": "text", "text": {"body": f"m{n}"}}
        assert (await stack.control.post(f"/customers/{ALICE}/messages", json=body)).is_success
    state = (await stack.control.get(f"/accounts/{WA_ID}/offline")).json()
    assert state["queued"] == 2
    released = await stack.control.put(f"/accounts/{WA_ID}/offline", json={})
    assert released.json()["hold"] is False

    async def queued() -> int:
        return int((await stack.control.get(f"/accounts/{WA_ID}/offline")).json()["queued"])

    await until(queued, 0)


async def test_offline_switches_validate_their_input(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await ready(stack)
    unknown = await stack.control.get("/accounts/19999999999/offline")
    assert unknown.status_code == 404
    for body in ({"per_second": -1}, {"hold": "maybe"}, {"rate": 2}):
        response = await stack.control.put(f"/accounts/{WA_ID}/offline", json=body)
        assert response.status_code == 422, body
    for body in ({"per_second": 0}, {"per_second": 1000}, {}):
        response = await stack.control.post(f"/customers/{ALICE}/chatter", json=body)
        assert response.status_code == 422, body
    missing = await stack.control.post("/customers/19999999999/chatter", json={"per_second": 1})
    assert missing.status_code == 404
    assert (await stack.control.delete(f"/customers/{ALICE}/chatter")).status_code == 404


async def test_chatter_writes_count_messages_then_stops(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await ready(stack, ALICE)
    started = await stack.control.post(
        f"/customers/{ALICE}/chatter", json={"per_second": 50, "count": 3, "body": "tick"}
    )
    assert started.status_code == 200, started.text
    assert started.json() == {
        "customer": ALICE,
        "business": WA_ID,
        "per_second": 50.0,
        "count": 3,
        "body": "tick",
    }

    async def written() -> list[str]:
        inbox = (await stack.control.get(f"/customers/{ALICE}/messages")).json()["messages"]
        return [m["text"]["body"] for m in inbox if m["direction"] == "to_business"]

    await until(written, ["tick 1", "tick 2", "tick 3"])
    stopped = await stack.control.delete(f"/customers/{ALICE}/chatter")
    assert stopped.json() == {"customer": ALICE, "sent": 3}


async def test_template_delay_is_set_and_cleared(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    response = await stack.control.put("/templates/delay", json={"seconds": 2.5})
    assert response.json() == {"seconds": 2.5}
    assert stack.network.delays == {"templates.list": 2.5}
    assert (await stack.control.put("/templates/delay", json={"seconds": 601})).status_code == 422
    await stack.control.put("/templates/delay", json={"seconds": 0})
    assert stack.network.delays == {}
