"""Operations of ``/v1/stickerpacks/...`` (spec §10.7): reads for any user, writes admin."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.stickerpacks import StickerPacksService
from waemu.errors import ApiError
from waemu.protocol import ops


def _fields(args: dict[str, Any]) -> dict[str, Any]:
    value = args.get("fields")
    if not isinstance(value, dict):
        raise ApiError(1025, "fields must be an object")
    return value


def _index(args: dict[str, Any]) -> int:
    value = args.get("index")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(1009, "Invalid value for index: must be an integer")
    return value


def operations(packs: StickerPacksService) -> list[Operation]:
    """Packs and stickers, both namespaces."""

    async def list_packs(a: dict[str, Any], _p: Principal | None) -> list[dict[str, str]]:
        return await packs.list_packs(a.get("namespace"))

    async def get_pack(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await packs.get_pack(text_arg(a, "pack_id"), a.get("namespace"))

    async def create_pack(a: dict[str, Any], _p: Principal | None) -> dict[str, str]:
        return {"id": await packs.create_pack(_fields(a), a.get("namespace"))}

    async def update_pack(a: dict[str, Any], _p: Principal | None) -> None:
        await packs.update_pack(text_arg(a, "pack_id"), _fields(a), a.get("namespace"))

    async def delete_pack(a: dict[str, Any], _p: Principal | None) -> None:
        await packs.delete_pack(text_arg(a, "pack_id"), a.get("namespace"))

    async def list_stickers(a: dict[str, Any], _p: Principal | None) -> list[dict[str, int]]:
        return await packs.list_stickers(text_arg(a, "pack_id"), a.get("namespace"))

    async def get_sticker(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await packs.get_sticker(text_arg(a, "pack_id"), _index(a), a.get("namespace"))

    async def create_sticker(a: dict[str, Any], _p: Principal | None) -> dict[str, int]:
        pack_id = text_arg(a, "pack_id")
        return {"index": await packs.create_sticker(pack_id, _fields(a), a.get("namespace"))}

    async def update_sticker(a: dict[str, Any], _p: Principal | None) -> None:
        pack_id, index = text_arg(a, "pack_id"), _index(a)
        await packs.update_sticker(pack_id, index, _fields(a), a.get("namespace"))

    async def delete_sticker(a: dict[str, Any], _p: Principal | None) -> None:
        await packs.delete_sticker(text_arg(a, "pack_id"), _index(a), a.get("namespace"))

    user, admin = Access.USER, Access.ADMIN  # spec §4: reads any user, writes admin [R]
    return [
        Operation(ops.STICKERPACKS_LIST, list_packs, user),
        Operation(ops.STICKERPACK_GET, get_pack, user),
        Operation(ops.STICKERPACK_CREATE, create_pack, admin),
        Operation(ops.STICKERPACK_UPDATE, update_pack, admin),
        Operation(ops.STICKERPACK_DELETE, delete_pack, admin),
        Operation(ops.STICKERS_LIST, list_stickers, user),
        Operation(ops.STICKER_GET, get_sticker, user),
        Operation(ops.STICKER_CREATE, create_sticker, admin),
        Operation(ops.STICKER_UPDATE, update_sticker, admin),
        Operation(ops.STICKER_DELETE, delete_sticker, admin),
    ]
