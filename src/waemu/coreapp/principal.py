"""Who is calling: the identity the webapp vouches for on every forwarded operation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

ROLE_ADMIN = "ROLE_ADMIN"
ROLE_USER = "ROLE_USER"


class Access(enum.Enum):
    """Who may run an operation (spec §4's role matrix)."""

    PUBLIC = "public"  # no credentials (login, signing key)
    USER_OR_APIKEY = "user_or_apikey"  # health, stats, metrics
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified caller: a user with a live token, or the holder of ``WA_API_KEY``."""

    user: str | None
    role: str | None
    generation: str | None = None
    jti: str | None = None
    expires: int | None = None
    apikey: bool = False

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> Principal | None:
        """The principal sent with a request, if any."""
        if not data:
            return None
        if data.get("apikey"):
            return cls(user=None, role=None, apikey=True)
        return cls(
            user=str(data["user"]),
            role=str(data["role"]),
            generation=str(data["gen"]),
            jti=str(data["jti"]),
            expires=int(data["exp"]),
        )

    def apikey_allowed(self, access: Access) -> bool:
        """Whether this is the API key on an operation that accepts it (spec §2.2)."""
        return self.apikey and access is Access.USER_OR_APIKEY

    @property
    def is_admin(self) -> bool:
        """Whether this is the admin user."""
        return self.role == ROLE_ADMIN
