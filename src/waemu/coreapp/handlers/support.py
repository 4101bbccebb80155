"""Operation of ``/v1/support`` (spec §10.4)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.support import SupportService
from waemu.protocol import ops


def operations(support: SupportService) -> list[Operation]:
    """The support area's operation table."""

    async def report(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await support.report()

    return [Operation(ops.SUPPORT, report, Access.USER)]
