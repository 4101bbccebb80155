"""The send block of an unacknowledged identity change (spec §6.4, §11.5, §15 code 1028).

While a customer's latest identity is unacknowledged and ``show_security_notifications`` is
on, ``POST /v1/messages`` to that customer is refused with 400/1028; ``PUT
/v1/contacts/{wa_id}/identity`` lifts the block at once. Everything runs through HTTP, the
network's control API and a real webhook receiver, on every engine.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.messaging import (
    ALICE,
    BOB,
    customer_writes,
    eventually,
    inbox,
    ready,
    send_text,
    until,
    until_ready,
)
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.inbound_helpers import messages_of, set_settings, wired
from tests.webapp.restarts import restart_core

IDENTITY = f"/v1/contacts/{ALICE}/identity"
BLOCKED = f"acknowledge it with PUT /v1/contacts/{ALICE}/identity"


async def _post_text(stack: InProcessStack, token: str, to: str) -> httpx.Response:
    return await stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": to, "type": "text", "text": {"body": "Your balance"}},
    )


async def _rotate(stack: InProcessStack, wa_id: str = ALICE) -> dict[str, Any]:
    response = await stack.control.post(f"/customers/{wa_id}/identity/rotate")
    assert response.status_code == 200, response.text
    rotated: dict[str, Any] = response.json()
    return rotated


async def _identity(stack: InProcessStack, token: str) -> dict[str, Any]:
    found: dict[str, Any] = assert_ok(await stack.http.get(IDENTITY, headers=bearer(token)))[
        "contacts"
    ]
    return found


async def _texts_received(stack: InProcessStack, customer: str) -> list[str]:
    return [
        m["text"]["body"]
        for m in await inbox(stack, customer)
        if m.get("direction") == "to_customer" and m.get("type") == "text"
    ]


async def test_send_is_refused_with_1028_until_identity_change_is_acknowledged(
    stack: InProcessStack,
) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, show_security_notifications=True)
        await customer_writes(stack, ALICE)
        await customer_writes(stack, BOB)
        await send_text(stack, token, ALICE)  # nothing changed yet: accepted
        rotated = await _rotate(stack)

        def notified() -> bool:
            return any(
                m["type"] == "system" and m["system"]["type"] == "user_identity_changed"
                for m in messages_of(receiver).values()
            )

        # The change arrives as the user_identity_changed system message (spec §11.5);
        # the coreapp was not asked about the identity.
        await eventually(notified)

    refused = await _post_text(stack, token, ALICE)
    assert_error(refused, 400, 1028, BLOCKED)
    # A phone number in any format is the same recipient.
    assert_error(await _post_text(stack, token, "+1 (631) 555-1001"), 400, 1028, BLOCKED)
    await send_text(stack, token, BOB)  # other customers are not blocked

    acknowledged = await stack.http.put(
        IDENTITY, json={"hash": rotated["identity"]}, headers=bearer(token)
    )
    assert assert_ok(acknowledged) == {}
    message_id = await send_text(stack, token, ALICE, "After the check")
    assert message_id
    await until(lambda: _texts_received(stack, ALICE), ["Hello", "After the check"])


async def test_send_is_allowed_when_security_notifications_are_off(
    stack: InProcessStack,
) -> None:
    token = await ready(stack, ALICE)  # show_security_notifications defaults to false
    await customer_writes(stack, ALICE)
    before = await _identity(stack, token)
    await _rotate(stack)
    after = await _identity(stack, token)
    assert after["hash"] != before["hash"] and after["acknowledged"] is False

    await send_text(stack, token, ALICE)  # the change is recorded but blocks nothing
    await set_settings(stack, token, show_security_notifications=True)
    assert_error(await _post_text(stack, token, ALICE), 400, 1028, BLOCKED)
    await set_settings(stack, token, show_security_notifications=False)
    await send_text(stack, token, ALICE)


async def test_block_is_kept_across_a_coreapp_restart(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await set_settings(stack, token, show_security_notifications=True)
    await customer_writes(stack, ALICE)
    await _identity(stack, token)  # the first identity seen: trusted
    rotated = await _rotate(stack)
    assert (await _identity(stack, token))["acknowledged"] is False

    await restart_core(stack)
    token = await stack.api.admin_token()
    await until_ready(stack, token)
    assert_error(await _post_text(stack, token, ALICE), 400, 1028, BLOCKED)
    response = await stack.http.put(
        IDENTITY, json={"hash": rotated["identity"]}, headers=bearer(token)
    )
    assert assert_ok(response) == {}
    await send_text(stack, token, ALICE)


async def test_wrong_hash_does_not_lift_the_block(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await set_settings(stack, token, show_security_notifications=True)
    await customer_writes(stack, ALICE)
    old = (await _identity(stack, token))["hash"]
    await _rotate(stack)
    await _identity(stack, token)
    wrong = await stack.http.put(IDENTITY, json={"hash": old}, headers=bearer(token))
    assert_error(wrong, 400, 1009, "not the latest identity")
    assert_error(await _post_text(stack, token, ALICE), 400, 1028, BLOCKED)
