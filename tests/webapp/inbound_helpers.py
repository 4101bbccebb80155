"""Helpers for inbound-notification tests: the spec's webhook examples, a key-for-key shape
comparison, and a stack with a webhook receiver."""

from __future__ import annotations

from typing import Any

from tests.messaging import ALICE, ready, stored_status, until
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer

# spec §11.2: the real v2.33 text capture and the real media capture.
SPEC_TEXT = {
    "contacts": [{"profile": {"name": "Andre"}, "wa_id": "79944065555"}],
    "messages": [
        {
            "from": "79944065555",
            "id": "ABGGeZRAZ1NvAhAYlFdP4V6Y0_R3FfN6fJr-",
            "text": {"body": "Test Web 12 Aug, 1"},
            "timestamp": "1628770488",
            "type": "text",
        }
    ],
}
SPEC_IMAGE = {
    "from": "79944067536",
    "id": "ABGGeZRAZ1NvAhCN2MqoXGMPO9-z9MpYIIAB",
    "type": "image",
    "timestamp": "1628771136",
    "image": {
        "caption": "...",
        "id": "d674171b-b912-4d76-9118-e2d571e16f33",
        "mime_type": "image/jpeg",
        "sha256": "79bcf82dbed5de17d3dd96a9092804696ab96f71a840a26849960486075e0292",
    },
}
# spec §11.3, with the ``message`` object v2.39.1 added (spec §11.3, "emit both").
SPEC_STATUS = {
    "statuses": [
        {
            "id": "gBGGFlB5YjhvAgnhuF1qIUvCo7A",
            "recipient_id": "16315555555",
            "status": "sent",
            "timestamp": "1610561171",
            "type": "message",
            "conversation": {
                "id": "532b57b5f6e63595ccd74c6010e5c5c7",
                "expiration_timestamp": 1631209860,
                "origin": {"type": "business_initiated"},
            },
            "pricing": {"billable": True, "pricing_model": "CBP", "category": "business_initiated"},
            "message": {"recipient_id": "16315555555"},
        }
    ]
}
# spec §11.5: the number change example (no contacts array), and the identity change.
SPEC_NUMBER_CHANGE = {
    "messages": [
        {
            "from": "16315555555",
            "id": "ABGGFjFVWVRfAhDhO9WjvafmKE5R",
            "timestamp": "1618503049",
            "type": "system",
            "system": {
                "body": "User A changed from +1 (631) 555-5555 to +1 (631) 555-5556",
                "new_wa_id": "16315555556",
                "type": "user_changed_number",
            },
        }
    ]
}
SPEC_IDENTITY_CHANGE_SYSTEM = {
    "body": "...",
    "identity": "UKD6Y/5SqDU=",
    "customer": "16315555555",
    "type": "user_identity_changed",
}
# spec §11.2 ``identity`` (§6.4: created_timestamp an integer).
SPEC_IDENTITY = {"acknowledged": True, "created_timestamp": 1602532300000, "hash": "Sjvjlx8G6Z0="}
# spec §11.4.
SPEC_ERRORS = {
    "errors": [{"code": 400, "title": "...", "details": "...", "href": "..."}],
    "meta": {"api_status": "stable", "version": "v2.53.2"},
}


def shape(value: Any) -> Any:
    """The keys at every level and the type of every leaf (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_same_shape(actual: Any, example: Any) -> None:
    """``actual`` has the example's keys at every level, with values of the same types."""
    assert shape(actual) == shape(example), (actual, example)


async def set_settings(stack: InProcessStack, token: str, **settings: Any) -> None:
    response = await stack.http.patch(
        "/v1/settings/application", headers=bearer(token), json=settings
    )
    assert response.status_code == 200, response.text


async def wired(stack: InProcessStack, receiver: Receiver, **settings: Any) -> str:
    """Register, point the webhook at ``receiver``, apply ``settings``; an admin token."""
    token = await ready(stack, ALICE)
    webhooks = {"url": receiver.url, **settings.pop("webhooks", {})}
    await set_settings(stack, token, webhooks=webhooks, **settings)
    return token


async def customer_sends(stack: InProcessStack, body: dict[str, Any], customer: str = ALICE) -> str:
    """The customer sends ``body`` through the control API; waits until it is stored."""
    response = await stack.control.post(f"/customers/{customer}/messages", json=body)
    assert response.status_code == 200, response.text
    message_id: str = response.json()["id"]
    await until(lambda: stored_status(stack, message_id), "received")
    return message_id


def messages_of(receiver: Receiver) -> dict[str, dict[str, Any]]:
    """Every message the receiver accepted, by id."""
    return {m["id"]: m for b in receiver.bodies for m in b.get("messages", [])}


def body_with(receiver: Receiver, message_id: str) -> dict[str, Any]:
    """The POST body that carried ``message_id``."""
    for body in receiver.bodies:
        if any(m["id"] == message_id for m in body.get("messages", [])):
            return body
    raise AssertionError(f"no webhook carried {message_id}")
