"""``/v1/contacts`` and ``/v1/contacts/{wa_id}/identity`` (spec §6): any user (spec §4)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Deps, User
from waemu.webapp.schemas.contacts import AcknowledgeIdentityBody, CheckContactsBody

router = APIRouter(tags=["contacts"])

WA_ID = re.compile(r"^[0-9]{1,20}$")
# Time the coreapp may take beyond a "wait" check's bound before the webapp gives up on it.
ANSWER_MARGIN_SECONDS = 5.0


def _wa_id(wa_id: str) -> str:
    if not WA_ID.match(wa_id):
        raise ApiError(1009, "Invalid value for wa_id: a WhatsApp ID is digits only")
    return wa_id


@router.post("/v1/contacts")
async def check_contacts(request: Request, deps: Deps, principal: User) -> Response:
    """Status and wa_id of each number, in input order; 200 (§6.1)."""
    data = await body.required_body(request, CheckContactsBody)
    limit = deps.settings.contacts_max_per_call
    if len(data.contacts) > limit:
        raise ApiError(1009, f"Invalid value for contacts: at most {limit} numbers per call")
    wait = max(
        deps.settings.core_call_timeout,
        deps.settings.contacts_wait_seconds + ANSWER_MARGIN_SECONDS,
    )
    answer = await deps.core.call(ops.CONTACTS_CHECK, data.model_dump(), principal, wait=wait)
    return deps.envelope.ok(answer)


@router.get("/v1/contacts/{wa_id}/identity")
async def get_identity(wa_id: str, deps: Deps, principal: User) -> Response:
    """``{"contacts": {"hash", "created_timestamp", "acknowledged"}}`` (§6.4)."""
    found = await deps.core.call(ops.CONTACTS_IDENTITY_GET, {"wa_id": _wa_id(wa_id)}, principal)
    return deps.envelope.ok({"contacts": found})


@router.put("/v1/contacts/{wa_id}/identity")
async def acknowledge_identity(
    wa_id: str, request: Request, deps: Deps, principal: User
) -> Response:
    """Acknowledge the latest identity; 200 (§6.4)."""
    checked = _wa_id(wa_id)
    data = await body.required_body(request, AcknowledgeIdentityBody)
    await deps.core.call(
        ops.CONTACTS_IDENTITY_ACK, {"wa_id": checked, "hash": data.hash}, principal
    )
    return deps.envelope.ok()
