"""Customer messages of every type of spec §11.2, through the real parts: control API →
network → coreapp → database → a real webhook receiver; their bodies compared key for key
with the spec's examples (§11.2, §11.3)."""

# ruff: noqa: E501  (the tables of bodies read best one body a line)
from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from tests.messaging import ALICE, eventually, receipts, send_text, until
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.inbound_helpers import (
    SPEC_IMAGE,
    SPEC_STATUS,
    SPEC_TEXT,
    assert_same_shape,
    body_with,
    customer_sends,
    messages_of,
    wired,
)

CONTACT = {
    "name": {"formatted_name": "Jane Roe", "first_name": "Jane"},
    "phones": [{"phone": "+16315551004", "type": "CELL", "wa_id": "16315551004"}],
}
MEDIA = ("image", "audio", "voice", "video", "document", "sticker")
# Every type: the control-API body, and the type object the webhook must carry (media: the
# keys, checked separately).
TYPES: list[tuple[dict[str, Any], Any]] = [
    ({"type": "text", "text": {"body": "Hi"}}, {"body": "Hi"}),
    ({"type": "image", "image": {"caption": "Look"}}, {"caption", "id", "mime_type", "sha256"}),
    ({"type": "audio"}, {"id", "mime_type", "sha256"}),
    ({"type": "voice"}, {"id", "mime_type", "sha256"}),
    ({"type": "video", "video": {"caption": "Clip"}}, {"caption", "id", "mime_type", "sha256"}),
    (
        {"type": "document", "document": {"filename": "a.pdf", "caption": "A"}},
        {"caption", "filename", "id", "mime_type", "sha256"},
    ),
    ({"type": "sticker"}, {"id", "mime_type", "sha256"}),
    (
        {"type": "location", "location": {"latitude": 1.5, "longitude": 2, "name": "Here"}},
        {"latitude": 1.5, "longitude": 2, "name": "Here"},
    ),
    ({"type": "contacts", "contacts": [CONTACT]}, [CONTACT]),
    ({"type": "button", "button": {"payload": "P", "text": "Yes"}}, {"payload": "P", "text": "Yes"}),
    (
        {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "b", "title": "B"}}},
        {"type": "button_reply", "button_reply": {"id": "b", "title": "B"}},
    ),
    (
        {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "l", "title": "L"}}},
        {"type": "list_reply", "list_reply": {"id": "l", "title": "L"}},
    ),
    (
        {"type": "order", "order": {"catalog_id": "c", "product_items": [{"product_retailer_id": "p", "quantity": 1, "item_price": 3.5, "currency": "USD"}]}},
        {"catalog_id": "c", "product_items": [{"product_retailer_id": "p", "quantity": 1, "item_price": 3.5, "currency": "USD"}]},
    ),
]  # fmt: skip


async def test_every_inbound_type_reaches_the_webhook(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver)
        sent = [(await customer_sends(stack, body), body, expected) for body, expected in TYPES]
        await eventually(lambda: len(messages_of(receiver)) == len(TYPES))
        got = messages_of(receiver)
        for message_id, body, expected in sent:
            kind = body["type"]
            message = got[message_id]
            assert set(message) == {"from", "id", "timestamp", "type", kind}, kind
            assert message["from"] == ALICE and message["type"] == kind
            assert isinstance(message["timestamp"], str)
            assert body_with(receiver, message_id)["contacts"] == [
                {"profile": {"name": "Alice Example"}, "wa_id": ALICE}
            ]
            if kind not in MEDIA:
                assert message[kind] == expected, kind
                continue
            media = message[kind]
            assert set(media) == expected, kind
            # Auto-downloaded (every type by default): the business downloads it by id.
            response = await stack.http.get(f"/v1/media/{media['id']}", headers=bearer(token))
            assert response.status_code == 200, (kind, response.text)
            assert hashlib.sha256(response.content).hexdigest() == media["sha256"]
            assert response.headers["content-type"].startswith(media["mime_type"].split(";")[0])
        voice = next(got[i]["voice"] for i, b, _e in sent if b["type"] == "voice")
        assert voice["mime_type"] == "audio/ogg; codecs=opus"


