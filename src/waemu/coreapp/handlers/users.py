"""Operations of ``/v1/users`` (spec §3)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.handlers import caller
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.users import UsersService
from waemu.protocol import ops


def operations(users: UsersService) -> list[Operation]:
    """``/v1/users`` (spec §3)."""

    async def login(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await users.login(
            text_arg(a, "username"),
            text_arg(a, "password"),
            text_arg(a, "new_password", optional=True),
            text_arg(a, "address", optional=True) or "",
        )

    async def logout(_a: dict[str, Any], p: Principal | None) -> None:
        await users.logout(caller(p))

    async def create(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await users.create(text_arg(a, "username"), text_arg(a, "password"))

    async def get(a: dict[str, Any], p: Principal | None) -> dict[str, Any]:
        return users.get(caller(p), text_arg(a, "username"))

    async def update(a: dict[str, Any], p: Principal | None) -> dict[str, Any]:
        return await users.update(caller(p), text_arg(a, "username"), text_arg(a, "password"))

    async def delete(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await users.delete(text_arg(a, "username"))

    return [
        Operation(ops.USERS_LOGIN, login, Access.PUBLIC),
        Operation(ops.USERS_LOGOUT, logout, Access.USER),
        Operation(ops.USERS_CREATE, create, Access.ADMIN),
        Operation(ops.USERS_GET, get, Access.USER),
        Operation(ops.USERS_UPDATE, update, Access.USER),
        Operation(ops.USERS_DELETE, delete, Access.ADMIN),
    ]
