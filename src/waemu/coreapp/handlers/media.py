"""Operations of ``/v1/media`` and ``/v1/media/{media-id}`` (spec §8); any user (spec §4)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.media import MediaService
from waemu.protocol import ops


def operations(media: MediaService) -> list[Operation]:
    """Register an upload, look up a media file to serve, delete one."""

    async def register(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        info = await media.register(
            a.get("id"), a.get("mime_type"), a.get("size"), a.get("sha256"), a.get("path")
        )
        return {"id": info.id}

    async def get(a: dict[str, Any], _p: Principal | None) -> dict[str, object]:
        return (await media.info(a.get("id"))).to_wire()

    async def delete(a: dict[str, Any], _p: Principal | None) -> None:
        await media.delete(a.get("id"))

    return [
        Operation(ops.MEDIA_REGISTER, register, Access.USER),
        Operation(ops.MEDIA_GET, get, Access.USER),
        Operation(ops.MEDIA_DELETE, delete, Access.USER),
    ]
