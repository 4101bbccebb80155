"""Customers sending the business every inbound type through the control API (spec §11.2),
changing number (spec §11.5), and the network's checks of those bodies (422 on a bad one).

The network runs without a coreapp here: what it would push waits in the business's queue,
which is what these tests read.
"""

# ruff: noqa: E501  (the tables of bodies read best one body a line)
from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from waemu.network.control import create_control_app
from waemu.network.main import build
from waemu.network.messaging import Messaging
from waemu.network.server import NetworkServer
from waemu.network.world import World
from waemu.settings import Settings

BUSINESS, ALICE, BOB = "16315550100", "16315551001", "16315551002"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


class Net:
    def __init__(self, world: World, server: NetworkServer, control: httpx.AsyncClient):
        self.world, self.server, self.control = world, server, control

    @property
    def messaging(self) -> Messaging:
        assert self.server.messaging is not None
        return self.server.messaging

    def queued(self) -> list[dict[str, Any]]:
        return [item for kind, item in self.messaging.take(BUSINESS) if kind == "messages"]

    async def send(self, body: dict[str, Any], wa_id: str = ALICE) -> httpx.Response:
        return await self.control.post(
            f"/customers/{wa_id}/messages", json={"business": BUSINESS, **body}
        )

    async def pushed(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.send(body)
        assert response.status_code == 200, response.text
        (item,) = self.queued()
        message: dict[str, Any] = item["message"]
        assert message["id"] == response.json()["id"]
        return message


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Net]:
    settings = replace(Settings.from_env({"WA_DATA_DIR": str(tmp_path)}), network_port=0)
    world, server = build(settings)
    app = create_control_app(world, server)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://network"
    ) as control:
        yield Net(world, server, control)


CONTACT = {
    "name": {"formatted_name": "Jane Roe", "first_name": "Jane", "last_name": "Roe"},
    "phones": [{"phone": "+1 631 555 1004", "type": "CELL", "wa_id": "16315551004"}],
    "emails": [{"email": "jane@example.com", "type": "WORK"}],
    "birthday": "1990-02-01",
}

# (body, the type object the network pushes), for the types whose object is passed through.
PASSED_THROUGH = [
    ({"type": "text", "text": {"body": "Hi"}}, {"body": "Hi"}),
    (
        {"type": "location", "location": {"latitude": 52.5, "longitude": 13.4, "name": "Home"}},
        {"latitude": 52.5, "longitude": 13.4, "name": "Home"},
    ),
    ({"type": "contacts", "contacts": [CONTACT]}, [CONTACT]),
    ({"type": "button", "button": {"payload": "YES", "text": "Yes"}}, {"payload": "YES", "text": "Yes"}),
    (
        {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Red", "description": "A red one"}}},
        {"type": "list_reply", "list_reply": {"id": "r1", "title": "Red", "description": "A red one"}},
    ),
    (
        {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}}},
        {"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}},
    ),
    (
        {"type": "order", "order": {"catalog_id": "c1", "product_items": [{"product_retailer_id": "p1", "quantity": 2, "item_price": 9.5, "currency": "EUR"}]}},
        {"catalog_id": "c1", "product_items": [{"product_retailer_id": "p1", "quantity": 2, "item_price": 9.5, "currency": "EUR"}]},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), PASSED_THROUGH, ids=lambda v: str(v)[:30])
async def test_customer_sends_type_when_body_is_valid(
    net: Net, body: dict[str, Any], expected: Any
) -> None:
    message = await net.pushed(body)
    kind = body["type"]
    assert message[kind] == expected
    assert set(message) == {"from", "id", "timestamp", "type", kind}
    assert message["from"] == ALICE and isinstance(message["timestamp"], str)


@pytest.mark.parametrize(
    ("kind", "mime"),
    [
        ("image", "image/jpeg"),
        ("audio", "audio/mpeg"),
        ("voice", "audio/ogg; codecs=opus"),
        ("video", "video/mp4"),
        ("document", "application/pdf"),
        ("sticker", "image/webp"),
    ],
)
async def test_customer_sends_sample_media_when_no_data_given(
    net: Net, kind: str, mime: str
) -> None:
    message = await net.pushed({"type": kind})
    media = message[kind]
    assert set(media) == {"id", "mime_type", "sha256"}
    assert media["mime_type"] == mime
    blob = net.messaging.blobs.get(BUSINESS, media["id"])
    assert blob is not None and blob.mime_type == mime
    assert hashlib.sha256(blob.data).hexdigest() == media["sha256"]
    assert net.messaging.blobs.get("16315550199", media["id"]) is None  # another business


