"""Operations of ``/v1/settings/...`` (spec §9.1, §9.3–§9.6) and the public photo link."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.media_providers import MediaProvidersService
from waemu.coreapp.services.photo import PhotoService
from waemu.coreapp.services.profile import ProfileService
from waemu.coreapp.services.settings import SettingsService
from waemu.errors import ApiError
from waemu.protocol import ops


def object_arg(args: dict[str, Any], name: str) -> dict[str, Any]:
    """An object argument (a request body the webapp has parsed)."""
    value = args.get(name)
    if not isinstance(value, dict):
        raise ApiError(1025, f"{name} must be an object")
    return value


def operations(
    settings: SettingsService,
    providers: MediaProvidersService,
    profile: ProfileService,
    photo: PhotoService,
) -> list[Operation]:
    """Application settings, media providers, profile and business profile."""

    async def app_get(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await settings.get()

    async def app_update(a: dict[str, Any], _p: Principal | None) -> None:
        await settings.update(object_arg(a, "settings"))

    async def app_reset(_a: dict[str, Any], _p: Principal | None) -> None:
        await settings.reset()

    async def providers_get(_a: dict[str, Any], _p: Principal | None) -> list[dict[str, Any]]:
        return providers.get()

    async def providers_set(a: dict[str, Any], _p: Principal | None) -> None:
        await providers.set(a.get("providers"))

    async def providers_delete(a: dict[str, Any], _p: Principal | None) -> None:
        await providers.delete(text_arg(a, "name"))

    async def about_get(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return {"text": await profile.about()}

    async def about_set(a: dict[str, Any], _p: Principal | None) -> None:
        await profile.set_about(a.get("text"))

    async def photo_get(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await photo.get(data=bool(a.get("data", True)))

    async def photo_set(a: dict[str, Any], _p: Principal | None) -> None:
        await photo.set(a.get("image"))

    async def photo_delete(_a: dict[str, Any], _p: Principal | None) -> None:
        await photo.delete()

    async def photo_public(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await photo.public(text_arg(a, "photo_id"))

    async def business_get(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await profile.business_profile()

    async def business_set(a: dict[str, Any], _p: Principal | None) -> None:
        await profile.set_business_profile(object_arg(a, "profile"))

    async def compliance_get(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await profile.compliance_info()

    async def compliance_set(a: dict[str, Any], _p: Principal | None) -> None:
        await profile.set_compliance_info(object_arg(a, "compliance_info"))

    admin = Access.ADMIN
    return [
        Operation(ops.SETTINGS_APP_GET, app_get, admin),
        Operation(ops.SETTINGS_APP_UPDATE, app_update, admin),
        Operation(ops.SETTINGS_APP_RESET, app_reset, admin),
        Operation(ops.MEDIA_PROVIDERS_GET, providers_get, admin),
        Operation(ops.MEDIA_PROVIDERS_SET, providers_set, admin),
        Operation(ops.MEDIA_PROVIDERS_DELETE, providers_delete, admin),
        Operation(ops.PROFILE_ABOUT_GET, about_get, admin),
        Operation(ops.PROFILE_ABOUT_SET, about_set, admin),
        Operation(ops.PROFILE_PHOTO_GET, photo_get, admin),
        Operation(ops.PROFILE_PHOTO_SET, photo_set, admin),
        Operation(ops.PROFILE_PHOTO_DELETE, photo_delete, admin),
        # The link GET ?format=link hands out is public, like the real pps.whatsapp.net URL.
        Operation(ops.PROFILE_PHOTO_PUBLIC, photo_public, Access.PUBLIC),
        Operation(ops.BUSINESS_PROFILE_GET, business_get, admin),
        Operation(ops.BUSINESS_PROFILE_SET, business_set, admin),
        Operation(ops.BUSINESS_COMPLIANCE_GET, compliance_get, admin),
        Operation(ops.BUSINESS_COMPLIANCE_SET, compliance_set, admin),
    ]
