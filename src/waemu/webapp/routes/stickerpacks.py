"""``/v1/stickerpacks/...`` (spec §10.7): first-party packs (``?namespace=whatsapp``, read
only) and the business's third-party packs and stickers.

Reads are open to any user, writes to the admin (spec §4). Creating answers 200 with the
new id or index, as Meta's Postman collection shows; PATCH and DELETE answer ``{"meta"}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Admin, Deps, User
from waemu.webapp.schemas.settings import sent
from waemu.webapp.schemas.stickerpacks import StickerBody, StickerPackBody

router = APIRouter(prefix="/v1/stickerpacks", tags=["stickerpacks"])

Namespace = Annotated[str | None, Query()]


def _index(index: str) -> int:
    if not index.isascii() or not index.isdigit() or len(index) > 9:
        raise ApiError(1009, f"Invalid value for sticker index: {index!r} is not an index")
    return int(index)


def _args(pack_id: str, namespace: str | None, **more: Any) -> dict[str, Any]:
    return {"pack_id": pack_id, "namespace": namespace, **more}


@router.get("")
async def get_stickerpacks(deps: Deps, principal: User, namespace: Namespace = None) -> Response:
    """The ids of the namespace's packs."""
    found = await deps.core.call(ops.STICKERPACKS_LIST, {"namespace": namespace}, principal)
    return deps.envelope.ok({"stickerpacks": found})


@router.post("")
async def create_stickerpack(
    request: Request, deps: Deps, principal: Admin, namespace: Namespace = None
) -> Response:
    """Create a third-party pack (first-party ones are WhatsApp's: 403)."""
    data = await body.required_body(request, StickerPackBody)
    args = {"namespace": namespace, "fields": sent(data)}
    created = await deps.core.call(ops.STICKERPACK_CREATE, args, principal)
    return deps.envelope.ok({"stickerpacks": [created]})


@router.get("/{pack_id}")
async def get_stickerpack(
    pack_id: str, deps: Deps, principal: User, namespace: Namespace = None
) -> Response:
    """A pack's publisher, name and store links."""
    found = await deps.core.call(ops.STICKERPACK_GET, _args(pack_id, namespace), principal)
    return deps.envelope.ok({"stickerpacks": [found]})


@router.patch("/{pack_id}")
async def update_stickerpack(
    pack_id: str, request: Request, deps: Deps, principal: Admin, namespace: Namespace = None
) -> Response:
    """Change a third-party pack's fields."""
    data = await body.required_body(request, StickerPackBody)
    args = _args(pack_id, namespace, fields=sent(data))
    await deps.core.call(ops.STICKERPACK_UPDATE, args, principal)
    return deps.envelope.ok()


@router.delete("/{pack_id}")
async def delete_stickerpack(
    pack_id: str, deps: Deps, principal: Admin, namespace: Namespace = None
) -> Response:
    """Delete a third-party pack and its stickers."""
    await deps.core.call(ops.STICKERPACK_DELETE, _args(pack_id, namespace), principal)
    return deps.envelope.ok()


@router.get("/{pack_id}/stickers")
async def get_stickers(
    pack_id: str, deps: Deps, principal: User, namespace: Namespace = None
) -> Response:
    """The indexes of a pack's stickers."""
    found = await deps.core.call(ops.STICKERS_LIST, _args(pack_id, namespace), principal)
    return deps.envelope.ok({"stickers": found})


@router.post("/{pack_id}/stickers")
async def create_sticker(
    pack_id: str, request: Request, deps: Deps, principal: Admin, namespace: Namespace = None
) -> Response:
    """Add a sticker (an uploaded ``image/webp``) to a third-party pack."""
    data = await body.required_body(request, StickerBody)
    args = _args(pack_id, namespace, fields=sent(data))
    created = await deps.core.call(ops.STICKER_CREATE, args, principal)
    return deps.envelope.ok({"stickers": [created]})


@router.get("/{pack_id}/stickers/{index}")
async def get_sticker(
    pack_id: str, index: str, deps: Deps, principal: User, namespace: Namespace = None
) -> Response:
    """A sticker's id and emojis (and, third-party, its image's media id)."""
    args = _args(pack_id, namespace, index=_index(index))
    found = await deps.core.call(ops.STICKER_GET, args, principal)
    return deps.envelope.ok({"stickers": [found]})


@router.patch("/{pack_id}/stickers/{index}")
async def update_sticker(
    pack_id: str,
    index: str,
    request: Request,
    deps: Deps,
    principal: Admin,
    namespace: Namespace = None,
) -> Response:
    """Change a third-party sticker's image and/or emojis."""
    data = await body.required_body(request, StickerBody)
    args = _args(pack_id, namespace, index=_index(index), fields=sent(data))
    await deps.core.call(ops.STICKER_UPDATE, args, principal)
    return deps.envelope.ok()


@router.delete("/{pack_id}/stickers/{index}")
async def delete_sticker(
    pack_id: str, index: str, deps: Deps, principal: Admin, namespace: Namespace = None
) -> Response:
    """Delete a third-party sticker (its index is not reused)."""
    args = _args(pack_id, namespace, index=_index(index))
    await deps.core.call(ops.STICKER_DELETE, args, principal)
    return deps.envelope.ok()
