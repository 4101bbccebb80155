"""Nodes of the real API that the emulator does not serve yet.

They answer a clear error instead of "unknown path", so a client can tell "not emulated yet"
from a typo. docs/features.md lists the same nodes as missing; the list shrinks as they land.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from waemu.errors import ApiError

# (path, methods) from the spec's section 4 inventory.
UNBUILT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/v1/settings/backup", ("POST",)),
    ("/v1/settings/restore", ("POST",)),
    ("/v1/stats/app", ("GET",)),
    ("/v1/stats/app/internal", ("GET",)),
    ("/v1/stats/db", ("GET",)),
    ("/v1/stats/db/internal", ("GET",)),
    ("/metrics", ("GET",)),
    ("/v1/metrics", ("GET",)),
    ("/v1/services/message/gc", ("PUT",)),
    ("/v1/services/media/gc", ("PUT",)),
    ("/v1/certificates/external", ("POST",)),
    ("/v1/certificates/external/ca", ("GET",)),
    ("/v1/certificates/webhooks/ca", ("GET", "POST", "DELETE")),
    ("/v1/stickerpacks", ("GET", "POST")),
    ("/v1/stickerpacks/{pack_id}", ("GET", "PATCH", "DELETE")),
    ("/v1/stickerpacks/{pack_id}/stickers", ("GET", "POST")),
    ("/v1/stickerpacks/{pack_id}/stickers/{index}", ("GET", "PATCH", "DELETE")),
)


async def not_implemented(request: Request) -> None:
    """Answer 501 with a catalogue error naming the node."""
    raise ApiError(
        1000,
        f"{request.method} {request.url.path} is not implemented by this emulator yet "
        "(see docs/features.md)",
        501,
    )


router = APIRouter(include_in_schema=False)
for _path, _methods in UNBUILT:
    router.add_api_route(_path, not_implemented, methods=list(_methods))
