"""Steps the contacts and identity tests share: a linked coreapp, the network's lookup record."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.stacks import InProcessStack, bearer


async def linked(stack: InProcessStack) -> dict[str, str]:
    """Wait until the coreapp's link to the network is open; an admin Authorization header."""
    for _ in range(250):
        if stack.core.link is not None and stack.core.link.connected:
            return bearer(await stack.api.admin_token())
        await asyncio.sleep(0.02)
    raise AssertionError("the coreapp did not connect to the network")


async def check(
    stack: InProcessStack, headers: dict[str, str], contacts: list[str], **options: Any
) -> httpx.Response:
    """``POST /v1/contacts``."""
    return await stack.http.post(
        "/v1/contacts", json={"contacts": contacts, **options}, headers=headers
    )


def statuses(response: httpx.Response) -> list[dict[str, Any]]:
    """The ``contacts`` list of a 200 answer."""
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["contacts"]
    return found


async def lookups_of(stack: InProcessStack, text: str) -> int:
    """How many times the network was asked about ``text``."""
    response = await stack.control.get("/lookups", params={"input": text})
    assert response.status_code == 200, response.text
    count: int = response.json()["per_input"].get(text, 0)
    return count


async def slow_customer(stack: InProcessStack, wa_id: str, delay: float) -> None:
    """Make ``wa_id`` a customer whose lookups take ``delay`` seconds."""
    response = await stack.control.put(
        f"/customers/{wa_id}", json={"wa_id": wa_id, "name": "Slow Sam", "lookup_delay": delay}
    )
    assert response.status_code == 200, response.text
