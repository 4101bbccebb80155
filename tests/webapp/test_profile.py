"""``/v1/settings/profile/about`` and ``/v1/settings/profile/photo`` (spec §9.4, §9.5)."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from PIL import Image

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core

ABOUT = "/v1/settings/profile/about"
PHOTO = "/v1/settings/profile/photo"


def image(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    """An encoded test image: left half red, right half blue."""
    picture = Image.new("RGB", (width, height), "red")
    picture.paste("blue", (width // 2, 0, width, height))
    picture = picture.convert(mode)
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    """A stored photo, opened."""
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


async def upload(
    stack: InProcessStack, token: str, data: bytes, content_type: str = "image/jpeg"
) -> Any:
    """POST a raw photo."""
    headers = {**bearer(token), "Content-Type": content_type}
    return await stack.http.post(PHOTO, content=data, headers=headers)


async def about(stack: InProcessStack, token: str) -> str:
    """The About text GET answers."""
    body = assert_ok(await stack.http.get(ABOUT, headers=bearer(token)))
    text: str = body["settings"]["profile"]["about"]["text"]
    assert body == {"settings": {"profile": {"about": {"text": text}}}}
    return text


# -- about ---------------------------------------------------------------------------


async def test_about_has_the_default_text(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert await about(sqlite_stack, token) == "Hey there! I am using WhatsApp."


async def test_about_is_set_and_survives_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    text = "Open 9–5 🦋 " + "x" * 128
    assert len(text) == 139
    response = await stack.http.patch(ABOUT, json={"text": text}, headers=bearer(token))
    assert assert_ok(response) == {}
    assert await about(stack, token) == text
    await restart_core(stack)
    assert await about(stack, token) == text


ABOUT_INVALID: list[tuple[object, int, str]] = [
    ({"text": "x" * 140}, 1009, "text: must be at most 139 characters long"),
    ({"text": ""}, 1009, "text: must not be empty"),
    ({"text": 5}, 1009, "text"),
    ({}, 1008, "Missing required parameter: text"),
    ({"text": "hi", "emoji": True}, 1010, "Unexpected parameter: emoji"),
]


@pytest.mark.parametrize(
    ("data", "code", "details"), ABOUT_INVALID, ids=[d for *_, d in ABOUT_INVALID]
)
async def test_invalid_about_is_refused(
    sqlite_stack: InProcessStack, data: object, code: int, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.patch(ABOUT, json=data, headers=bearer(token))
    assert_error(response, 400, code, details)
    assert await about(sqlite_stack, token) == "Hey there! I am using WhatsApp."


# -- photo ---------------------------------------------------------------------------


async def test_no_photo_is_not_found(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_error(
        await sqlite_stack.http.get(PHOTO, headers=bearer(token)), 404, 1006, "No picture set."
    )
    response = await sqlite_stack.http.get(f"{PHOTO}?format=link", headers=bearer(token))
    assert_error(response, 404, 1006, "No picture set.")


async def test_photo_is_cropped_scaled_and_survives_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert assert_ok(await upload(stack, token, image(1200, 800))) == {}
    response = await stack.http.get(PHOTO, headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    stored = decode(response.content)
    assert (stored.format, stored.size) == ("JPEG", (640, 640))
    # The centre square of a red|blue image is still red on the left, blue on the right.
    red, _, blue = stored.getpixel((20, 320)), None, stored.getpixel((620, 320))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    await restart_core(stack)
    again = await stack.http.get(PHOTO, headers=bearer(token))
    assert again.content == response.content


async def test_small_png_is_kept_at_its_size_as_jpeg(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    transparent = image(192, 300, "PNG", "RGBA")
    assert_ok(await upload(sqlite_stack, token, transparent, "image/png"))
    stored = decode((await sqlite_stack.http.get(PHOTO, headers=bearer(token))).content)
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (192, 192))


async def test_multipart_upload_with_a_file_field(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    files = {"file": ("me.png", image(400, 400, "PNG"), "image/png")}
    response = await sqlite_stack.http.post(PHOTO, files=files, headers=bearer(token))
    assert_ok(response)
    stored = decode((await sqlite_stack.http.get(PHOTO, headers=bearer(token))).content)
    assert stored.size == (400, 400)
    other = {"picture": ("me.png", image(400, 400, "PNG"), "image/png")}
    response = await sqlite_stack.http.post(PHOTO, files=other, headers=bearer(token))
    assert_error(response, 400, 1008, "Missing required parameter: file")


async def test_photo_link_serves_the_photo_without_credentials(
    sqlite_stack: InProcessStack,
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await upload(sqlite_stack, token, image(300, 300)))
    binary = (await sqlite_stack.http.get(PHOTO, headers=bearer(token))).content
    body = assert_ok(await sqlite_stack.http.get(f"{PHOTO}?format=link", headers=bearer(token)))
    link: str = body["settings"]["profile"]["photo"]["link"]
    assert body == {"settings": {"profile": {"photo": {"link": link}}}}
    assert link.startswith("http://webapp/profile-photos/") and link.endswith(".jpg")
    served = await sqlite_stack.http.get(link)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == binary
    # A new photo gets a new link; the old one stops working.
    assert_ok(await upload(sqlite_stack, token, image(250, 250)))
    assert_error(await sqlite_stack.http.get(link), 404, 1006, "no longer valid")
    new = assert_ok(await sqlite_stack.http.get(f"{PHOTO}?format=link", headers=bearer(token)))
    new_link = new["settings"]["profile"]["photo"]["link"]
    assert new_link != link
    assert_ok(await sqlite_stack.http.delete(PHOTO, headers=bearer(token)))
    assert_error(await sqlite_stack.http.get(new_link), 404, 1006, "No picture set.")
    bad = await sqlite_stack.http.get("/profile-photos/whatever.png")
    assert_error(bad, 404, 1006, "Unknown path")


async def test_delete_removes_the_photo_for_good(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await upload(stack, token, image(200, 200)))
    assert assert_ok(await stack.http.delete(PHOTO, headers=bearer(token))) == {}
    assert_error(await stack.http.get(PHOTO, headers=bearer(token)), 404, 1006, "No picture set.")
    assert_ok(await stack.http.delete(PHOTO, headers=bearer(token)))
    await restart_core(stack)
    assert_error(await stack.http.get(PHOTO, headers=bearer(token)), 404, 1006, "No picture set.")


def noise(side: int, quality: int = 95) -> bytes:
    """A JPEG of random pixels, which do not compress."""
    picture = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


async def test_large_photo_is_stored_whole_on_every_engine(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await upload(stack, token, noise(640)))
    stored = (await stack.http.get(PHOTO, headers=bearer(token))).content
    # Over 64 KiB, the size of a MySQL TEXT or BLOB column.
    assert len(stored) > 200_000
    await restart_core(stack)
    assert (await stack.http.get(PHOTO, headers=bearer(token))).content == stored
    assert decode(stored).size == (640, 640)


PHOTO_INVALID: list[tuple[bytes, str, int, int, str]] = [
    (image(191, 400), "image/jpeg", 400, 1009, "at least 192x192 pixels, got 191x400"),
    (image(400, 100, "PNG"), "image/png", 400, 1009, "at least 192x192"),
    (image(300, 300, "GIF", "P"), "image/jpeg", 400, 1009, "must be a JPEG or PNG image"),
    (b"not an image at all", "image/jpeg", 400, 1009, "not a valid JPEG or PNG image"),
    (image(300, 300)[:200], "image/jpeg", 400, 1009, "not a valid JPEG or PNG image"),
    (b"", "image/jpeg", 400, 1008, "Missing required parameter: image data"),
    (image(300, 300), "text/plain", 415, 1025, "Content-Type must be image/jpeg"),
    (image(300, 300), "", 415, 1025, "not 'missing'"),
]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code", "details"),
    PHOTO_INVALID,
    ids=[d for *_, d in PHOTO_INVALID],
)
async def test_invalid_photo_is_refused(
    sqlite_stack: InProcessStack,
    data: bytes,
    content_type: str,
    status: int,
    code: int,
    details: str,
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_error(await upload(sqlite_stack, token, data, content_type), status, code, details)
    assert_error(await sqlite_stack.http.get(PHOTO, headers=bearer(token)), 404, 1006, "No picture")


async def test_photo_over_5_mb_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    data = noise(1800, quality=100)
    assert len(data) > 5 * 1024 * 1024
    response = await upload(sqlite_stack, token, data)
    assert_error(response, 400, 1009, "the photo must be at most 5 MB")


async def test_unknown_format_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get(f"{PHOTO}?format=url", headers=bearer(token))
    assert_error(response, 400, 1009, "format: the only accepted value is link")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ABOUT), ("PATCH", ABOUT), ("GET", PHOTO), ("POST", PHOTO), ("DELETE", PHOTO)],
)
async def test_non_admin_is_refused_before_the_body_is_read(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.request(
        method, path, content=b"\xff\xd8junk", headers={**bearer(token), "Content-Type": "x/y"}
    )
    assert_error(response, 403, 1005, "admin")


async def test_postman_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    requests = requests_for(ABOUT, PHOTO)
    assert set(requests) == {
        "Get-Profile-About",
        "Set-Profile-About",
        "Get-Profile-Photo-Binary",
        "Get-Profile-Photo-URL",
        "Set-Profile-Photo",
    }
    token = await sqlite_stack.api.admin_token()
    assert_ok(await send(sqlite_stack, requests["Set-Profile-About"], token))
    got = assert_ok(await send(sqlite_stack, requests["Get-Profile-About"], token))
    assert got["settings"]["profile"]["about"]["text"] == "We sell butterflies"
    photo = image(640, 640)
    assert_ok(await send(sqlite_stack, requests["Set-Profile-Photo"], token, photo))
    binary = await send(sqlite_stack, requests["Get-Profile-Photo-Binary"], token)
    assert binary.status_code == 200 and binary.headers["content-type"] == "image/jpeg"
    link = assert_ok(await send(sqlite_stack, requests["Get-Profile-Photo-URL"], token))
    assert link["settings"]["profile"]["photo"]["link"].endswith(".jpg")
