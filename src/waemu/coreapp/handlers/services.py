"""Operations of ``/v1/services/message/gc`` and ``/v1/services/media/gc`` (spec §10.5)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.gc import MEDIA, MESSAGE, GarbageCollector
from waemu.protocol import ops


def operations(gc: GarbageCollector) -> list[Operation]:
    """The services area's operation table (admin only, spec §4)."""

    async def message_gc(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return gc.request(MESSAGE)

    async def media_gc(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return gc.request(MEDIA)

    return [
        Operation(ops.SERVICES_MESSAGE_GC, message_gc, Access.ADMIN),
        Operation(ops.SERVICES_MEDIA_GC, media_gc, Access.ADMIN),
    ]
