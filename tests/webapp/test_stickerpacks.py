"""``/v1/stickerpacks/...`` (spec §10.7): first-party catalogue, third-party packs, stickers,
and sending a pack's sticker by its id."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
from PIL import Image

from tests.messaging import customer_writes, inbox, ready, until
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.restarts import restart_core
from waemu.network.stickers import CATALOGUE

PACKS = "/v1/stickerpacks"
CUSTOMER = "16315551001"
PACK = {
    "publisher": "Acme",
    "name": "Acme faces",
    "ios_app_store_link": "https://itunes.apple.com/app/id3133333",
    "android_app_store_link": "https://play.google.com/store/apps/details?id=com.example",
}


def webp(colour: str = "red") -> bytes:
    """A small 512×512 static WebP."""
    out = io.BytesIO()
    Image.new("RGB", (512, 512), colour).save(out, "WEBP", quality=30)
    return out.getvalue()


async def upload(stack: InProcessStack, token: str, data: bytes, mime: str) -> str:
    """Upload media; its id."""
    response = await stack.http.post(
        "/v1/media", content=data, headers={**bearer(token), "Content-Type": mime}
    )
    media_id: str = assert_ok(response, 201)["media"][0]["id"]
    return media_id


async def create_pack(stack: InProcessStack, token: str, body: dict[str, Any] | None = None) -> str:
    """Create a third-party pack; its id."""
    response = await stack.http.post(PACKS, json=body or PACK, headers=bearer(token))
    (created,) = assert_ok(response)["stickerpacks"]
    assert set(created) == {"id"}
    pack_id: str = created["id"]
    return pack_id


async def add_sticker(stack: InProcessStack, token: str, pack_id: str, media_id: str) -> int:
    """Add a sticker; its index."""
    response = await stack.http.post(
        f"{PACKS}/{pack_id}/stickers",
        json={"image_data_id": media_id, "emojis": ["🐥", "😃"]},
        headers=bearer(token),
    )
    (created,) = assert_ok(response)["stickers"]
    index: int = created["index"]
    return index


async def first_party(stack: InProcessStack, token: str) -> httpx.Response:
    """``GET ?namespace=whatsapp`` once the coreapp's link to the network is up."""
    response = await stack.http.get(f"{PACKS}?namespace=whatsapp", headers=bearer(token))
    for _ in range(250):
        if response.status_code != 503:
            break
        await asyncio.sleep(0.02)
        response = await stack.http.get(f"{PACKS}?namespace=whatsapp", headers=bearer(token))
    return response


async def test_third_party_pack_and_stickers_round_trip(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    headers = bearer(token)
    pack_id = await create_pack(stack, token)
    listed = assert_ok(await stack.http.get(PACKS, headers=headers))
    assert listed == {"stickerpacks": [{"id": pack_id}]}
    got = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}", headers=headers))
    assert got == {"stickerpacks": [{"id": pack_id, **PACK}]}

    patched = await stack.http.patch(
        f"{PACKS}/{pack_id}", json={"name": "Acme faces 2"}, headers=headers
    )
    assert assert_ok(patched) == {}
    got = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}", headers=headers))
    assert got["stickerpacks"][0]["name"] == "Acme faces 2"
    assert got["stickerpacks"][0]["publisher"] == "Acme"

    first = await upload(stack, token, webp("red"), "image/webp")
    second = await upload(stack, token, webp("blue"), "image/webp")
    assert await add_sticker(stack, token, pack_id, first) == 0
    assert await add_sticker(stack, token, pack_id, second) == 1
    listed = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}/stickers", headers=headers))
    assert listed == {"stickers": [{"index": 0}, {"index": 1}]}
    sticker = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}/stickers/0", headers=headers))
    (entry,) = sticker["stickers"]
    assert entry["emojis"] == ["🐥", "😃"]
    assert entry["image_data_id"] == first
    assert len(entry["id"]) == 36

    changed = await stack.http.patch(
        f"{PACKS}/{pack_id}/stickers/0",
        json={"emojis": ["🐶"], "image_data_id": second},
        headers=headers,
    )
    assert assert_ok(changed) == {}
    sticker = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}/stickers/0", headers=headers))
    assert sticker["stickers"][0] == {"id": entry["id"], "emojis": ["🐶"], "image_data_id": second}

    assert (
        assert_ok(await stack.http.delete(f"{PACKS}/{pack_id}/stickers/0", headers=headers)) == {}
    )
    missing = await stack.http.get(f"{PACKS}/{pack_id}/stickers/0", headers=headers)
    assert_error(missing, 404, 1006, "Sticker 0")
    assert await add_sticker(stack, token, pack_id, first) == 2  # indexes are not reused

    assert assert_ok(await stack.http.delete(f"{PACKS}/{pack_id}", headers=headers)) == {}
    assert_error(await stack.http.get(f"{PACKS}/{pack_id}", headers=headers), 404, 1006, pack_id)
    assert assert_ok(await stack.http.get(PACKS, headers=headers)) == {"stickerpacks": []}


