"""Sending messages and their status lifecycle through the real parts (spec §7, §11.3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.messaging import (
    ALICE,
    BOB,
    customer_writes,
    inbox,
    ready,
    receipts,
    send_text,
    stored_status,
    until,
)
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.restarts import restart_core
from waemu.storage.repos import messages as repo


async def test_text_reaches_customer_and_every_status_is_stored(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    message_id = await send_text(stack, token, "+1 (631) 555-1001", "Your order shipped")
    assert len(message_id) == 27 and message_id.startswith("gBEG")
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    assert await stored_status(stack, message_id) == "read"
    assert stack.core.messages is not None
    async with stack.core.messages.sessions() as session:
        row = await repo.get(session, message_id)
    assert row is not None and row.wa_id == ALICE
    # The receipt's time, on every engine (MariaDB updates through one CASE statement).
    assert abs((datetime.now(UTC) - row.updated_at).total_seconds()) < 60
    held = [m for m in await inbox(stack, ALICE) if m["id"] == message_id]
    assert held[0]["text"] == {"body": "Your order shipped"}
    assert held[0]["status"] == "read"


async def test_send_is_refused_until_coreapp_is_connected(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": ALICE, "type": "text", "text": {"body": "too early"}},
    )
    assert_error(response, 503, 1011, "Coreapp not ready")


async def test_send_to_own_number_is_bad_user(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack)
    response = await sqlite_stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": WA_ID, "type": "text", "text": {"body": "me"}},
    )
    assert_error(response, 400, 1021, "own number")


async def test_free_form_outside_window_fails_with_470(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, BOB)
    message_id = await send_text(sqlite_stack, token, BOB)
    await until(lambda: receipts(sqlite_stack, message_id), ["failed"])
    assert await stored_status(sqlite_stack, message_id) == "failed"


async def test_customer_failure_code_fails_the_message(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    await sqlite_stack.net.update_customer(ALICE, fail_code=471)
    message_id = await send_text(sqlite_stack, token, ALICE)
    await until(lambda: receipts(sqlite_stack, message_id), ["failed"])


async def test_customer_who_never_reads_leaves_it_delivered(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    await sqlite_stack.net.update_customer(ALICE, reads=False)
    message_id = await send_text(sqlite_stack, token, ALICE)
    await until(lambda: receipts(sqlite_stack, message_id), ["sent", "delivered"])
    assert await stored_status(sqlite_stack, message_id) == "delivered"


async def test_offline_customer_gets_it_when_back_online(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    await sqlite_stack.net.update_customer(ALICE, online=False)
    message_id = await send_text(sqlite_stack, token, ALICE)
    await until(lambda: receipts(sqlite_stack, message_id), ["sent"])
    await sqlite_stack.net.update_customer(ALICE, online=True)
    await until(lambda: receipts(sqlite_stack, message_id), ["sent", "delivered", "read"])


async def test_receipts_wait_at_the_network_while_coreapp_is_away(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    await stack.net.update_customer(ALICE, online=False)
    message_id = await send_text(stack, token, ALICE)
    await until(lambda: receipts(stack, message_id), ["sent"])
    await stack.net.set_outage(True)
    await stack.net.update_customer(ALICE, online=True)
    await stack.net.send_text_as_customer(ALICE, "still there?")
    assert await receipts(stack, message_id) == ["sent"]
    await stack.net.set_outage(False)
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])


async def test_accepted_message_survives_a_restart_before_sending(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    assert stack.core.outbound is not None
    await stack.core.outbound.stop()  # accepted and persisted, not handed to the network
    message_id = await send_text(stack, token, ALICE)
    assert await receipts(stack, message_id) == []
    assert await stored_status(stack, message_id) == "accepted"
    await restart_core(stack)
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    assert len([m for m in await inbox(stack, ALICE) if m["id"] == message_id]) == 1


async def test_mark_read_reaches_the_customer(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    inbound_id = await customer_writes(stack, ALICE)
    response = await stack.http.put(
        f"/v1/messages/{inbound_id}", headers=bearer(token), json={"status": "read"}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"meta"}
    assert await stored_status(stack, inbound_id) == "read"
    sent = [m for m in await inbox(stack, ALICE) if m["id"] == inbound_id]
    assert sent[0]["status"] == "read"


async def test_mark_read_of_unknown_or_outbound_message_is_not_found(
    sqlite_stack: InProcessStack,
) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    outbound = await send_text(sqlite_stack, token, ALICE)
    for message_id in ("ABGGnope", outbound):
        response = await sqlite_stack.http.put(
            f"/v1/messages/{message_id}", headers=bearer(token), json={"status": "read"}
        )
        assert_error(response, 404, 1006, message_id)


async def test_mark_read_needs_status_read(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    for body, code in (
        ({"status": "delivered"}, 1009),
        ({}, 1008),
        ({"status": "read", "x": 1}, 1010),
    ):
        response = await sqlite_stack.http.put(
            "/v1/messages/ABGGx", headers=bearer(token), json=body
        )
        assert_error(response, 400, code, "status" if code != 1010 else "x")


async def test_control_api_forces_receipts_for_one_message(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    message_id = await send_text(stack, token, ALICE)
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    deleted = await stack.control.post(
        f"/messages/{message_id}/receipts", json={"status": "deleted"}
    )
    assert deleted.json() == {"id": message_id, "status": "deleted"}
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read", "deleted"])
    assert await stored_status(stack, message_id) == "deleted"
    missing = await stack.control.post("/messages/gBEGnope/receipts", json={"status": "read"})
    assert missing.status_code == 404


async def test_forced_failure_carries_its_code(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    await sqlite_stack.net.update_customer(ALICE, online=False)
    message_id = await send_text(sqlite_stack, token, ALICE)
    await until(lambda: receipts(sqlite_stack, message_id), ["sent"])
    await sqlite_stack.net.receipt(message_id, "failed", 131)
    await until(lambda: stored_status(sqlite_stack, message_id), "failed")


async def test_customer_who_blocked_the_business_never_gets_it(
    sqlite_stack: InProcessStack,
) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    await sqlite_stack.net.update_customer(ALICE, blocked=True)
    message_id = await send_text(sqlite_stack, token, ALICE)
    await until(lambda: receipts(sqlite_stack, message_id), ["sent"])
    await asyncio.sleep(0.2)  # well past the customer's 20 ms delivery delay
    assert await receipts(sqlite_stack, message_id) == ["sent"]
