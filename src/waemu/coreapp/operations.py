"""The coreapp's operation table, area by area; each entry delegates to a service."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.readiness import Readiness
from waemu.coreapp.services.auth import SigningKeyService
from waemu.coreapp.services.users import UsersService
from waemu.protocol import ops


def _caller(principal: Principal | None) -> Principal:
    assert principal is not None  # guaranteed by the access check
    return principal


def health_operations(readiness: Readiness) -> list[Operation]:
    """``GET /v1/health`` (spec §10.1)."""

    async def health(_args: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return {"gateway_status": readiness.gateway_status}

    return [Operation(ops.HEALTH, health, Access.USER_OR_APIKEY, needs_database=False)]


def auth_operations(keys: SigningKeyService) -> list[Operation]:
    """The token signing key for webapps without ``WA_WEB_JWT_CRYPTO_KEY``."""

    async def signing_key(_args: dict[str, Any], _p: Principal | None) -> str:
        return await keys.key()

    return [Operation(ops.SIGNING_KEY, signing_key, Access.PUBLIC)]


def users_operations(users: UsersService) -> list[Operation]:
    """``/v1/users`` (spec §3)."""

    async def login(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await users.login(
            text_arg(a, "username"),
            text_arg(a, "password"),
            text_arg(a, "new_password", optional=True),
        )

    async def logout(_a: dict[str, Any], p: Principal | None) -> None:
        await users.logout(_caller(p))

    async def create(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await users.create(text_arg(a, "username"), text_arg(a, "password"))

    async def get(a: dict[str, Any], p: Principal | None) -> dict[str, Any]:
        return users.get(_caller(p), text_arg(a, "username"))

    async def update(a: dict[str, Any], p: Principal | None) -> dict[str, Any]:
        return await users.update(_caller(p), text_arg(a, "username"), text_arg(a, "password"))

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
