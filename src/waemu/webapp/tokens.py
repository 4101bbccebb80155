"""Bearer tokens: HS256-signed, 7 days of life, revocable (spec §2.2, §3.3).

The webapp signs and checks signature and expiry; the coreapp checks on every operation
that the user still exists and that the token was not revoked by logout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from waemu import ids
from waemu.clock import Clock
from waemu.errors import unauthorized
from waemu.protocol import ops
from waemu.protocol.client import CoreCalls

TOKEN_LIFETIME = timedelta(days=7)
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A fresh token and when it expires."""

    token: str
    expires_at: datetime

    @property
    def expires_after(self) -> str:
        """The real format: ``2021-09-14 15:29:26+00:00``."""
        return self.expires_at.strftime("%Y-%m-%d %H:%M:%S+00:00")


class SigningKeys:
    """``WA_WEB_JWT_CRYPTO_KEY``, or the key the coreapp generated and persisted."""

    def __init__(self, configured: str | None, core: CoreCalls) -> None:
        self._key = configured
        self._core = core

    async def get(self) -> str:
        """The signing key, asking the coreapp once if none is configured."""
        if self._key is None:
            self._key = str(await self._core.call(ops.SIGNING_KEY))
        return self._key


# Tokens whose signature was checked, kept to skip the check on their next requests (a
# client sends the same token thousands of times); cleared whole when full.
VERIFIED_LIMIT = 10_000


class Tokens:
    """Issues and checks bearer tokens."""

    def __init__(self, keys: SigningKeys, clock: Clock) -> None:
        self.keys = keys
        self.clock = clock
        self._verified: dict[str, dict[str, Any]] = {}

    async def issue(self, username: str, role: str, generation: str) -> IssuedToken:
        """A token for ``username`` valid for seven days."""
        now = self.clock.now().replace(microsecond=0)
        expires = now + TOKEN_LIFETIME
        claims = {
            "user": username,
            "role": role,
            "gen": generation,
            "jti": ids.token_id(),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        return IssuedToken(jwt.encode(claims, await self.keys.get(), ALGORITHM), expires)

    async def verify(self, token: str) -> dict[str, Any]:
        """The principal a valid token stands for; 401 for anything else.

        A signature checked once stays good, so a known token costs a dictionary lookup and
        the expiry check (revocation is the coreapp's, on every operation)."""
        principal = self._verified.get(token)
        if principal is None:
            principal = await self._decode(token)
            if len(self._verified) >= VERIFIED_LIMIT:
                self._verified.clear()
            self._verified[token] = principal
        if principal["exp"] <= self.clock.now().timestamp():
            raise unauthorized("Token expired; log in again")
        return dict(principal)

    async def _decode(self, token: str) -> dict[str, Any]:
        key = await self.keys.get()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "jti", "user", "role", "gen"], "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            raise unauthorized("Invalid token") from None
        return {
            "user": claims["user"],
            "role": claims["role"],
            "gen": claims["gen"],
            "jti": claims["jti"],
            "exp": int(claims["exp"]),
        }
