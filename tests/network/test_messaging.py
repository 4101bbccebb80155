"""The network's delivery rules: windows, conversations, failures, repeats (spec §7.11, §11.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from waemu.network.contact_directory import ContactDirectory
from waemu.network.messaging import DAY, Messaging
from waemu.network.world import World

BUSINESS, CC = "16315550100", "1"
ALICE, NOT_ON_WA = "16315551001", "16315550000"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def messaging(tmp_path: Path, clock: Clock) -> Messaging:
    world = World(tmp_path)
    return Messaging(world, ContactDirectory(world), clock)


def text(message_id: str, to: str = ALICE) -> dict[str, object]:
    return {"id": message_id, "to": to, "type": "text", "text": {"body": "hi"}}


def template(message_id: str, to: str = ALICE) -> dict[str, object]:
    return {"id": message_id, "to": to, "type": "template", "template": {"name": "x"}}


async def test_free_form_needs_an_open_window(messaging: Messaging, clock: Clock) -> None:
    assert messaging.accept(BUSINESS, CC, text("m1"))["errors"][0]["code"] == 470
    customer = messaging.world.customers.get(ALICE)
    assert customer is not None
    messaging.customer_writes(BUSINESS, customer, {"type": "text", "text": {"body": "yo"}})
    assert messaging.accept(BUSINESS, CC, text("m2"))["status"] == "sent"
    clock.now += DAY + 1
    assert messaging.accept(BUSINESS, CC, text("m3"))["status"] == "failed"


async def test_templates_open_business_initiated_conversations(messaging: Messaging) -> None:
    first = messaging.accept(BUSINESS, CC, template("t1"))
    second = messaging.accept(BUSINESS, CC, template("t2"))
    assert first["status"] == second["status"] == "sent"
    assert first["conversation"]["origin"] == {"type": "business_initiated"}
    assert "expiration_timestamp" in first["conversation"]
    assert "expiration_timestamp" not in second["conversation"]
    assert first["conversation"]["id"] == second["conversation"]["id"]
    assert first["pricing"] == {
        "billable": True,
        "pricing_model": "CBP",
        "category": "business_initiated",
    }


async def test_non_whatsapp_recipients_fail_asynchronously(messaging: Messaging) -> None:
    assert messaging.accept(BUSINESS, CC, template("t", NOT_ON_WA))["errors"][0]["code"] == 1013
    failed = messaging.accept(BUSINESS, CC, text("x", NOT_ON_WA))
    assert failed["errors"] == [
        {
            "code": 470,
            "title": "Re-engagement message",
            "href": "https://developers.facebook.com/docs/whatsapp/api/errors/",
        }
    ]


async def test_a_repeated_message_id_gets_the_same_answer(messaging: Messaging) -> None:
    first = messaging.accept(BUSINESS, CC, template("same"))
    again = messaging.accept(BUSINESS, CC, template("same"))
    assert again is first
    held = [m for m in messaging.inboxes[ALICE] if m["id"] == "same"]
    assert len(held) == 1


async def test_realistic_mode_repeats_and_reorders_receipts(
    messaging: Messaging, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    monkeypatch.setattr(random, "random", lambda: 0.0)  # every chance taken
    messaging.world.settings.realistic_statuses = True
    customer = messaging.world.customers.get(ALICE)
    assert customer is not None
    customer.delivery_delay = customer.read_delay = 0.0
    messaging.accept(BUSINESS, CC, template("t"))
    import asyncio

    await asyncio.sleep(0.05)
    statuses = [item["status"] for _kind, item in messaging.take(BUSINESS)]
    assert statuses == ["delivered", "delivered", "read", "read", "delivered"]
