"""The token signing key and token check operations."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.auth import SigningKeyService
from waemu.protocol import ops


def operations(keys: SigningKeyService) -> list[Operation]:
    """The token signing key for webapps without ``WA_WEB_JWT_CRYPTO_KEY``, and the check
    of a token alone."""

    async def signing_key(_args: dict[str, Any], _p: Principal | None) -> str:
        return await keys.key()

    async def check(_args: dict[str, Any], _p: Principal | None) -> None:
        """The dispatcher's check of the token (user exists, not revoked) is the answer."""

    return [
        Operation(ops.SIGNING_KEY, signing_key, Access.PUBLIC),
        Operation(ops.AUTH_CHECK, check, Access.USER),
    ]