async def test_text_and_image_match_the_spec_examples_key_for_key(
    stack: InProcessStack,
) -> None:
    async with Receiver() as receiver:
        await wired(stack, receiver)
        text_id = await customer_sends(stack, {"type": "text", "text": {"body": "Hi"}})
        image_id = await customer_sends(stack, {"type": "image", "image": {"caption": "x"}})
        await eventually(lambda: {text_id, image_id} <= set(messages_of(receiver)))
    text_body = body_with(receiver, text_id)
    single = {**text_body, "messages": [m for m in text_body["messages"] if m["id"] == text_id]}
    assert_same_shape(single, SPEC_TEXT)
    assert_same_shape(messages_of(receiver)[image_id], SPEC_IMAGE)


async def test_status_matches_the_spec_example_key_for_key(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, webhooks={"message": {"sent": True}})
        await customer_sends(stack, {"type": "text", "text": {"body": "Hi"}})
        message_id = await send_text(stack, token, ALICE)
        await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])

        def first() -> list[dict[str, Any]]:
            return [
                b for b in receiver.bodies if b.get("statuses", [{}])[0].get("id") == message_id
            ]

        await eventually(lambda: len(first()) >= 1)
    sent = next(s for b in first() for s in b["statuses"] if s["status"] == "sent")
    assert_same_shape({"statuses": [sent]}, SPEC_STATUS)


async def test_context_and_referral_reach_the_webhook(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver)
        context = {"from": "16315550100", "id": "gBEGkYiEB1VXAglK1ZEqA1YKPrU", "forwarded": False}
        referral = {
            "headline": "Shoes",
            "body": "New",
            "source_type": "ad",
            "source_id": "42",
            "source_url": "https://fb.me/x",
            "video": {},
        }
        message_id = await customer_sends(
            stack,
            {"type": "text", "text": {"body": "these?"}, "context": context, "referral": referral},
        )
        await eventually(lambda: message_id in messages_of(receiver))
    message = messages_of(receiver)[message_id]
    assert message["context"] == context
    video = message["referral"].pop("video")
    assert message["referral"] == {
        **{k: v for k, v in referral.items() if k != "video"},
        "media_type": "video",
    }
    got = await stack.http.get(f"/v1/media/{video['id']}", headers=bearer(token))
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"


async def test_unknown_type_carries_errors_inside_the_message(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        await wired(stack, receiver)
        message_id = await customer_sends(stack, {"type": "unknown"})
        await eventually(lambda: message_id in messages_of(receiver))
    message = messages_of(receiver)[message_id]
    assert message["type"] == "unknown"
    assert message["errors"] == [
        {"code": 501, "title": "Unknown message type", "details": "Message type is not currently supported"}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "image", "image": {"mime_type": "image/gif"}}, "image/gif"),
        ({"type": "text", "text": {}}, "body"),
    ],
)
async def test_control_api_refuses_bad_bodies_with_422(
    sqlite_stack: InProcessStack, body: dict[str, Any], words: str
) -> None:
    await wired(sqlite_stack, Receiver())
    response = await sqlite_stack.control.post(f"/customers/{ALICE}/messages", json=body)
    assert response.status_code == 422 and words in response.text


async def test_given_file_is_what_the_business_downloads(sqlite_stack: InProcessStack) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(100)
    async with Receiver() as receiver:
        token = await wired(sqlite_stack, receiver)
        image = {"data": base64.b64encode(data).decode(), "mime_type": "image/png"}
        message_id = await customer_sends(sqlite_stack, {"type": "image", "image": image})
        await eventually(lambda: message_id in messages_of(receiver))
    media = messages_of(receiver)[message_id]["image"]
    assert media["sha256"] == hashlib.sha256(data).hexdigest()
    got = await sqlite_stack.http.get(f"/v1/media/{media['id']}", headers=bearer(token))
    assert got.content == data and got.headers["content-type"] == "image/png"
