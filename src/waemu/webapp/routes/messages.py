"""``/v1/messages``: send, and mark customer messages read (spec §7)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Deps, User
from waemu.webapp.schemas.messages import validate_message
from waemu.webapp.schemas.messages_read import MarkReadBody

router = APIRouter(tags=["messages"])


@router.post("/v1/messages")
async def send_message(request: Request, deps: Deps, principal: User) -> Response:
    """Accept a message; 201 with its id once it is persisted (§7.1)."""
    raw = await body.raw_json(request)
    if raw is None:
        raise ApiError(1008, "Request body is required")
    message = validate_message(raw)
    sent = await deps.core.call(ops.MESSAGES_SEND, {"message": message}, principal)
    return deps.envelope.ok({"messages": [sent]}, status=201)


@router.put("/v1/messages/{message_id}")
async def mark_read(message_id: str, request: Request, deps: Deps, principal: User) -> Response:
    """Mark a customer's message read (§7.12)."""
    await body.required_body(request, MarkReadBody)
    await deps.core.call(ops.MESSAGES_MARK_READ, {"id": message_id}, principal)
    return deps.envelope.ok()
