"""``PUT /v1/services/message/gc`` and ``PUT /v1/services/media/gc`` (spec §10.5).

Both answer ``processing`` at once; the collection runs in the coreapp, which posts the
completion webhook (§11.6). No body is needed; one that is sent is ignored.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp.deps import Admin, Deps

router = APIRouter(tags=["services"])


@router.put("/v1/services/message/gc")
async def message_gc(deps: Deps, principal: Admin) -> Response:
    """Delete messages older than the retention."""
    status = await deps.core.call(ops.SERVICES_MESSAGE_GC, principal=principal)
    return deps.envelope.ok({"services": {"message": {"gc": status}}})


@router.put("/v1/services/media/gc")
async def media_gc(deps: Deps, principal: Admin) -> Response:
    """Delete media unused for longer than the retention (spec §8.5)."""
    status = await deps.core.call(ops.SERVICES_MEDIA_GC, principal=principal)
    return deps.envelope.ok({"services": {"media": {"gc": status}}})
