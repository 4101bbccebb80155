"""Operations of ``/v1/settings/backup`` and ``/v1/settings/restore`` (spec §9.7); admin."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.backup import BackupService
from waemu.protocol import ops


def operations(backups: BackupService) -> list[Operation]:
    """Back up, restore."""

    async def backup(a: dict[str, Any], _p: Principal | None) -> dict[str, str]:
        return {"data": await backups.backup(a.get("password"))}

    async def restore(a: dict[str, Any], _p: Principal | None) -> None:
        await backups.restore(a.get("password"), a.get("data"))

    return [
        Operation(ops.SETTINGS_BACKUP, backup, Access.ADMIN),
        Operation(ops.SETTINGS_RESTORE, restore, Access.ADMIN),
    ]
