"""``/v1/settings/profile/...`` and ``/v1/settings/business/...`` (spec §9.4–§9.6).

The photo link that ``GET /v1/settings/profile/photo?format=link`` hands out points at
``/profile-photos/<id>.jpg`` on this webapp: public, like the real client's
``pps.whatsapp.net`` links, and valid while that photo is the current one.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp import body, nul
from waemu.webapp.deps import Admin, Deps
from waemu.webapp.schemas.settings import (
    AboutBody,
    BusinessProfileBody,
    ComplianceInfoBody,
    sent,
)

router = APIRouter(prefix="/v1/settings", tags=["profile"])
public = APIRouter(include_in_schema=False)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/jpg")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_LINK_PATH = "profile-photos"


@router.get("/profile/about")
async def get_profile_about(deps: Deps, principal: Admin) -> Response:
    """The About text (§9.4)."""
    about = await deps.core.call(ops.PROFILE_ABOUT_GET, principal=principal)
    return deps.envelope.ok({"settings": {"profile": {"about": about}}})


@router.patch("/profile/about")
async def update_profile_about(request: Request, deps: Deps, principal: Admin) -> Response:
    """Set the About text, 1 to 139 characters (§9.4)."""
    data = await body.required_body(request, AboutBody)
    await deps.core.call(ops.PROFILE_ABOUT_SET, {"text": data.text}, principal)
    return deps.envelope.ok()


async def _photo_upload(request: Request) -> bytes:
    """The image of a raw ``image/jpeg``/``image/png`` body or of a multipart ``file``."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        try:
            async with request.form(max_files=1) as form:
                upload = form.get("file")
                if upload is None:
                    raise ApiError(1008, "Missing required parameter: file")
                if not isinstance(upload, UploadFile):
                    raise ApiError(1009, "Invalid value for file: must be a file upload")
                data = await upload.read()
        except HTTPException as exc:
            raise ApiError(1025, f"Malformed multipart body: {exc.detail}") from None
    elif media_type in IMAGE_TYPES:
        data = await request.body()
    else:
        raise ApiError(
            1025,
            "Content-Type must be image/jpeg, image/png or multipart/form-data, "
            f"not {media_type or 'missing'!r}",
            415,
        )
    if not data:
        raise ApiError(1008, "Missing required parameter: image data")
    if len(data) > MAX_PHOTO_BYTES:
        # Checked here too, so an oversized upload never crosses the internal socket.
        raise ApiError(1009, "Invalid value for image: the photo must be at most 5 MB")
    return data


@router.get("/profile/photo")
async def get_profile_photo(
    request: Request,
    deps: Deps,
    principal: Admin,
    fmt: Annotated[str | None, Query(alias="format")] = None,
) -> Response:
    """The photo as ``image/jpeg``, or with ``format=link`` a link to it (§9.5)."""
    if fmt is not None and fmt != "link":
        raise ApiError(1009, "Invalid value for format: the only accepted value is link")
    found = await deps.core.call(ops.PROFILE_PHOTO_GET, {"data": fmt is None}, principal)
    if fmt == "link":
        link = f"{request.base_url}{PHOTO_LINK_PATH}/{found['photo_id']}.jpg"
        return deps.envelope.ok({"settings": {"profile": {"photo": {"link": link}}}})
    return Response(base64.b64decode(found["jpeg"]), media_type="image/jpeg")


@router.post("/profile/photo")
async def update_profile_photo(request: Request, deps: Deps, principal: Admin) -> Response:
    """Set the photo from a JPEG or PNG (≤5 MB, ≥192×192); stored as a ≤640 px square (§9.5)."""
    data = await _photo_upload(request)
    image = base64.b64encode(data).decode()
    await deps.core.call(ops.PROFILE_PHOTO_SET, {"image": image}, principal)
    return deps.envelope.ok()


@router.delete("/profile/photo")
async def delete_profile_photo(deps: Deps, principal: Admin) -> Response:
    """Remove the photo (§9.5)."""
    await deps.core.call(ops.PROFILE_PHOTO_DELETE, principal=principal)
    return deps.envelope.ok()


@public.get(f"/{PHOTO_LINK_PATH}/{{photo_file}}")
async def profile_photo_link(photo_file: str, request: Request, deps: Deps) -> Response:
    """The JPEG behind a ``format=link`` link; no credentials, like the real link."""
    nul.check_parameters(request.scope)  # no credentials to check first here
    photo_id, dot, extension = photo_file.rpartition(".")
    if not dot or extension != "jpg" or not photo_id:
        raise ApiError(1006, f"Unknown path: /{PHOTO_LINK_PATH}/{photo_file}")
    found = await deps.core.call(ops.PROFILE_PHOTO_PUBLIC, {"photo_id": photo_id})
    return Response(base64.b64decode(found["jpeg"]), media_type="image/jpeg")


@router.get("/business/profile")
async def get_business_profile(deps: Deps, principal: Admin) -> Response:
    """The business profile; empty strings for what was never set (§9.6)."""
    profile = await deps.core.call(ops.BUSINESS_PROFILE_GET, principal=principal)
    return deps.envelope.ok({"settings": {"business": {"profile": profile}}})


@router.post("/business/profile")
async def update_business_profile(request: Request, deps: Deps, principal: Admin) -> Response:
    """Change the fields sent (§9.6)."""
    data = await body.required_body(request, BusinessProfileBody)
    await deps.core.call(ops.BUSINESS_PROFILE_SET, {"profile": sent(data)}, principal)
    return deps.envelope.ok()


@router.get("/business/compliance_info")
async def get_business_compliance_info(deps: Deps, principal: Admin) -> Response:
    """The India e-commerce compliance information."""
    info = await deps.core.call(ops.BUSINESS_COMPLIANCE_GET, principal=principal)
    return deps.envelope.ok({"settings": {"business": {"compliance_info": info}}})


@router.post("/business/compliance_info")
async def update_business_compliance_info(
    request: Request, deps: Deps, principal: Admin
) -> Response:
    """Replace the compliance information with the object sent."""
    data = await body.required_body(request, ComplianceInfoBody)
    await deps.core.call(ops.BUSINESS_COMPLIANCE_SET, {"compliance_info": sent(data)}, principal)
    return deps.envelope.ok()
