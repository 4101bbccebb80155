"""``/v1/support`` (spec §10.4)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp.deps import Deps, User

router = APIRouter(tags=["support"])


@router.get("/v1/support")
async def support(deps: Deps, principal: User) -> Response:
    """Debug information about the client, from the coreapp's real state."""
    report = await deps.core.call(ops.SUPPORT, principal=principal)
    return deps.envelope.ok({"support": report})
