"""Errors notifications for inbound media whose download fails at ``GET /v1/media/{id}``
(spec §8.2, §11.4), up to a real webhook receiver, on every engine.

A failure is notified once per media id and failure episode: from the first failure (on
arrival or at a ``GET``) until a download of that id succeeds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.messaging import eventually, until
from tests.receiver import Receiver
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.inbound_helpers import (
    SPEC_ERRORS,
    assert_same_shape,
    customer_sends,
    messages_of,
    wired,
)
from waemu.storage.repos import webhooks as webhook_repo

FAILING_AUDIO = {"type": "audio", "audio": {"fail_download": True}}
MARKER = {"type": "text", "text": {"body": "anything else?"}}


def errors_bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [b for b in receiver.bodies if "errors" in b]


def set_failing(
    monkeypatch: pytest.MonkeyPatch, stack: InProcessStack, media_id: str, fail: bool
) -> None:
    """Make the network's downloads of ``media_id`` fail (or work) from now on, as if the
    sender's copy broke or came back."""
    messaging = stack.network.messaging
    assert messaging is not None
    blobs = messaging.blobs
    unpatched = type(blobs).get.__get__(blobs)

    def get(business: str, wanted: str) -> Any:
        blob = unpatched(business, wanted)
        return dataclasses.replace(blob, fail=fail) if blob and wanted == media_id else blob

    monkeypatch.setattr(blobs, "get", get)


async def pending(stack: InProcessStack) -> int:
    assert stack.core.messages is not None
    async with stack.core.messages.sessions() as session:
        return await webhook_repo.pending(session)


async def all_delivered(stack: InProcessStack, receiver: Receiver) -> None:
    """A later customer message reached the receiver and nothing waits in the outbox: every
    notification written before it was delivered."""
    marker = await customer_sends(stack, MARKER)
    await eventually(lambda: marker in messages_of(receiver))
    await until(lambda: pending(stack), 0)


async def test_failed_get_sends_one_errors_notification_per_episode(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver, media={"auto_download": ["image"]})
        message_id = await customer_sends(stack, FAILING_AUDIO)
        await eventually(lambda: message_id in messages_of(receiver))
        assert errors_bodies(receiver) == []  # not downloaded on arrival: nothing failed yet
        media_id = messages_of(receiver)[message_id]["audio"]["id"]
        path = f"/v1/media/{media_id}"

        first = await stack.http.get(path, headers=bearer(token))
        assert_error(first, 500, 1014, "Media download failed")
        await eventually(lambda: len(errors_bodies(receiver)) == 1)
        (notification,) = errors_bodies(receiver)
        assert_same_shape(notification, SPEC_ERRORS)
        (error,) = notification["errors"]
        assert error["code"] == 400 and error["title"] == "Media download error"
        assert f"Failed to download media {media_id}" in error["details"]
        assert "could not be fetched from the sender" in error["details"]

        again = await stack.http.get(path, headers=bearer(token))
        assert_error(again, 500, 1014, "Media download failed")
        await all_delivered(stack, receiver)
        assert len(errors_bodies(receiver)) == 1  # the same episode: not notified again

        # The sender's media comes back: the download works and the episode ends.
        set_failing(monkeypatch, stack, media_id, False)
        served = await stack.http.get(path, headers=bearer(token))
        assert served.status_code == 200 and served.headers["content-type"] == "audio/mpeg"
        deleted = await stack.http.delete(path, headers=bearer(token))
        assert deleted.status_code == 200, deleted.text

        # Deleted here, fetched again, failing again: a new episode, a new notification.
        set_failing(monkeypatch, stack, media_id, True)
        later = await stack.http.get(path, headers=bearer(token))
        assert_error(later, 500, 1014, "Media download failed")
        await eventually(lambda: len(errors_bodies(receiver)) == 2)
        assert errors_bodies(receiver)[1]["errors"][0]["details"] == error["details"]


async def test_failure_on_arrival_opens_the_episode(stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await wired(stack, receiver)  # every type downloaded on arrival
        message_id = await customer_sends(stack, FAILING_AUDIO)
        await eventually(lambda: len(errors_bodies(receiver)) == 1)
        (arrival,) = errors_bodies(receiver)
        assert message_id in arrival["errors"][0]["details"]  # notified with its message
        media_id = messages_of(receiver)[message_id]["audio"]["id"]

        response = await stack.http.get(f"/v1/media/{media_id}", headers=bearer(token))
        assert_error(response, 500, 1014, "Media download failed")
        await all_delivered(stack, receiver)
    assert len(errors_bodies(receiver)) == 1  # the GET's failure belongs to the same episode
