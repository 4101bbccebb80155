"""First-party sticker packs: the read-only catalogue WhatsApp maintains (spec §10.7).

The real client reads first-party packs from WhatsApp's servers (``GET /v1/stickerpacks?
namespace=whatsapp``); here the simulated network ships a small fixed catalogue and serves it
to a logged-in or anonymous coreapp with the ``stickers.catalogue`` operation. Ids are fixed,
so a Postman environment (``Test-1P-Stickerpack-Id``) can name them. Each sticker is a
512×512 static WebP, drawn once per process (a coloured square), as WhatsApp requires of
stickers; the control API serves the images (docs/stickerpacks.md).
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from PIL import Image

from waemu.network.server import NetworkServer, Session

SIDE = 512  # WhatsApp stickers are 512×512 pixels


@dataclass(frozen=True, slots=True)
class Sticker:
    """One first-party sticker."""

    id: str
    emojis: tuple[str, ...]
    colour: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Pack:
    """One first-party sticker pack."""

    id: str
    name: str
    publisher: str
    stickers: tuple[Sticker, ...]


CATALOGUE: tuple[Pack, ...] = (
    Pack(
        "8a1f0c52-0e1b-4f6c-9a44-1c0de0000001",
        "Cuppy",
        "WhatsApp",
        (
            Sticker("b942a4d1-4e1d-4c56-8cfa-a848b8222061", ("☕", "🙂"), (214, 160, 96)),
            Sticker("b942a4d1-4e1d-4c56-8cfa-a848b8222062", ("😄", "😀"), (247, 199, 64)),
            Sticker("b942a4d1-4e1d-4c56-8cfa-a848b8222063", ("😭", "💧"), (90, 160, 230)),
        ),
    ),
    Pack(
        "8a1f0c52-0e1b-4f6c-9a44-1c0de0000002",
        "Bibimbap Friends",
        "WhatsApp",
        (
            Sticker("c1d2e3f4-0000-4a5b-8c6d-7e8f90a1b201", ("🐶",), (180, 120, 70)),
            Sticker("c1d2e3f4-0000-4a5b-8c6d-7e8f90a1b202", ("🐱", "😺"), (250, 140, 60)),
        ),
    ),
)


def find_pack(pack_id: str) -> Pack | None:
    """The pack with this id."""
    return next((pack for pack in CATALOGUE if pack.id == pack_id), None)


@functools.cache
def image(sticker_id: str) -> bytes:
    """The sticker's WebP image (a square of its colour), drawn on first use."""
    sticker = next(s for p in CATALOGUE for s in p.stickers if s.id == sticker_id)
    out = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), sticker.colour).save(out, "WEBP", quality=50)
    return out.getvalue()


def catalogue() -> list[dict[str, Any]]:
    """The catalogue as it travels to a coreapp: packs, their stickers in index order."""
    packs: list[dict[str, Any]] = []
    for pack in CATALOGUE:
        stickers = []
        for index, sticker in enumerate(pack.stickers):
            data = image(sticker.id)
            stickers.append(
                {
                    "index": index,
                    "id": sticker.id,
                    "emojis": list(sticker.emojis),
                    "mime_type": "image/webp",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
            )
        packs.append(
            {"id": pack.id, "name": pack.name, "publisher": pack.publisher, "stickers": stickers}
        )
    return packs


def install(server: NetworkServer) -> None:
    """Register ``stickers.catalogue``."""

    async def list_catalogue(_session: Session, _args: dict[str, Any]) -> dict[str, Any]:
        return {"stickerpacks": catalogue()}

    server.register("stickers.catalogue", list_catalogue)


def create_router() -> APIRouter:
    """Control API: the catalogue and its images (``/stickerpacks``)."""
    router = APIRouter(prefix="/stickerpacks", tags=["stickerpacks"])

    @router.get("")
    async def list_packs() -> dict[str, Any]:
        """Every first-party pack with its stickers (ids for ``sticker.id`` sends)."""
        return {"stickerpacks": catalogue()}

    @router.get("/{pack_id}/stickers/{index}.webp")
    async def sticker_image(pack_id: str, index: int) -> Response:
        """A first-party sticker's image."""
        pack = find_pack(pack_id)
        if pack is None or not 0 <= index < len(pack.stickers):
            raise HTTPException(404, "no such first-party sticker")
        return Response(image(pack.stickers[index].id), media_type="image/webp")

    return router
