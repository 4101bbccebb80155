"""``/v1/settings/backup`` and ``/v1/settings/restore`` (spec §9.7); admin only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Admin, Deps

router = APIRouter(prefix="/v1/settings", tags=["backup"])


class BackupBody(body.StrictBody):
    """``{"password"}``: encrypts the backup."""

    password: str


class RestoreBody(body.StrictBody):
    """``{"password", "data"}``: the backup's password and text."""

    password: str
    data: str


@router.post("/backup")
async def backup_settings(request: Request, deps: Deps, principal: Admin) -> Response:
    """Settings and registration, encrypted with the password (only once registered)."""
    data = await body.required_body(request, BackupBody)
    found = await deps.core.call(ops.SETTINGS_BACKUP, {"password": data.password}, principal)
    return deps.envelope.ok({"settings": {"data": found["data"]}})


@router.post("/restore")
async def restore_settings(request: Request, deps: Deps, principal: Admin) -> Response:
    """Restore a backup on an unregistered client; it then logs in with the restored number."""
    data = await body.required_body(request, RestoreBody)
    args = {"password": data.password, "data": data.data}
    await deps.core.call(ops.SETTINGS_RESTORE, args, principal, wait=60.0)
    return deps.envelope.ok()
