"""``/v1/settings/application`` and its media providers (spec §9.1, §9.3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Admin, Deps
from waemu.webapp.schemas.settings import ApplicationSettingsPatch, MediaProvidersBody, sent

router = APIRouter(prefix="/v1/settings/application", tags=["settings"])


@router.get("")
async def get_settings(deps: Deps, principal: Admin) -> Response:
    """Every application setting, defaults filled in (§9.1)."""
    application = await deps.core.call(ops.SETTINGS_APP_GET, principal=principal)
    return deps.envelope.ok({"settings": {"application": application}})


@router.patch("")
async def update_settings(request: Request, deps: Deps, principal: Admin) -> Response:
    """Change the settings sent, leave the others (§9.1)."""
    data = await body.required_body(request, ApplicationSettingsPatch)
    await deps.core.call(ops.SETTINGS_APP_UPDATE, {"settings": sent(data)}, principal)
    return deps.envelope.ok()


@router.delete("")
async def reset_settings(deps: Deps, principal: Admin) -> Response:
    """Every setting back to its default (§9.1)."""
    await deps.core.call(ops.SETTINGS_APP_RESET, principal=principal)
    return deps.envelope.ok()


@router.get("/media/providers")
async def get_media_providers(deps: Deps, principal: Admin) -> Response:
    """The providers, credentials included as the official page shows them (§9.3)."""
    providers = await deps.core.call(ops.MEDIA_PROVIDERS_GET, principal=principal)
    return deps.envelope.ok({"settings": {"application": {"media": {"providers": providers}}}})


@router.post("/media/providers")
async def update_media_providers(request: Request, deps: Deps, principal: Admin) -> Response:
    """Add a provider or overwrite the one of the same name; the body is an array (§9.3)."""
    data = await body.raw_json(request)
    if data is None:
        raise ApiError(1008, "Request body is required")
    if not isinstance(data, list):
        raise ApiError(1025, "Request body must be a JSON array of providers")
    try:
        providers = MediaProvidersBody.model_validate(data)
    except ValidationError as exc:
        raise body.validation_error(exc) from None
    forwarded = [sent(provider) for provider in providers.root]
    await deps.core.call(ops.MEDIA_PROVIDERS_SET, {"providers": forwarded}, principal)
    return deps.envelope.ok()


@router.delete("/media/providers/{name}")
async def delete_media_provider(name: str, deps: Deps, principal: Admin) -> Response:
    """Remove a provider; 404/1006 for an unknown name."""
    await deps.core.call(ops.MEDIA_PROVIDERS_DELETE, {"name": name}, principal)
    return deps.envelope.ok()
