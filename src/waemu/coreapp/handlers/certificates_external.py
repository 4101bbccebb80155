"""Operations of ``/v1/certificates/external`` (spec §10.6) and the webapp's start-up read."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.external_cert import ExternalCertificateService
from waemu.protocol import ops


def operations(certs: ExternalCertificateService) -> list[Operation]:
    """Upload (admin), CA download (any user), bundle for a starting webapp."""

    async def upload(a: dict[str, Any], _p: Principal | None) -> None:
        await certs.upload(a.get("pem"))

    async def ca(_a: dict[str, Any], _p: Principal | None) -> dict[str, str | None]:
        return {"pem": await certs.ca()}  # None: nothing uploaded

    async def bundle(_a: dict[str, Any], _p: Principal | None) -> dict[str, str] | None:
        return await certs.bundle()

    return [
        Operation(ops.EXTERNAL_CERT_SET, upload, Access.ADMIN),
        Operation(ops.EXTERNAL_CERT_CA, ca, Access.USER),
        # No user: the webapp asks before it serves anything. The internal socket is
        # reachable by the webapps only (docs/certificates.md).
        Operation(ops.EXTERNAL_CERT_BUNDLE, bundle, Access.PUBLIC),
    ]