async def test_third_party_packs_survive_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    pack_id = await create_pack(stack, token)
    media_id = await upload(stack, token, webp(), "image/webp")
    index = await add_sticker(stack, token, pack_id, media_id)
    before = assert_ok(
        await stack.http.get(f"{PACKS}/{pack_id}/stickers/{index}", headers=bearer(token))
    )
    await restart_core(stack)
    pack = assert_ok(await stack.http.get(f"{PACKS}/{pack_id}", headers=bearer(token)))
    assert pack == {"stickerpacks": [{"id": pack_id, **PACK}]}
    after = await stack.http.get(f"{PACKS}/{pack_id}/stickers/{index}", headers=bearer(token))
    assert assert_ok(after) == before


async def test_first_party_catalogue_comes_from_the_network(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    headers = bearer(token)
    listed = assert_ok(await first_party(stack, token))
    assert listed == {"stickerpacks": [{"id": pack.id} for pack in CATALOGUE]}
    pack = CATALOGUE[0]
    got = await stack.http.get(f"{PACKS}/{pack.id}?namespace=whatsapp", headers=headers)
    assert assert_ok(got) == {
        "stickerpacks": [{"id": pack.id, "publisher": pack.publisher, "name": pack.name}]
    }
    stickers = await stack.http.get(
        f"{PACKS}/{pack.id}/stickers?namespace=whatsapp", headers=headers
    )
    assert assert_ok(stickers) == {"stickers": [{"index": i} for i in range(len(pack.stickers))]}
    one = await stack.http.get(f"{PACKS}/{pack.id}/stickers/1?namespace=whatsapp", headers=headers)
    expected = {"id": pack.stickers[1].id, "emojis": list(pack.stickers[1].emojis)}
    assert assert_ok(one) == {"stickers": [expected]}
    # First-party packs are not the business's: not listed, not found without the namespace.
    assert assert_ok(await stack.http.get(PACKS, headers=headers)) == {"stickerpacks": []}
    assert_error(await stack.http.get(f"{PACKS}/{pack.id}", headers=headers), 404, 1006, pack.id)
    image = await stack.control.get(f"/stickerpacks/{pack.id}/stickers/0.webp")
    assert image.status_code == 200
    assert Image.open(io.BytesIO(image.content)).format == "WEBP"


async def test_first_party_packs_refuse_changes(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    headers = bearer(token)
    pack_id = CATALOGUE[0].id
    query = "?namespace=whatsapp"
    refused = [
        await stack.http.patch(f"{PACKS}/{pack_id}{query}", json={"name": "x"}, headers=headers),
        await stack.http.delete(f"{PACKS}/{pack_id}{query}", headers=headers),
        await stack.http.post(
            f"{PACKS}/{pack_id}/stickers{query}", json={"image_data_id": "x"}, headers=headers
        ),
        await stack.http.delete(f"{PACKS}/{pack_id}/stickers/0{query}", headers=headers),
    ]
    for response in refused:
        assert_error(response, 403, 1005, "First-party stickerpacks")
    bad = await stack.http.get(f"{PACKS}?namespace=facebook", headers=headers)
    assert_error(bad, 400, 1009, "namespace")


async def test_creating_in_the_first_party_namespace_is_refused(
    sqlite_stack: InProcessStack,
) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    query = "?namespace=whatsapp"
    created = await sqlite_stack.http.post(f"{PACKS}{query}", json=PACK, headers=headers)
    assert_error(created, 403, 1005, "First-party stickerpacks")
    pack_id = CATALOGUE[0].id
    patched = await sqlite_stack.http.patch(
        f"{PACKS}/{pack_id}/stickers/0{query}", json={"emojis": ["🐱"]}, headers=headers
    )
    assert_error(patched, 403, 1005, "First-party stickerpacks")
    listed = await sqlite_stack.http.get(PACKS, headers=headers)
    assert assert_ok(listed) == {"stickerpacks": []}  # no third-party pack was made instead


async def test_reads_for_users_writes_for_admin(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    admin = await stack.api.admin_token()
    pack_id = await create_pack(stack, admin)
    user = await create_user(stack, "alice")
    headers = bearer(user)
    assert assert_ok(await stack.http.get(PACKS, headers=headers)) == {
        "stickerpacks": [{"id": pack_id}]
    }
    assert_ok(await stack.http.get(f"{PACKS}/{pack_id}/stickers", headers=headers))
    for response in (
        await stack.http.post(PACKS, json=PACK, headers=headers),
        await stack.http.patch(f"{PACKS}/{pack_id}", json={"name": "x"}, headers=headers),
        await stack.http.delete(f"{PACKS}/{pack_id}", headers=headers),
        await stack.http.post(f"{PACKS}/{pack_id}/stickers", json={}, headers=headers),
        await stack.http.patch(f"{PACKS}/{pack_id}/stickers/0", json={}, headers=headers),
        await stack.http.delete(f"{PACKS}/{pack_id}/stickers/0", headers=headers),
    ):
        assert_error(response, 403, 1005, "")
    assert_error(await stack.http.get(PACKS), 401, 1005, "")


async def test_bad_packs_and_stickers_are_refused(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    headers = bearer(token)

    async def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return await stack.http.post(path, json=body, headers=headers)

    assert_error(await post(PACKS, {"name": "x"}), 400, 1008, "publisher")
    assert_error(await post(PACKS, {**PACK, "colour": "red"}), 400, 1010, "colour")
    assert_error(await post(PACKS, {**PACK, "name": 7}), 400, 1009, "name")
    bad_link = {**PACK, "ios_app_store_link": "https://example.com/app"}
    assert_error(await post(PACKS, bad_link), 400, 1009, "ios_app_store_link")
    assert assert_ok(await stack.http.get(PACKS, headers=headers)) == {"stickerpacks": []}

    pack_id = await create_pack(stack, token)
    stickers = f"{PACKS}/{pack_id}/stickers"
    assert_error(await post(stickers, {"emojis": ["🐥"]}), 400, 1008, "image_data_id")
    unknown = "0f0e0d0c-0b0a-4908-8706-050403020100"
    assert_error(await post(stickers, {"image_data_id": unknown}), 404, 1006, unknown)
    jpeg_buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(jpeg_buffer, "JPEG")
    jpeg = await upload(stack, token, jpeg_buffer.getvalue(), "image/jpeg")
    assert_error(await post(stickers, {"image_data_id": jpeg}), 400, 1009, "not image/webp")
    webp_id = await upload(stack, token, webp(), "image/webp")
    too_many = {"image_data_id": webp_id, "emojis": ["🐥", "😃", "🐶", "🐱"]}
    assert_error(await post(stickers, too_many), 400, 1009, "at most 3 emojis")
    assert_error(await post(stickers, {"image_data_id": webp_id, "emojis": ["ab"]}), 400, 1009, "")
    assert assert_ok(await stack.http.get(stickers, headers=headers)) == {"stickers": []}

    missing_pack = f"{PACKS}/{unknown}"
    assert_error(await stack.http.get(missing_pack, headers=headers), 404, 1006, unknown)
    assert_error(await stack.http.get(f"{missing_pack}/stickers", headers=headers), 404, 1006, "")
    assert_error(await post(f"{missing_pack}/stickers", {"image_data_id": webp_id}), 404, 1006, "")
    assert_error(await stack.http.get(f"{stickers}/5", headers=headers), 404, 1006, "Sticker 5")
    assert_error(await stack.http.get(f"{stickers}/first", headers=headers), 400, 1009, "index")


async def test_sticker_message_by_pack_sticker_id(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await ready(stack, CUSTOMER)
    await customer_writes(stack, CUSTOMER)
    pack_id = await create_pack(stack, token)
    media_id = await upload(stack, token, webp(), "image/webp")
    index = await add_sticker(stack, token, pack_id, media_id)
    got = await stack.http.get(f"{PACKS}/{pack_id}/stickers/{index}", headers=bearer(token))
    third_party_id = assert_ok(got)["stickers"][0]["id"]
    first_party_id = CATALOGUE[1].stickers[0].id

    sent = []
    for sticker_id in (third_party_id, first_party_id):
        response = await stack.http.post(
            "/v1/messages",
            headers=bearer(token),
            json={"to": CUSTOMER, "type": "sticker", "sticker": {"id": sticker_id}},
        )
        sent.append(assert_ok(response, 201)["messages"][0]["id"])

    async def stickers_received() -> list[str]:
        return [m["sticker"]["mime_type"] for m in await inbox(stack, CUSTOMER) if "sticker" in m]

    await until(stickers_received, ["image/webp", "image/webp"])
    unknown = await stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={
            "to": CUSTOMER,
            "type": "sticker",
            "sticker": {"id": "0f0e0d0c-0b0a-4908-8706-050403020100"},
        },
    )
    assert_error(unknown, 404, 1006, "")


async def test_stickers_added_at_once_get_one_index_each(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    pack_id = await create_pack(stack, token)
    image = await upload(stack, token, webp(), "image/webp")
    answers = await asyncio.gather(
        *(
            stack.http.post(
                f"{PACKS}/{pack_id}/stickers", json={"image_data_id": image}, headers=bearer(token)
            )
            for _ in range(8)
        )
    )
    indexes = sorted(assert_ok(answer)["stickers"][0]["index"] for answer in answers)
    assert indexes == list(range(8))
    listed = await stack.http.get(f"{PACKS}/{pack_id}/stickers", headers=bearer(token))
    assert assert_ok(listed) == {"stickers": [{"index": i} for i in range(8)]}
