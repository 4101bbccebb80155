"""Operations of ``/v1/health`` (spec §10.1)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.readiness import Readiness
from waemu.protocol import ops


def operations(readiness: Readiness) -> list[Operation]:
    """``GET /v1/health`` (spec §10.1)."""

    async def health(_args: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return {"gateway_status": readiness.gateway_status}

    return [Operation(ops.HEALTH, health, Access.USER_OR_APIKEY, needs_database=False)]
