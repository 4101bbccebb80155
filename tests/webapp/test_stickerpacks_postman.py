"""Meta's Postman folder "06-Stickers", every request sent as written with real ids in the
collection's environment variables (Test-1P-Stickerpack-Id, Test-3P-Stickerpack-Id,
Test-Sticker-Index, Test-Sticker-Media-Id)."""

from __future__ import annotations

import json
from typing import Any

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_ok
from tests.webapp.postman import require_collection
from tests.webapp.test_stickerpacks import first_party, upload, webp
from waemu.network.stickers import CATALOGUE

# Body placeholders of the folder, verbatim (one lacks its closing ">").
BODY_VALUES = {
    "<Your Publisher Name>": "Acme",
    "<Your Sticker Pack Name>": "Acme faces",
    "<Valid iOS App Store Link>": "https://itunes.apple.com/app/id3133333",
    "<Valid Android App Store Link>": "https://play.google.com/store/apps/details?id=com.acme",
}


def folder(name: str) -> list[dict[str, Any]]:
    """The requests of one folder of the collection."""
    collection = json.loads(require_collection().read_text())
    (found,) = [item for item in collection["item"] if item["name"] == name]
    items: list[dict[str, Any]] = found["item"]
    return items


def fill(text: str, variables: dict[str, str]) -> str:
    """``text`` with ``{{variables}}`` and the body placeholders replaced."""
    for key, value in {**BODY_VALUES, **variables}.items():
        text = text.replace(key, value)
    return text


async def test_every_request_of_the_stickers_folder_works(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    assert_ok(await first_party(stack, token))
    media_id = await upload(stack, token, webp(), "image/webp")
    variables = {
        "{{URL}}": "",
        "{{Test-1P-Stickerpack-Id}}": CATALOGUE[0].id,
        "{{Test-Sticker-Index}}": "0",
        "<Sticker Image Media Id>": media_id,
        "<Valid Image Media Id": media_id,
    }
    items = folder("06-Stickers")

    # Creation first (it yields the third-party id), deletions last, the pack's after its
    # sticker's; otherwise the folder's order.
    def rank(item: dict[str, Any]) -> tuple[bool, bool, bool]:
        name = item["name"]
        return ("Create" not in name, "Delete" in name, name.endswith("Stickerpack"))

    answered: dict[str, dict[str, Any]] = {}
    for item in sorted(items, key=rank):
        request = item["request"]
        path = fill(request["url"]["raw"], variables)
        raw = (request.get("body") or {}).get("raw") or ""
        headers = {h["key"]: h["value"] for h in request.get("header", [])}
        headers.update(bearer(token))
        response = await stack.http.request(
            request["method"], path, content=fill(raw, variables).encode(), headers=headers
        )
        answered[item["name"]] = assert_ok(response)
        if item["name"] == "Create-Third-Party-Stickerpacks":
            variables["{{Test-3P-Stickerpack-Id}}"] = answered[item["name"]]["stickerpacks"][0][
                "id"
            ]
    assert len(answered) == len(items)
    pack_id = variables["{{Test-3P-Stickerpack-Id}}"]
    assert answered["Get-Third-Party-Stickerpacks"] == {"stickerpacks": [{"id": pack_id}]}
    assert answered["Create-Third-Party-Stickers"] == {"stickers": [{"index": 0}]}
    assert answered["Get-First-Party-Sticker-Info"]["stickers"][0]["id"] == (
        CATALOGUE[0].stickers[0].id
    )
    assert answered["Get-Third-Party-Sticker-Info"]["stickers"][0]["image_data_id"] == media_id
