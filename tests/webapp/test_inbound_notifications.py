"""System messages (spec §11.5), errors notifications (§11.4), identities on inbound messages
(§11.2) and the media settings of §9.1 (``media.auto_download``,
``skip_referral_media_download``), through the real parts up to a real webhook receiver."""

from __future__ import annotations

from typing import Any

from tests.messaging import ALICE, eventually, stored_status, until
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.inbound_helpers import (
    SPEC_ERRORS,
    SPEC_IDENTITY,
    SPEC_IDENTITY_CHANGE_SYSTEM,
    SPEC_NUMBER_CHANGE,
    assert_same_shape,
    body_with,
    customer_sends,
    messages_of,
    wired,
)
from waemu.storage.repos import media as media_repo

NEW_NUMBER = "16315551099"
HI = {"type": "text", "text": {"body": "Hi"}}


async def stored_media(stack: InProcessStack, media_id: str) -> bool:
    assert stack.core.media is not None
    async with stack.core.media.sessions() as session:
        return await media_repo.get(session, media_id) is not None


def system_messages(receiver: Receiver, kind: str) -> list[dict[str, Any]]:
    return [
        m
        for m in messages_of(receiver).values()
        if m["type"] == "system" and m["system"]["type"] == kind
    ]


async def test_number_change_is_notified_as_the_spec_shows(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        await wired(stack, receiver)
        await customer_sends(stack, HI)
        response = await stack.control.post(
            f"/customers/{ALICE}/change-number", json={"new_wa_id": NEW_NUMBER}
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: len(system_messages(receiver, "user_changed_number")) == 1)
        (message,) = system_messages(receiver, "user_changed_number")
        body = body_with(receiver, message["id"])
        assert "contacts" not in body  # spec §11.5: no contacts array on system messages
        assert_same_shape({"messages": [message]}, SPEC_NUMBER_CHANGE)
        assert message["from"] == ALICE and message["system"]["new_wa_id"] == NEW_NUMBER
        # The customer writes again from the new number.
        later = await customer_sends(stack, HI, NEW_NUMBER)
        await eventually(lambda: later in messages_of(receiver))
        assert messages_of(receiver)[later]["from"] == NEW_NUMBER


async def test_number_change_is_silent_when_setting_is_off(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        await wired(stack, receiver, notify_user_change_number=False)
        await customer_sends(stack, HI)
        await stack.control.post(
            f"/customers/{ALICE}/change-number", json={"new_wa_id": NEW_NUMBER}
        )
        later = await customer_sends(stack, HI, NEW_NUMBER)
        await eventually(lambda: later in messages_of(receiver))
    assert system_messages(receiver, "user_changed_number") == []


async def test_identity_change_is_notified_and_marks_messages(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, show_security_notifications=True)
        first = await customer_sends(stack, HI)
        rotated = (await stack.control.post(f"/customers/{ALICE}/identity/rotate")).json()
        await eventually(lambda: len(system_messages(receiver, "user_identity_changed")) == 1)
        (message,) = system_messages(receiver, "user_identity_changed")
        assert "contacts" not in body_with(receiver, message["id"])
        assert_same_shape(message["system"], SPEC_IDENTITY_CHANGE_SYSTEM)
        assert message["system"]["identity"] == rotated["identity"]
        assert message["system"]["customer"] == ALICE
        after = await customer_sends(stack, HI)
        await eventually(lambda: {first, after} <= set(messages_of(receiver)))
        got = messages_of(receiver)
        assert got[first]["identity"]["acknowledged"] is True  # the first identity seen
        assert_same_shape(got[after]["identity"], SPEC_IDENTITY)
        assert got[after]["identity"] == {
            "acknowledged": False,
            "created_timestamp": rotated["identity_created"] * 1000,
            "hash": rotated["identity"],
        }
        identity = await stack.http.get(f"/v1/contacts/{ALICE}/identity", headers=bearer(token))
        assert identity.json()["contacts"]["acknowledged"] is False


async def test_identity_change_is_silent_when_setting_is_off(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        await wired(stack, receiver)  # show_security_notifications defaults to false
        await customer_sends(stack, HI)
        await stack.control.post(f"/customers/{ALICE}/identity/rotate")
        later = await customer_sends(stack, HI)
        await eventually(lambda: later in messages_of(receiver))
    assert system_messages(receiver, "user_identity_changed") == []
    assert "identity" not in messages_of(receiver)[later]


async def test_failed_media_download_sends_an_errors_notification(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver)
        message_id = await customer_sends(
            stack, {"type": "image", "image": {"caption": "broken", "fail_download": True}}
        )

        def errors() -> list[dict[str, Any]]:
            return [b for b in receiver.bodies if "errors" in b]

        await eventually(lambda: message_id in messages_of(receiver) and len(errors()) == 1)
    (notification,) = errors()
    assert_same_shape(notification, SPEC_ERRORS)
    (error,) = notification["errors"]
    media_id = messages_of(receiver)[message_id]["image"]["id"]
    assert error["code"] == 400 and error["title"] == "Media download error"
    assert media_id in error["details"] and message_id in error["details"]
    assert not await stored_media(stack, media_id)
    # A later download tries again, and fails again.
    response = await stack.http.get(f"/v1/media/{media_id}", headers=bearer(token))
    assert_error(response, 500, 1014, "Media download failed")


async def test_media_not_auto_downloaded_is_fetched_on_first_get(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, media={"auto_download": ["image"]})
        audio_id = await customer_sends(stack, {"type": "audio"})
        image_id = await customer_sends(stack, {"type": "image"})
        await eventually(lambda: {audio_id, image_id} <= set(messages_of(receiver)))
    audio = messages_of(receiver)[audio_id]["audio"]
    image = messages_of(receiver)[image_id]["image"]
    assert await stored_media(stack, image["id"])
    assert not await stored_media(stack, audio["id"])
    response = await stack.http.get(f"/v1/media/{audio['id']}", headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert await stored_media(stack, audio["id"])
    unknown = await stack.http.get(
        "/v1/media/00000000-0000-4000-8000-000000000000", headers=bearer(token)
    )
    assert_error(unknown, 404, 1006, "not found")


async def test_referral_media_is_skipped_when_setting_is_on(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, skip_referral_media_download=True)
        referral = {
            "source_type": "post",
            "source_id": "1",
            "source_url": "https://fb.me/p",
            "image": {},
        }
        message_id = await customer_sends(stack, {**HI, "referral": referral})
        await eventually(lambda: message_id in messages_of(receiver))
    image = messages_of(receiver)[message_id]["referral"]["image"]
    assert not await stored_media(stack, image["id"])
    response = await stack.http.get(f"/v1/media/{image['id']}", headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"


async def test_repeated_push_stores_media_and_message_once(
    sqlite_stack: InProcessStack,
) -> None:
    async with Receiver() as receiver:
        await wired(sqlite_stack, receiver)
        response = await sqlite_stack.control.post(
            f"/customers/{ALICE}/messages", json={"type": "sticker"}
        )
        message_id = response.json()["id"]
        await until(lambda: stored_status(sqlite_stack, message_id), "received")
        await eventually(lambda: message_id in messages_of(receiver))
        message = messages_of(receiver)[message_id]
        # The network pushes the same message again (as after a lost acknowledgement).
        assert sqlite_stack.core.messages is not None
        contact = {"profile": {"name": "Alice Example"}, "wa_id": ALICE}
        await sqlite_stack.core.messages.store_inbound([dict(message)], [contact])
    assert await stored_media(sqlite_stack, message["sticker"]["id"])
    assert list(messages_of(receiver)).count(message_id) == 1
    assert sum(len(b.get("messages", [])) for b in receiver.bodies) == 1
