"""Whom ``POST /v1/messages`` reaches: ``to`` is a wa_id unless clearly a national number
(spec §7.1; docs/messages.md "How `to` is resolved"), for a business registered in zone 1."""

from __future__ import annotations

from typing import Any

from tests.messaging import (
    QUICK,
    customer_writes,
    eventually,
    inbox,
    ready,
    receipts,
    send_text,
    until,
    until_ready,
)
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_ok
from tests.webapp.restarts import restart_core
from waemu.network.templates import SHARED_NAMESPACE

UK = "447700900123"  # +44 7700 900123: no US reading (too long for zone 1)
# Danish wa_ids of 10 digits that are also well-formed US national numbers (+1 452 …).
DK, DK_CHECKED = "4525123456", "4527654321"
US, PH = "16315551234", "6315551234"  # 6315551234 is also a Philippine wa_id
DELIVERED = ["sent", "delivered", "read"]


async def customer(stack: InProcessStack, wa_id: str, name: str) -> None:
    """A customer of the network at ``wa_id``, with quick delivery and reading."""
    put = await stack.control.put(f"/customers/{wa_id}", json={"wa_id": wa_id, "name": name})
    assert put.status_code == 200, put.text
    patched = await stack.control.patch(f"/customers/{wa_id}", json=QUICK)
    assert patched.status_code == 200, patched.text


async def send_template(stack: InProcessStack, token: str, to: str) -> str:
    """A business-initiated template send (no 24-hour window needed, spec §7.7)."""
    template = {
        "namespace": SHARED_NAMESPACE,
        "name": "shipping_update",
        "language": {"policy": "deterministic", "code": "en_US"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": v} for v in "ABC"]}
        ],
    }
    response = await stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": to, "type": "template", "template": template},
    )
    message_id: str = assert_ok(response, 201)["messages"][0]["id"]
    return message_id


async def holds(stack: InProcessStack, wa_id: str, message_id: str) -> bool:
    """Whether the customer's phone shows ``message_id``."""
    return any(m["id"] == message_id for m in await inbox(stack, wa_id))


async def assert_reached(stack: InProcessStack, wa_id: str, message_id: str) -> None:
    """The message went sent → delivered → read (not failed 470/1013), at ``wa_id``'s phone."""
    await until(lambda: receipts(stack, message_id), DELIVERED)
    assert await holds(stack, wa_id, message_id)


async def check_contacts(stack: InProcessStack, token: str, inputs: list[str]) -> list[str]:
    """``POST /v1/contacts`` (blocking); the wa_ids answered, in order."""
    response = await stack.http.post(
        "/v1/contacts",
        headers=bearer(token),
        json={"contacts": inputs, "blocking": "wait"},
    )
    found: list[dict[str, Any]] = assert_ok(response)["contacts"]
    assert [c["status"] for c in found] == ["valid"] * len(inputs), found
    return [str(c["wa_id"]) for c in found]


async def test_reply_reaches_foreign_customer_when_to_is_the_webhook_from(
    stack: InProcessStack,
) -> None:
    await customer(stack, UK, "Uma Example")
    await customer(stack, DK, "Dagny Example")
    async with Receiver() as receiver:
        token = await ready(stack)
        settings = {"webhooks": {"url": receiver.url}}
        patched = await stack.http.patch(
            "/v1/settings/application", headers=bearer(token), json=settings
        )
        assert patched.status_code == 200, patched.text
        for wa_id in (UK, DK):
            await customer_writes(stack, wa_id, "Can I change my order?")
        await eventually(lambda: _senders(receiver) == {UK, DK})
        replies = {}
        for sender in sorted(_senders(receiver)):  # the webhook's "from", verbatim
            replies[sender] = await send_text(stack, token, sender, "Yes, until Friday")
        for sender, message_id in replies.items():
            await assert_reached(stack, sender, message_id)
        await eventually(lambda: _recipients(receiver, replies) == {UK, DK})
    # Nobody at the US readings of the Danish wa_id (+1 452 512 3456) was created or written to.
    assert (await stack.control.get(f"/customers/1{DK}")).status_code == 404


def _senders(receiver: Receiver) -> set[str]:
    return {m["from"] for b in receiver.bodies for m in b.get("messages", [])}


def _recipients(receiver: Receiver, replies: dict[str, str]) -> set[str]:
    ids = set(replies.values())
    return {
        s["recipient_id"] for b in receiver.bodies for s in b.get("statuses", []) if s["id"] in ids
    }


async def test_send_reaches_foreign_customer_when_to_is_the_contacts_wa_id(
    stack: InProcessStack,
) -> None:
    await customer(stack, UK, "Uma Example")
    await customer(stack, DK_CHECKED, "Dora Example")
    token = await ready(stack)
    wa_ids = await check_contacts(stack, token, ["+44 7700 900123", "+45 27 65 43 21"])
    assert wa_ids == [UK, DK_CHECKED]
    for wa_id in wa_ids:
        await assert_reached(stack, wa_id, await send_template(stack, token, wa_id))
    assert (await stack.control.get(f"/customers/1{DK_CHECKED}")).status_code == 404


async def test_known_wa_ids_are_reached_after_a_coreapp_restart(stack: InProcessStack) -> None:
    await customer(stack, DK, "Dagny Example")
    await customer(stack, DK_CHECKED, "Dora Example")
    token = await ready(stack)
    await customer_writes(stack, DK)
    assert await check_contacts(stack, token, ["+45 27 65 43 21"]) == [DK_CHECKED]
    await restart_core(stack)  # the known wa_ids come back from the database
    await until_ready(stack, token)
    await assert_reached(stack, DK, await send_text(stack, token, DK))
    await assert_reached(stack, DK_CHECKED, await send_template(stack, token, DK_CHECKED))


async def test_national_number_takes_the_business_country_code(stack: InProcessStack) -> None:
    await customer(stack, US, "Sam Example")
    await customer(stack, PH, "Pia Example")
    token = await ready(stack)
    for to in (PH, "(631) 555-1234"):
        message_id = await send_template(stack, token, to)
        await assert_reached(stack, US, message_id)
        assert not await holds(stack, PH, message_id)
