"""Bodies of ``/v1/users`` (spec §3)."""

from __future__ import annotations

from waemu.webapp.body import StrictBody


class LoginBody(StrictBody):
    """``POST /v1/users/login``: optional new password (mandatory on first admin login)."""

    new_password: str | None = None


class CreateUserBody(StrictBody):
    """``POST /v1/users``."""

    username: str
    password: str


class UpdateUserBody(StrictBody):
    """``PUT /v1/users/{username}``."""

    password: str
