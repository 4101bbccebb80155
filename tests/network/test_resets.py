"""``POST /reset`` in parts (docs/network.md#reset): ``conversations`` forgets the traffic —
windows, conversations, phones, held and scheduled deliveries, queues — and ``switches`` puts
every switch back, without a restart and without disturbing a logged-in coreapp."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.messaging import ALICE, BOB, customer_writes, ready, send_text, stored_status, until
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from waemu.network.persistence import FILE_NAME

TRAFFIC_TABLES = ("queue", "held", "timers", "windows", "conversations", "inbox")


def stored_rows(stack: InProcessStack) -> dict[str, int]:
    """Rows of the traffic tables in the network's pending.db."""
    assert stack.network.messaging is not None
    stack.network.messaging.commit()
    with sqlite3.connect(stack.settings.network_data_dir / FILE_NAME) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TRAFFIC_TABLES}  # noqa: S608


async def socket_conn(stack: InProcessStack, token: str) -> str:
    response = await stack.http.get("/v1/support", headers=bearer(token))
    value: str = response.json()["support"]["socket_conn"]
    return value


async def test_reset_with_conversations_forgets_windows_phones_and_scheduled_receipts(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    token = await ready(stack, BOB)
    await stack.net.update_customer(ALICE, delivery_delay=0.3)
    await customer_writes(stack, ALICE)
    late = await send_text(stack, token, ALICE)  # its "delivered" is due in 0.3 s
    await customer_writes(stack, BOB)
    await stack.net.update_customer(BOB, online=False)
    held = await send_text(stack, token, BOB)  # held until Bob is back online
    await until(lambda: stored_status(stack, late), "sent")
    assert stored_rows(stack)["timers"] == 1 and stored_rows(stack)["held"] == 1

    result = await stack.net.reset(conversations=True)

    assert result.accounts == 1
    assert await stack.net.customer_messages(ALICE) == []
    assert stored_rows(stack) == dict.fromkeys(TRAFFIC_TABLES, 0)
    await asyncio.sleep(0.5)  # the forgotten timer's time passes: no receipt
    assert await stored_status(stack, late) == "sent"
    assert await stored_status(stack, held) == "sent"
    # The 24-hour window went with it: a free-form message fails again (470).
    failed = await send_text(stack, token, ALICE)
    await until(lambda: stored_status(stack, failed), "failed")


async def test_reset_without_conversations_keeps_the_traffic(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    await stack.net.reset()
    phone = await stack.net.customer_messages(ALICE)
    assert [(m.direction, m.text) for m in phone] == [("to_business", "hi")]


async def test_reset_with_switches_puts_every_switch_back(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await ready(stack, ALICE)
    net = stack.net
    await net.update_settings(auto_create_customers=False, realistic_statuses=True)
    await net.block_registration(True)
    await net.set_templates_unavailable(True)
    await net.set_template_delay(5)
    await net.set_offline_feed(WA_ID, hold=True, per_second=2)
    await net.start_chatter(ALICE, 1, body="tick")
    await net.set_outage(True)

    await net.reset(switches=True)

    settings = await net.settings()
    assert (settings.auto_create_customers, settings.realistic_statuses) == (True, False)
    assert stack.world.accounts.registration_blocked is False
    assert stack.world.templates.unavailable is False
    assert stack.network.delays == {}
    assert stack.network.outage is False
    feed = await net.offline_state(WA_ID)
    assert (feed.hold, feed.per_second) == (False, None)
    assert stack.network.offline is not None and stack.network.offline.chatters == {}


async def test_reset_without_switches_keeps_them(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await stack.net.update_settings(realistic_statuses=True)
    await stack.net.set_template_delay(5)
    await stack.net.reset(conversations=True)
    assert (await stack.net.settings()).realistic_statuses is True
    assert stack.network.delays == {"templates.list": 5.0}


async def test_reset_releases_a_coreapp_waiting_for_its_held_offline_backlog(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    await stack.net.set_offline_feed(WA_ID, hold=True)
    await stack.net.send_text_as_customer(ALICE, "queued while held")
    assert await stack.net.drop_connections(WA_ID) == 1
    # Logged in again, the coreapp waits for a backlog the network holds back.
    await until(lambda: socket_conn(stack, token), "UP receiving offline")

    await stack.net.reset(conversations=True, switches=True)

    await until(lambda: socket_conn(stack, token), "UP")
    state = await stack.net.offline_state(WA_ID)
    assert state.queued == 0
    assert state.backlog is not None and state.backlog.complete_sent is True
