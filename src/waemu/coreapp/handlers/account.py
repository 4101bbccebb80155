"""Operations of ``/v1/account`` and two-step verification (spec §5)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.account import AccountService
from waemu.protocol import ops


def operations(account: AccountService) -> list[Operation]:
    """The account area's operation table."""

    async def request_code(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await account.request_code(
            text_arg(a, "cc"),
            text_arg(a, "phone_number"),
            text_arg(a, "method"),
            text_arg(a, "cert"),
            text_arg(a, "pin", optional=True),
        )

    async def verify(a: dict[str, Any], _p: Principal | None) -> None:
        await account.verify(text_arg(a, "code"))

    async def get_shards(_a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return {"shards": account.shards}

    async def set_shards(a: dict[str, Any], _p: Principal | None) -> None:
        shards = a.get("shards")
        assert isinstance(shards, int)
        await account.set_shards(
            text_arg(a, "cc"),
            text_arg(a, "phone_number"),
            shards,
            text_arg(a, "pin", optional=True),
            text_arg(a, "cert", optional=True),
        )

    async def set_two_step(a: dict[str, Any], _p: Principal | None) -> None:
        await account.set_two_step(text_arg(a, "pin"))

    async def delete_two_step(_a: dict[str, Any], _p: Principal | None) -> None:
        await account.set_two_step(None)

    return [
        Operation(ops.ACCOUNT_REQUEST_CODE, request_code, Access.ADMIN),
        Operation(ops.ACCOUNT_VERIFY, verify, Access.ADMIN),
        Operation(ops.ACCOUNT_SHARDS_GET, get_shards, Access.ADMIN),
        Operation(ops.ACCOUNT_SHARDS_SET, set_shards, Access.ADMIN),
        Operation(ops.TWO_STEP_SET, set_two_step, Access.ADMIN),
        Operation(ops.TWO_STEP_DELETE, delete_two_step, Access.ADMIN),
    ]
