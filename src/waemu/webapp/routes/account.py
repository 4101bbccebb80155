"""``/v1/account`` and ``/v1/settings/account/two-step`` (spec §5)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Admin, Deps
from waemu.webapp.schemas.account import RequestCodeBody, ShardsBody, TwoStepBody, VerifyBody

router = APIRouter(tags=["account"])


@router.post("/v1/account")
async def request_code(request: Request, deps: Deps, principal: Admin) -> Response:
    """201 when this client already holds the number, else 202 with the vname (§5.1)."""
    data = await body.required_body(request, RequestCodeBody)
    answer = await deps.core.call(ops.ACCOUNT_REQUEST_CODE, data.model_dump(), principal)
    if answer["registered"]:
        return deps.envelope.ok(status=201)
    return deps.envelope.ok({"account": [{"vname": answer["vname"]}]}, status=202)


@router.post("/v1/account/verify")
async def verify(request: Request, deps: Deps, principal: Admin) -> Response:
    """Submit the registration code; 201 (§5.2)."""
    data = await body.required_body(request, VerifyBody)
    await deps.core.call(ops.ACCOUNT_VERIFY, data.model_dump(), principal)
    return deps.envelope.ok(status=201)


@router.get("/v1/account/shards")
async def get_shards(deps: Deps, principal: Admin) -> Response:
    """The shard count (§5.3)."""
    answer = await deps.core.call(ops.ACCOUNT_SHARDS_GET, principal=principal)
    return deps.envelope.ok({"account": answer})


@router.post("/v1/account/shards")
async def set_shards(request: Request, deps: Deps, principal: Admin) -> Response:
    """Change the shard count; 201 (§5.3)."""
    data = await body.required_body(request, ShardsBody)
    await deps.core.call(ops.ACCOUNT_SHARDS_SET, data.model_dump(), principal)
    return deps.envelope.ok(status=201)


@router.post("/v1/settings/account/two-step")
async def enable_two_step(request: Request, deps: Deps, principal: Admin) -> Response:
    """Set the two-step verification PIN (§5.4)."""
    data = await body.required_body(request, TwoStepBody)
    await deps.core.call(ops.TWO_STEP_SET, data.model_dump(), principal)
    return deps.envelope.ok()


@router.delete("/v1/settings/account/two-step")
async def disable_two_step(deps: Deps, principal: Admin) -> Response:
    """Remove the PIN (§5.4)."""
    await deps.core.call(ops.TWO_STEP_DELETE, principal=principal)
    return deps.envelope.ok()
