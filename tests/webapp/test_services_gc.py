"""``PUT /v1/services/message/gc`` and ``/media/gc``: ``processing`` at once, then exactly the
old rows and files go and the completion webhook reaches the receiver (spec §10.5, §11.6).
Days pass on the injected clock, which the simulated network follows too."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.messaging import (
    ALICE,
    customer_writes,
    eventually,
    ready,
    receipts,
    send_text,
    stored_status,
    until,
)
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.test_media_messages import JPEG, send, upload
from tests.webapp.test_stickerpacks import add_sticker, create_pack, webp
from tests.webapp.test_webhooks import set_webhook
from waemu import media_files
from waemu.coreapp.services import gc as gc_module

DAY = 86400.0


def follow_clock(stack: InProcessStack) -> None:
    """Let the network stamp messages and receipts with the stack's manual clock."""
    assert stack.network.messaging is not None
    stack.network.messaging.clock = lambda: stack.clock.now().timestamp()


def services(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in bodies if "services" in b]


async def delivered_out(stack: InProcessStack, token: str, text: str) -> str:
    message_id = await send_text(stack, token, ALICE, text)
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    return message_id


async def test_message_gc_deletes_only_old_messages(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    follow_clock(stack)
    async with Receiver() as receiver:
        await set_webhook(stack, token, receiver.url)
        old_in = await customer_writes(stack, ALICE, "old question")
        old_out = await delivered_out(stack, token, "old answer")
        stack.clock.advance(31 * DAY)  # past the 30-day retention
        token = await stack.api.admin_token()  # the old token expired on the way
        new_in = await customer_writes(stack, ALICE, "new question")
        new_out = await delivered_out(stack, token, "new answer")
        response = await stack.http.put("/v1/services/message/gc", headers=bearer(token))
        assert assert_ok(response) == {"services": {"message": {"gc": {"status": "processing"}}}}
        await eventually(lambda: len(services(receiver.bodies)) == 1)
    assert services(receiver.bodies) == [
        {"services": [{"message": {"gc": {"messages_deleted": 2, "status": "complete"}}}]}
    ]
    assert await stored_status(stack, old_in) is None
    assert await stored_status(stack, old_out) is None
    assert await receipts(stack, old_out) == []
    assert await stored_status(stack, new_in) == "received"
    assert await stored_status(stack, new_out) == "read"
    assert await receipts(stack, new_out) == ["sent", "delivered", "read"]


async def test_message_gc_keeps_everything_younger_than_the_retention(
    sqlite_stack: InProcessStack,
) -> None:
    token = await ready(sqlite_stack, ALICE)
    follow_clock(sqlite_stack)
    async with Receiver() as receiver:
        await set_webhook(sqlite_stack, token, receiver.url)
        kept = await customer_writes(sqlite_stack, ALICE)
        sqlite_stack.clock.advance(29 * DAY)
        token = await sqlite_stack.api.admin_token()
        response = await sqlite_stack.http.put("/v1/services/message/gc", headers=bearer(token))
        assert response.status_code == 200, response.text
        await eventually(lambda: len(services(receiver.bodies)) == 1)
    (body,) = services(receiver.bodies)
    assert body["services"][0]["message"]["gc"]["messages_deleted"] == 0
    assert await stored_status(sqlite_stack, kept) == "received"


def media_path(stack: InProcessStack, media_id: str) -> Any:
    return media_files.resolve(
        stack.settings.media_dir, media_files.final_path(media_files.OUTGOING, media_id)
    )


async def test_media_gc_deletes_media_unused_for_30_days(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    follow_clock(stack)
    async with Receiver() as receiver:
        await set_webhook(stack, token, receiver.url)
        used = await upload(stack, token, JPEG, "image/jpeg")
        unused = await upload(stack, token, JPEG + b"1", "image/jpeg")
        stack.clock.advance(20 * DAY)
        token = await stack.api.admin_token()
        recent = await upload(stack, token, JPEG + b"2", "image/jpeg")
        await customer_writes(stack, ALICE)
        await send(stack, token, {"to": ALICE, "type": "image", "image": {"id": used}})
        stack.clock.advance(15 * DAY)  # unused: 35 days old; used: sent 15 days ago
        token = await stack.api.admin_token()
        assert media_path(stack, unused).exists()
        response = await stack.http.put("/v1/services/media/gc", headers=bearer(token))
        assert assert_ok(response) == {"services": {"media": {"gc": {"status": "processing"}}}}
        await eventually(lambda: len(services(receiver.bodies)) == 1)
    assert services(receiver.bodies) == [
        {"services": [{"media": {"gc": {"items_deleted": 1, "status": "complete"}}}]}
    ]
    assert not media_path(stack, unused).exists()
    gone = await stack.http.get(f"/v1/media/{unused}", headers=bearer(token))
    assert_error(gone, 404, 1006, unused)
    for kept in (used, recent):
        assert media_path(stack, kept).exists()
        got = await stack.http.get(f"/v1/media/{kept}", headers=bearer(token))
        assert got.status_code == 200, got.text


async def test_media_gc_reports_files_it_could_not_delete(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack)
    async with Receiver() as receiver:
        await set_webhook(sqlite_stack, token, receiver.url)
        stuck = await upload(sqlite_stack, token, JPEG, "image/jpeg")
        path = media_path(sqlite_stack, stuck)
        path.unlink()
        path.mkdir()  # a folder in its place: removing "the file" fails
        (path / "keep").write_bytes(b"x")
        sqlite_stack.clock.advance(31 * DAY)
        token = await sqlite_stack.api.admin_token()
        response = await sqlite_stack.http.put("/v1/services/media/gc", headers=bearer(token))
        assert response.status_code == 200, response.text
        await eventually(lambda: len(services(receiver.bodies)) == 1)
    gc = services(receiver.bodies)[0]["services"][0]["media"]["gc"]
    assert gc == {
        "items_deleted": 0,
        "errors": [{"code": 1014, "details": "Could not delete media files"}],
        "status": "failed",
    }
    assert path.is_dir()


async def test_gc_is_for_the_admin_only(sqlite_stack: InProcessStack) -> None:
    user = await create_user(sqlite_stack, "operator")
    for store in ("message", "media"):
        path = f"/v1/services/{store}/gc"
        assert_error(await sqlite_stack.http.put(path), 401, 1005, "Authorization")
        assert_error(await sqlite_stack.http.put(path, headers=bearer(user)), 403, 1005, "")
        apikey = {"Authorization": "Apikey monitoring-key-0123"}
        response = await sqlite_stack.http.put(path, headers=apikey)
        assert_error(response, 401, 1005, "Bearer")


async def test_automatic_gc_follows_garbagecollector_enable(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack, ALICE)
    follow_clock(sqlite_stack)
    gc = sqlite_stack.core.gc
    assert gc is not None
    async with Receiver() as receiver:
        await set_webhook(sqlite_stack, token, receiver.url)
        old_in = await customer_writes(sqlite_stack, ALICE, "old")
        media_id = await upload(sqlite_stack, token, JPEG, "image/jpeg")
        # Defaults (spec §9.1): messages collected, media not.
        sqlite_stack.clock.advance(31 * DAY)
        gc.kick()
        await until(lambda: stored_status(sqlite_stack, old_in), None)
        assert media_path(sqlite_stack, media_id).exists()
        token = await sqlite_stack.api.admin_token()
        patch = {"garbagecollector_enable": {"media": True, "messages": False}}
        response = await sqlite_stack.http.patch(
            "/v1/settings/application", headers=bearer(token), json=patch
        )
        assert response.status_code == 200, response.text
        kept_in = await customer_writes(sqlite_stack, ALICE, "newer")
        sqlite_stack.clock.advance(31 * DAY)
        gc.kick()
        for _ in range(250):
            if not media_path(sqlite_stack, media_id).exists():
                break
            await asyncio.sleep(0.02)
        assert not media_path(sqlite_stack, media_id).exists()
        assert await stored_status(sqlite_stack, kept_in) == "received"
        await asyncio.sleep(0.2)
    assert services(receiver.bodies) == []  # nobody asked: no notification


async def test_media_gc_keeps_the_images_of_pack_stickers(stack: InProcessStack) -> None:
    token = await ready(stack)
    async with Receiver() as receiver:
        await set_webhook(stack, token, receiver.url)
        image = await upload(stack, token, webp(), "image/webp")
        index = await add_sticker(stack, token, await create_pack(stack, token), image)
        loose = await upload(stack, token, JPEG, "image/jpeg")
        stack.clock.advance(31 * DAY)  # neither was sent: both unused for 31 days
        token = await stack.api.admin_token()
        response = await stack.http.put("/v1/services/media/gc", headers=bearer(token))
        assert response.status_code == 200, response.text
        await eventually(lambda: len(services(receiver.bodies)) == 1)
    assert services(receiver.bodies) == [
        {"services": [{"media": {"gc": {"items_deleted": 1, "status": "complete"}}}]}
    ]
    assert not media_path(stack, loose).exists()
    assert media_path(stack, image).exists()  # the sticker still has its image
    got = await stack.http.get(f"/v1/media/{image}", headers=bearer(token))
    assert got.status_code == 200 and got.content == webp(), got.text
    assert index == 0


async def test_media_gc_removes_files_without_holding_up_other_writes(
    sqlite_stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await ready(sqlite_stack, ALICE)
    stale = await upload(sqlite_stack, token, JPEG, "image/jpeg")
    entered, release = threading.Event(), threading.Event()
    remove_files = gc_module._remove_files

    def held(root: Path, paths: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
        entered.set()
        release.wait(20)
        return remove_files(root, paths)

    monkeypatch.setattr(gc_module, "_remove_files", held)
    sqlite_stack.clock.advance(31 * DAY)
    token = await sqlite_stack.api.admin_token()
    try:
        response = await sqlite_stack.http.put("/v1/services/media/gc", headers=bearer(token))
        assert response.status_code == 200, response.text
        await eventually(entered.is_set)
        # While the files are being removed, a customer's message is stored (through the
        # same batch writer) and answered.
        await customer_writes(sqlite_stack, ALICE, "during the collection")
    finally:
        release.set()
    gc = sqlite_stack.core.gc
    assert gc is not None
    await eventually(lambda: gc.last_deleted.get("media") == 1)
    gone = await sqlite_stack.http.get(f"/v1/media/{stale}", headers=bearer(token))
    assert_error(gone, 404, 1006, stale)
