"""``/v1/health`` (spec §10.1)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp.deps import Deps, UserOrApikey

router = APIRouter(tags=["health"])


@router.get("/v1/health")
async def health(deps: Deps, principal: UserOrApikey) -> Response:
    """The coreapp's gateway status, from its real state."""
    status = await deps.core.call(ops.HEALTH, principal=principal)
    return deps.envelope.ok({"health": status})
