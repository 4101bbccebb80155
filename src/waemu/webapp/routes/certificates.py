"""``/v1/certificates/...`` (spec §10.6): certificates uploaded as ``text/plain`` PEM.

``external``: the webapp's own HTTPS certificate. The upload is a PEM bundle (private key,
server certificate, at least one CA certificate); the coreapp checks and keeps it, and every
webapp serves it from its next start (webapp/certificate.py). ``external/ca`` hands back the
CA certificate(s).

``webhooks/ca``: the CA the coreapp trusts, besides the system's, for HTTPS webhook receivers.
DELETE answers 200 also when there was none (docs/webhooks.md).

The two ``GET .../ca`` nodes answer a bare 404 when nothing was uploaded: Meta's pages say "a
404 response code is returned with no body" (spec §10.6). They are the only answers without
the envelope; every other 404 keeps it (code 1006).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp.deps import Admin, Deps, User

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])


MAX_PEM_BYTES = 1024 * 1024


async def pem_body(request: Request) -> str:
    """The PEM text of an upload, whatever its content type (``curl --data-binary`` sends a
    form type): 1008 when empty, 413/1025 over the limit, 1009 when it is not text.

    Read in chunks and refused as soon as it passes :data:`MAX_PEM_BYTES`: the edge's limit
    for ``/v1/certificates`` is the (much larger) upload limit of media."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PEM_BYTES:
            raise ApiError(
                1025, f"Request body is larger than the limit of {MAX_PEM_BYTES} bytes", 413
            )
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ApiError(1008, "Missing required parameter: the PEM certificate body")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(1009, "Invalid value for the certificate: PEM text must be UTF-8") from None


@router.post("/external")
async def upload_external_certificate(request: Request, deps: Deps, principal: Admin) -> Response:
    """Store the bundle; restart the webapps to serve it (spec §10.6)."""
    await deps.core.call(ops.EXTERNAL_CERT_SET, {"pem": await pem_body(request)}, principal)
    return deps.envelope.ok()


def pem_or_not_found(found: dict[str, Any]) -> Response:
    """The PEM as ``text/plain``; without one, 404 "with no body" (spec §10.6)."""
    pem = found.get("pem")
    if pem is None:
        return Response(status_code=404)
    return Response(pem, media_type="text/plain")


@router.get("/external/ca")
async def get_external_ca_certificate(deps: Deps, principal: User) -> Response:
    """The uploaded bundle's CA certificate(s), PEM; a bare 404 when none was uploaded."""
    return pem_or_not_found(await deps.core.call(ops.EXTERNAL_CERT_CA, principal=principal))


@router.get("/webhooks/ca")
async def get_webhook_ca(deps: Deps, principal: Admin) -> Response:
    """The uploaded webhook CA, as uploaded (``text/plain``); a bare 404 when none was."""
    return pem_or_not_found(await deps.core.call(ops.WEBHOOK_CA_GET, principal=principal))


@router.post("/webhooks/ca")
async def upload_webhook_ca(request: Request, deps: Deps, principal: Admin) -> Response:
    """Replace the webhook CA with one or more PEM certificates; used from the next attempt."""
    pem = await pem_body(request)
    await deps.core.call(ops.WEBHOOK_CA_SET, {"pem": pem}, principal)
    return deps.envelope.ok()


@router.delete("/webhooks/ca")
async def delete_webhook_ca(deps: Deps, principal: Admin) -> Response:
    """Forget the webhook CA; receivers are verified against the system's CAs only."""
    await deps.core.call(ops.WEBHOOK_CA_DELETE, principal=principal)
    return deps.envelope.ok()
