"""Media messages: ids checked before the 201, links downloaded after it (spec §7.3)."""

from __future__ import annotations

import hashlib

from tests.coreapp.http_server import Answer, HttpServer
from tests.messaging import ALICE, customer_writes, inbox, ready, receipts, until
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


async def upload(stack: InProcessStack, token: str, data: bytes, mime: str) -> str:
    response = await stack.http.post(
        "/v1/media", content=data, headers={**bearer(token), "Content-Type": mime}
    )
    assert response.status_code == 201, response.text
    media_id: str = response.json()["media"][0]["id"]
    return media_id


async def send(stack: InProcessStack, token: str, body: dict[str, object]) -> str:
    response = await stack.http.post("/v1/messages", headers=bearer(token), json=body)
    assert response.status_code == 201, response.text
    message_id: str = response.json()["messages"][0]["id"]
    return message_id


async def test_image_by_id_reaches_customer_with_its_hash(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    media_id = await upload(stack, token, JPEG, "image/jpeg")
    message_id = await send(
        stack,
        token,
        {"to": ALICE, "type": "image", "image": {"id": media_id, "caption": "our shop"}},
    )
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    (held,) = [m for m in await inbox(stack, ALICE) if m["id"] == message_id]
    assert held["image"]["mime_type"] == "image/jpeg"
    assert held["image"]["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert held["image"]["caption"] == "our shop"


async def test_unknown_media_id_is_refused_at_once(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    response = await sqlite_stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={
            "to": ALICE,
            "type": "image",
            "image": {"id": "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68"},
        },
    )
    assert_error(response, 404, 1006, "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68")


async def test_pdf_id_sent_as_image_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    media_id = await upload(sqlite_stack, token, b"%PDF-1.4 test", "application/pdf")
    response = await sqlite_stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": ALICE, "type": "image", "image": {"id": media_id}},
    )
    assert_error(response, 400, 1009, "image")


async def test_link_is_downloaded_after_the_201(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    async with HttpServer() as server:
        server.answers["/menu.pdf"] = Answer(body=b"%PDF-1.4 menu", content_type="application/pdf")
        message_id = await send(
            sqlite_stack,
            token,
            {
                "to": ALICE,
                "type": "document",
                "document": {"link": server.url("/menu.pdf"), "filename": "menu.pdf"},
            },
        )
        await until(lambda: receipts(sqlite_stack, message_id), ["sent", "delivered", "read"])
        assert [s.path for s in server.seen] == ["/menu.pdf"]
    (held,) = [m for m in await inbox(sqlite_stack, ALICE) if m["id"] == message_id]
    assert held["document"]["mime_type"] == "application/pdf"
    assert held["document"]["filename"] == "menu.pdf"


async def test_link_that_cannot_be_downloaded_fails_the_message(
    sqlite_stack: InProcessStack,
) -> None:
    token = await ready(sqlite_stack, ALICE)
    await customer_writes(sqlite_stack, ALICE)
    async with HttpServer() as server:
        message_id = await send(
            sqlite_stack,
            token,
            {"to": ALICE, "type": "image", "image": {"link": server.url("/missing.jpg")}},
        )
        await until(lambda: receipts(sqlite_stack, message_id), ["failed"])
    assert not [m for m in await inbox(sqlite_stack, ALICE) if m["id"] == message_id]
