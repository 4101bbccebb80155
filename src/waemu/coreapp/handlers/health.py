"""Operations of ``/v1/health`` (spec §10.1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.readiness import Readiness
from waemu.protocol import ops

# A cluster's view: every node with its gateway_status and role (coreapp/cluster.py).
ClusterHealth = Callable[[], Awaitable[dict[str, Any]] | None]


def operations(readiness: Readiness, cluster: ClusterHealth | None = None) -> list[Operation]:
    """``GET /v1/health`` (spec §10.1): one coreapp's status, or in a cluster every node's
    keyed by ``<hostname>:<container-id>``."""

    async def health(_args: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        view = cluster() if cluster is not None else None
        if view is not None:
            return await view
        return {"gateway_status": readiness.gateway_status}

    return [Operation(ops.HEALTH, health, Access.USER_OR_APIKEY, needs_database=False)]
