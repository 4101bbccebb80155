"""What routes need: the coreapp client and the caller's verified identity (spec §2.2, §4)."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from waemu.errors import forbidden, unauthorized
from waemu.protocol.client import CoreCalls
from waemu.settings import Settings
from waemu.webapp import nul
from waemu.webapp.envelope import Envelope
from waemu.webapp.tokens import Tokens

ROLE_ADMIN = "ROLE_ADMIN"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the routes share, built once per application."""

    settings: Settings
    core: CoreCalls
    tokens: Tokens
    envelope: Envelope


def _services(request: Request) -> Services:
    """The shared services, also for the dependencies below (fewer sub-dependencies for FastAPI to
    solve on every request)."""
    found: Services = request.app.state.services
    return found


async def services(request: Request) -> Services:
    """The application's shared services (async: a sync dependency costs a thread hop)."""
    return _services(request)


Deps = Annotated[Services, Depends(services)]


def _authorization(request: Request) -> tuple[str, str]:
    value = request.headers.get("authorization")
    if not value:
        raise unauthorized("Authorization header is missing")
    scheme, _, credentials = value.strip().partition(" ")
    if not credentials.strip():
        raise unauthorized("Authorization header is malformed")
    return scheme.lower(), credentials.strip()


def basic_credentials(request: Request) -> tuple[str, str]:
    """``username`` and ``password`` of a Basic header (login only)."""
    scheme, credentials = _authorization(request)
    if scheme != "basic":
        raise unauthorized("Login requires HTTP Basic authentication")
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except ValueError:
        # binascii.Error, UnicodeDecodeError, and the bare ValueError b64decode raises for a
        # header holding non-ASCII characters (Starlette decodes header bytes as Latin-1).
        raise unauthorized("Basic credentials are not valid base64") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise unauthorized("Basic credentials must be username:password")
    return username, password


async def _bearer(request: Request, deps: Services) -> dict[str, Any]:
    """The principal of a token with a valid signature and expiry.

    Revocation and the user's existence only the coreapp knows; it checks them first on
    every operation. A request the webapp refuses on its own (role, parameters, body) has the
    error handler ask the coreapp first (webapp/errors.py), so a dead token is a 401 before
    anything else, without a second round trip on the requests that succeed.
    """
    scheme, credentials = _authorization(request)
    if scheme != "bearer":
        raise unauthorized("Bearer token required")
    principal = await deps.tokens.verify(credentials)
    request.state.bearer = principal
    return principal


def _plain_parameters(request: Request, principal: dict[str, Any]) -> dict[str, Any]:
    """``principal``, once the path and query parameters pass the NUL rule (webapp/nul.py):
    checked here, after authentication, so a caller without credentials learns nothing."""
    nul.check_parameters(request.scope)
    return principal


async def user(request: Request) -> dict[str, Any]:
    """Any user with a valid token."""
    return _plain_parameters(request, await _bearer(request, _services(request)))


async def admin(request: Request) -> dict[str, Any]:
    """The admin user (403 for any other valid token)."""
    principal = await _bearer(request, _services(request))
    if principal["role"] != ROLE_ADMIN:
        raise forbidden()
    return _plain_parameters(request, principal)


async def admin_or_self(username: str, request: Request) -> dict[str, Any]:
    """The admin, or the user named by the ``{username}`` path parameter (§3.6, §3.7).

    Checked here, not only in the coreapp, so another user's request is refused with 403
    before its body is read, as on admin-only nodes.
    """
    principal = await _bearer(request, _services(request))
    if principal["role"] != ROLE_ADMIN and principal["user"] != username:
        raise forbidden("Only the admin user or the user itself may do this")
    return _plain_parameters(request, principal)


async def user_or_apikey(request: Request) -> dict[str, Any]:
    """A user token, or ``Authorization: Apikey <WA_API_KEY>`` (health, stats, metrics)."""
    deps = _services(request)
    scheme, credentials = _authorization(request)
    if scheme != "apikey":
        return _plain_parameters(request, await _bearer(request, deps))
    expected = deps.settings.api_key
    if expected is None:
        raise unauthorized("Apikey authentication is not enabled; set WA_API_KEY")
    if not hmac.compare_digest(credentials.encode(), expected.encode()):
        raise unauthorized("Invalid API key")
    return _plain_parameters(request, {"apikey": True})


User = Annotated[dict[str, Any], Depends(user)]
Admin = Annotated[dict[str, Any], Depends(admin)]
AdminOrSelf = Annotated[dict[str, Any], Depends(admin_or_self)]
UserOrApikey = Annotated[dict[str, Any], Depends(user_or_apikey)]