async def test_customer_sends_given_file_with_caption_and_filename(net: Net) -> None:
    data = b"%PDF-1.4 invoice"
    document = {
        "data": base64.b64encode(data).decode(),
        "mime_type": "application/pdf",
        "caption": "Invoice",
        "filename": "invoice.pdf",
    }
    message = await net.pushed({"type": "document", "document": document})
    assert message["document"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert message["document"]["caption"] == "Invoice"
    assert message["document"]["filename"] == "invoice.pdf"
    assert message["document"]["id"] != message["id"]


async def test_unknown_type_carries_the_error_of_spec(net: Net) -> None:
    message = await net.pushed({"type": "unknown"})
    assert message["errors"] == [
        {
            "code": 501,
            "title": "Unknown message type",
            "details": "Message type is not currently supported",
        }
    ]
    assert "unknown" not in message


async def test_context_and_referral_ride_along(net: Net) -> None:
    context = {"from": BUSINESS, "id": "gBEGkYiEB1VXAglK1ZEqA1YKPrU", "forwarded": True}
    referral = {
        "headline": "Sale",
        "body": "50% off",
        "source_type": "ad",
        "source_id": "123",
        "source_url": "https://fb.me/abc",
        "image": {},
    }
    message = await net.pushed(
        {
            "type": "text",
            "text": {"body": "Is it on sale?"},
            "context": context,
            "referral": referral,
        }
    )
    assert message["context"] == context
    assert message["referral"]["media_type"] == "image"
    assert set(message["referral"]["image"]) == {"id", "mime_type", "sha256"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "text"}, "text"),
        ({"type": "text", "text": {"body": "x", "extra": 1}}, "extra"),
        ({"type": "selfie"}, "type"),
        ({"type": "image", "image": {"mime_type": "image/gif"}}, "image/gif"),
        ({"type": "voice", "voice": {"mime_type": "audio/mpeg"}}, "audio/ogg; codecs=opus"),
        ({"type": "audio", "audio": {"caption": "no"}}, "caption"),
        ({"type": "image", "image": {"data": "not base64!"}}, "base64"),
        ({"type": "image", "image": {"data": "AAAA"}}, "mime_type is required"),
        ({"type": "location", "location": {"latitude": 91, "longitude": 0}}, "latitude"),
        ({"type": "contacts", "contacts": [{"name": {}}]}, "formatted_name"),
        (
            {"type": "interactive", "interactive": {"type": "list_reply", "button_reply": {"id": "a", "title": "b"}}},
            "exactly list_reply",
        ),
        ({"type": "text", "text": {"body": "x"}, "referral": {"source_type": "tv"}}, "source_type"),
    ],
)  # fmt: skip
async def test_customer_sends_422_when_body_is_bad(
    net: Net, body: dict[str, Any], words: str
) -> None:
    response = await net.send(body)
    assert response.status_code == 422, response.text
    assert words in response.text
    assert net.queued() == []


async def test_change_number_moves_customer_and_tells_partners(net: Net) -> None:
    await net.pushed({"type": "text", "text": {"body": "hello"}})
    response = await net.control.post(
        f"/customers/{ALICE}/change-number", json={"new_wa_id": "16315551099"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["wa_id"] == "16315551099"
    assert net.world.customers.get(ALICE) is None
    (item,) = net.queued()
    message = item["message"]
    assert message["from"] == ALICE and message["type"] == "system"
    assert message["system"] == {
        "body": "Alice Example changed from +1 (631) 555-1001 to +1 (631) 555-1099",
        "new_wa_id": "16315551099",
        "type": "user_changed_number",
    }
    moved = await net.control.get("/customers/16315551099/messages")
    assert [m["type"] for m in moved.json()["messages"]] == ["text", "system"]
    assert (BUSINESS, "16315551099") in net.messaging.windows


async def test_change_number_refused_when_number_taken_or_customer_unknown(net: Net) -> None:
    taken = await net.control.post(f"/customers/{ALICE}/change-number", json={"new_wa_id": BOB})
    assert taken.status_code == 409 and "already" in taken.text
    unknown = await net.control.post(
        "/customers/19995550000/change-number", json={"new_wa_id": "19995550001"}
    )
    assert unknown.status_code == 404
    bad = await net.control.post(f"/customers/{ALICE}/change-number", json={"new_wa_id": "012"})
    assert bad.status_code == 422


async def test_identity_rotation_tells_partners_only(net: Net) -> None:
    await net.pushed({"type": "text", "text": {"body": "hello"}})
    response = await net.control.post(f"/customers/{BOB}/identity/rotate")
    assert response.status_code == 200
    assert net.queued() == []  # Bob never talked with the business
    rotated = (await net.control.post(f"/customers/{ALICE}/identity/rotate")).json()
    (item,) = net.queued()
    assert item["message"]["system"] == {
        "body": "Alice Example's security code changed",
        "identity": rotated["identity"],
        "customer": ALICE,
        "type": "user_identity_changed",
    }
    assert item["contact"]["identity"]["hash"] == rotated["identity"]
