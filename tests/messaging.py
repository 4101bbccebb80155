"""Helpers for message tests: a registered stack, quick customers, waiting for statuses."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.registration import register
from tests.stacks import InProcessStack, bearer
from waemu.storage.repos import messages as repo

ALICE, BOB = "16315551001", "16315551002"
QUICK = {"delivery_delay": 0.02, "read_delay": 0.02}


async def ready(stack: InProcessStack, *customers: str) -> str:
    """Register the business, make ``customers`` quick, wait until the coreapp's startup is
    done (sends accepted, spec §12), and return an admin token."""
    token = await stack.api.admin_token()
    await register(stack, token)
    for customer in customers:
        await stack.net.update_customer(
            customer, delivery_delay=QUICK["delivery_delay"], read_delay=QUICK["read_delay"]
        )
    await until_ready(stack, token)
    return token


async def socket_conn(stack: InProcessStack, token: str) -> str:
    """``/v1/support``'s ``socket_conn``: "UP" once the coreapp is ready (spec §10.4)."""
    response = await stack.http.get("/v1/support", headers=bearer(token))
    assert response.status_code == 200, response.text
    value: str = response.json()["support"]["socket_conn"]
    return value


async def until_ready(stack: InProcessStack, token: str) -> None:
    """Wait until the coreapp is connected and its startup done (``socket_conn`` "UP")."""
    await until(lambda: socket_conn(stack, token), "UP")


async def customer_writes(stack: InProcessStack, customer: str, body: str = "hi") -> str:
    """The customer sends the business a text (opening the 24-hour window)."""
    message_id = (await stack.net.send_text_as_customer(customer, body)).id
    await until(lambda: stored_status(stack, message_id), "received")
    return message_id


async def send_text(stack: InProcessStack, token: str, to: str, body: str = "Hello") -> str:
    """Send a text; returns the message id."""
    response = await stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": to, "type": "text", "text": {"body": body}},
    )
    assert response.status_code == 201, response.text
    message_id: str = response.json()["messages"][0]["id"]
    return message_id


async def stored_status(stack: InProcessStack, message_id: str) -> str | None:
    """The message's current status in the coreapp's database."""
    assert stack.core.messages is not None
    async with stack.core.messages.sessions() as session:
        row = await repo.get(session, message_id)
    return None if row is None else row.status


async def receipts(stack: InProcessStack, message_id: str) -> list[str]:
    """Every receipt the coreapp recorded for the message, in order."""
    assert stack.core.messages is not None
    async with stack.core.messages.sessions() as session:
        return await repo.statuses(session, message_id)


async def until(probe: Any, expected: Any, timeout: float = 10.0) -> None:
    """Poll the async ``probe()`` until it returns ``expected``."""
    last = None
    for _ in range(int(timeout / 0.02)):
        last = await probe()
        if last == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {expected!r}, last saw {last!r}")


async def eventually(check: Any, timeout: float = 10.0) -> None:
    """Poll the plain ``check()`` until it is true."""
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def inbox(stack: InProcessStack, customer: str) -> list[dict[str, Any]]:
    """What the customer holds, per the network's control API."""
    response = await stack.control.get(f"/customers/{customer}/messages")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages
