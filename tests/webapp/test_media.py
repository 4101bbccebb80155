"""``/v1/media`` and ``/v1/media/{media-id}`` (spec §8): upload, download, delete."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory, create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core
from waemu.storage.tables.media import MediaRow

MEDIA = "/v1/media"


async def upload(
    stack: InProcessStack, token: str, data: bytes, content_type: str | None = "image/jpeg"
) -> httpx.Response:
    """POST a raw body (no Content-Type header when ``content_type`` is None)."""
    headers = bearer(token)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return await stack.http.post(MEDIA, content=data, headers=headers)


def uploaded_id(response: httpx.Response) -> str:
    """The id of a successful upload, checking the answer's shape (201, spec §19 gap 1)."""
    body = assert_ok(response, 201)
    (entry,) = body["media"]
    assert body == {"media": [{"id": entry["id"]}]}
    assert str(uuid.UUID(entry["id"])) == entry["id"]
    media_id: str = entry["id"]
    return media_id


def files_in(folder: Path) -> list[str]:
    """Every file below ``folder``, relative, sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


async def media_rows(stack: InProcessStack) -> int:
    """How many media the coreapp's database holds."""
    assert stack.core.engine is not None
    async with stack.core.engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(MediaRow))
    return int(count or 0)


async def assert_nothing_stored(stack: InProcessStack) -> None:
    """No file in the media folder and no media record: nothing half-written stays."""
    assert files_in(stack.settings.media_dir) == []
    assert await media_rows(stack) == 0


# -- round trips ---------------------------------------------------------------------


async def test_upload_download_delete_round_trip(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    data = os.urandom(2_500_000)  # several write buffers
    media_id = uploaded_id(await upload(stack, token, data, "image/jpeg"))
    assert files_in(stack.settings.media_dir) == [f"outgoing/{media_id[:2]}/{media_id}"]

    got = await stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-length"] == str(len(data))
    assert got.content == data
    assert stack.core.media is not None
    stored = await stack.core.media.info(media_id)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.size, stored.direction, stored.last_used_at) == (len(data), "outgoing", None)

    assert assert_ok(await stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token))) == {}
    response = await stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, f"Media '{media_id}' not found")
    response = await stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, "not found")
    await assert_nothing_stored(stack)


async def test_byte_range_is_served_as_206(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    data = bytes(range(10))
    media_id = uploaded_id(await upload(sqlite_stack, token, data))
    headers = {**bearer(token), "Range": "bytes=2-4"}
    part = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=headers)
    assert part.status_code == 206
    assert part.content == data[2:5]
    assert part.headers["content-range"] == "bytes 2-4/10"
    headers["Range"] = "bytes=20-30"
    beyond = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=headers)
    assert beyond.status_code == 416
    assert beyond.content == b""
    assert beyond.headers["content-range"] == "bytes */10"


@pytest.mark.parametrize("value", ["bytes=abc", "bytes=5-2", "items=1-2", "bytes=", "bytes=1-2,,"])
async def test_unusable_range_is_ignored(sqlite_stack: InProcessStack, value: str) -> None:
    # RFC 9110 §14.2: ignored, the whole file (not a plain-text 400 outside the envelope).
    token = await sqlite_stack.api.admin_token()
    data = bytes(range(10))
    media_id = uploaded_id(await upload(sqlite_stack, token, data))
    headers = {**bearer(token), "Range": value}
    got = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=headers)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == "image/jpeg"


async def test_media_survives_a_coreapp_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    data = b"%PDF-1.4 a small document\n" * 100
    media_id = uploaded_id(await upload(stack, token, data, "application/pdf"))
    await restart_core(stack)
    got = await stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert (got.status_code, got.headers["content-type"], got.content) == (
        200,
        "application/pdf",
        data,
    )
    assert_ok(await stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token)))
    await restart_core(stack)
    response = await stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, "not found")


async def test_any_user_may_upload_download_and_delete(sqlite_stack: InProcessStack) -> None:
    token = await create_user(sqlite_stack, "alice")
    media_id = uploaded_id(await upload(sqlite_stack, token, b"\x89PNG\r\n", "image/png"))
    got = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert got.content == b"\x89PNG\r\n"
    assert_ok(await sqlite_stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token)))


@pytest.mark.parametrize(
    ("method", "path"), [("POST", MEDIA), ("GET", f"{MEDIA}/x"), ("DELETE", f"{MEDIA}/x")]
)
async def test_media_needs_a_token(sqlite_stack: InProcessStack, method: str, path: str) -> None:
    response = await sqlite_stack.http.request(
        method, path, content=b"data", headers={"Content-Type": "image/jpeg"}
    )
    assert_error(response, 401, 1005, "Authorization header is missing")
    assert files_in(sqlite_stack.settings.media_dir) == []


async def test_parallel_uploads_get_their_own_ids(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    bodies = [os.urandom(50_000 + i) for i in range(8)]
    answers = await asyncio.gather(*(upload(sqlite_stack, token, b) for b in bodies))
    ids = [uploaded_id(answer) for answer in answers]
    assert len(set(ids)) == len(ids)
    for media_id, body in zip(ids, bodies, strict=True):
        got = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
        assert got.content == body


# -- types (spec §8.4) ---------------------------------------------------------------

SUPPORTED: list[tuple[str, str]] = [
    ("audio/aac", "audio/aac"),
    ("audio/mp4", "audio/mp4"),
    ("audio/amr", "audio/amr"),
    ("audio/mpeg", "audio/mpeg"),
    ("audio/ogg; codecs=opus", "audio/ogg; codecs=opus"),
    ('Audio/OGG;Codecs="opus"', "audio/ogg; codecs=opus"),
    ("image/jpeg", "image/jpeg"),
    ("image/png", "image/png"),
    ("image/webp", "image/webp"),
    ("video/mp4", "video/mp4"),
    ("video/3gpp", "video/3gpp"),
    ("application/pdf", "application/pdf"),
    ("application/msword", "application/msword"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("text/plain", "text/plain"),
    ("text/csv; charset=utf-8", "text/csv; charset=utf-8"),
    ("application/octet-stream", "application/octet-stream"),
]


@pytest.mark.parametrize(("sent", "served"), SUPPORTED, ids=[s for s, _ in SUPPORTED])
async def test_supported_type_is_stored_and_served(
    sqlite_stack: InProcessStack, sent: str, served: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    media_id = uploaded_id(await upload(sqlite_stack, token, b"some bytes", sent))
    got = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    # Served verbatim as stored: no charset added to text/* types.
    assert (got.status_code, got.headers["content-type"]) == (200, served)


UNSUPPORTED: list[tuple[str, str]] = [
    ("audio/ogg", "only Opus audio is supported in Ogg, send audio/ogg; codecs=opus"),
    ("audio/ogg; codecs=vorbis", "only Opus audio is supported in Ogg"),
    ("audio/wav", "Unsupported audio type audio/wav: supported are audio/aac, audio/mp4"),
    ("image/gif", "Unsupported image type image/gif: supported are image/jpeg, image/png"),
    ("image/jpg", "Unsupported image type image/jpg"),
    ("video/quicktime", "Unsupported video type video/quicktime: supported are video/mp4"),
    ("multipart/form-data; boundary=xyz", "send the file itself as the body"),
    ("jpeg", "Invalid value for Content-Type: 'jpeg' is not a MIME type"),
    ("image/", "is not a MIME type"),
    ("image/jpeg; quality", "is not a MIME type"),
]


@pytest.mark.parametrize(("content_type", "details"), UNSUPPORTED, ids=[c for c, _ in UNSUPPORTED])
async def test_unsupported_type_is_refused_and_nothing_stays(
    sqlite_stack: InProcessStack, content_type: str, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await upload(sqlite_stack, token, b"some bytes", content_type)
    assert_error(response, 400, 1009, details)
    await assert_nothing_stored(sqlite_stack)


async def test_missing_content_type_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await upload(sqlite_stack, token, b"some bytes", None)
    assert_error(response, 400, 1008, "Missing required parameter: Content-Type")
    await assert_nothing_stored(sqlite_stack)


async def test_empty_body_is_refused(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    response = await upload(stack, token, b"", "image/png")
    assert_error(response, 400, 1008, "Missing required parameter: media data (the body is empty)")
    await assert_nothing_stored(stack)


# -- size limit ----------------------------------------------------------------------


async def test_upload_over_the_limit_is_refused(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_UPLOAD_BYTES="1000") as stack:
        token = await stack.api.admin_token()
        uploaded_id(await upload(stack, token, b"x" * 1000, "text/plain"))
        response = await upload(stack, token, b"x" * 1001, "text/plain")
        assert_error(response, 413, 1025, "larger than the limit of 1000 bytes")
        assert len(files_in(stack.settings.media_dir)) == 1
        assert await media_rows(stack) == 1


async def test_streamed_upload_over_the_limit_leaves_nothing(make_stack: StackFactory) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 400

    async with make_stack(WA_MAX_UPLOAD_BYTES="1000") as stack:
        token = await stack.api.admin_token()
        headers = {**bearer(token), "Content-Type": "application/pdf"}
        response = await stack.http.post(MEDIA, content=chunks(), headers=headers)
        assert "content-length" not in response.request.headers
        assert_error(response, 413, 1025, "larger than the limit of 1000 bytes")
        await assert_nothing_stored(stack)


# -- unknown ids and failures --------------------------------------------------------


@pytest.mark.parametrize(
    "media_id", [str(uuid.uuid4()), "not-a-uuid", str(uuid.uuid4()).upper(), uuid.uuid4().hex]
)
async def test_unknown_media_is_not_found(sqlite_stack: InProcessStack, media_id: str) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, "not found")
    response = await sqlite_stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, "not found")


async def test_media_whose_file_vanished_is_not_found(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    media_id = uploaded_id(await upload(sqlite_stack, token, b"bytes"))
    (sqlite_stack.settings.media_dir / "outgoing" / media_id[:2] / media_id).unlink()
    response = await sqlite_stack.http.get(f"{MEDIA}/{media_id}", headers=bearer(token))
    assert_error(response, 404, 1006, "its file is missing")
    # Deleting still removes the record.
    assert_ok(await sqlite_stack.http.delete(f"{MEDIA}/{media_id}", headers=bearer(token)))
    await assert_nothing_stored(sqlite_stack)


async def test_failure_to_store_the_file_leaves_nothing(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    # A file where the coreapp's "outgoing" folder belongs: the final move fails.
    blocker = stack.settings.media_dir / "outgoing"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"in the way")
    response = await upload(stack, token, os.urandom(10_000), "video/mp4")
    assert_error(response, 500, 1014, "Could not store media")
    assert files_in(stack.settings.media_dir) == ["outgoing"]
    assert await media_rows(stack) == 0
    blocker.unlink()
    uploaded_id(await upload(stack, token, os.urandom(10_000), "video/mp4"))


async def test_unwritable_media_folder_is_access_denied(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    blocker = sqlite_stack.settings.media_dir / "tmp"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"in the way")
    response = await upload(sqlite_stack, token, b"data")
    assert_error(response, 500, 1005, "Media directory is not writable")
    assert files_in(sqlite_stack.settings.media_dir) == ["tmp"]
    assert await media_rows(sqlite_stack) == 0


async def test_coreapp_down_leaves_no_upload_behind(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    await sqlite_stack.stop_core()
    response = await upload(sqlite_stack, token, b"data")
    assert_error(response, 500, 1014, "Please check if wacore is running")
    assert files_in(sqlite_stack.settings.media_dir) == []


# -- Meta's Postman collection (05-Media) --------------------------------------------


async def test_postman_media_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    placeholder = "{{Test-Media-Id}}"
    requests = requests_for(MEDIA, f"{MEDIA}/{placeholder}")
    assert set(requests) == {"Upload-Media", "Download-Media", "Delete-Media"}
    token = await sqlite_stack.api.admin_token()
    photo = b"\xff\xd8\xff\xe0" + os.urandom(5000)

    def prepared(name: str, media_id: str = "") -> Any:
        request = requests[name]
        # The collection's disabled, empty header row is not sent by Postman either.
        headers = {key: value for key, value in request.headers.items() if key}
        return dataclasses.replace(
            request, headers=headers, path=request.path.replace(placeholder, media_id)
        )

    media_id = uploaded_id(await send(sqlite_stack, prepared("Upload-Media"), token, photo))
    got = await send(sqlite_stack, prepared("Download-Media", media_id), token)
    assert (got.status_code, got.headers["content-type"], got.content) == (
        200,
        "image/jpeg",
        photo,
    )
    assert assert_ok(await send(sqlite_stack, prepared("Delete-Media", media_id), token)) == {}
    again = await send(sqlite_stack, prepared("Download-Media", media_id), token)
    assert_error(again, 404, 1006, "not found")
