"""Operations of ``/v1/certificates/...`` (spec §10.6)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.webhook_ca import WebhookCaService
from waemu.protocol import ops

# -- Webhook CA: /v1/certificates/webhooks/ca -------------------------------------------------


def webhook_ca_operations(webhook_ca: WebhookCaService) -> list[Operation]:
    """Read, upload and remove the CA the coreapp trusts for HTTPS webhooks (admin only)."""

    async def get(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return {"pem": webhook_ca.get()}  # None: nothing uploaded

    async def put(a: dict[str, Any], _p: Principal | None) -> None:
        await webhook_ca.set(a.get("pem"))

    async def delete(_a: dict[str, Any], _p: Principal | None) -> None:
        await webhook_ca.delete()

    return [
        Operation(ops.WEBHOOK_CA_GET, get, Access.ADMIN),
        Operation(ops.WEBHOOK_CA_SET, put, Access.ADMIN),
        Operation(ops.WEBHOOK_CA_DELETE, delete, Access.ADMIN),
    ]
