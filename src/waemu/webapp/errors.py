"""One handler at the edge renders every failure as the On-Premises envelope."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp.deps import Services
from waemu.webapp.envelope import Envelope
from waemu.webapp.routing import LiteralPaths

UNREACHABLE = 1014  # what the coreapp client raises when the coreapp does not answer


async def _authenticated(request: Request, error: ApiError) -> ApiError:
    """``error``, or the coreapp's 401 when the request's token is no longer honoured.

    The webapp checks a token's signature and expiry; revocation and the user's existence
    only the coreapp knows, and it checks them before anything else. An error the webapp
    raised on its own (a role, a parameter, the body) is therefore checked with the coreapp
    first, so a revoked token or a deleted user's token is a 401 whatever else is wrong —
    at the cost of a round trip on refused requests only.
    """
    principal = getattr(request.state, "bearer", None)
    if principal is None or error.remote or error.http_status == 401:
        return error
    if error.code == UNREACHABLE:
        return error  # the coreapp cannot be reached: it cannot check the token either
    services: Services = request.app.state.services
    try:
        await services.core.call(ops.AUTH_CHECK, principal=principal)
    except ApiError as exc:
        if exc.http_status == 401:
            return exc
    return error


def install(app: FastAPI, envelope: Envelope) -> None:
    """Register the handlers on ``app``."""

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return envelope.error(await _authenticated(request, exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return envelope.error(ApiError(1006, f"Unknown path: {request.url.path}"))
        if exc.status_code == 405:
            paths: LiteralPaths = request.app.state.paths
            methods = paths.allowed_methods(request.scope)
            allowed = ", ".join(methods) or (exc.headers or {}).get("Allow", "")
            error = ApiError(
                1025,
                f"Method {request.method} is not allowed on {request.url.path}"
                + (f"; allowed: {allowed}" if allowed else ""),
                405,
            )
            return envelope.error(error, headers={"Allow": allowed} if allowed else None)
        error = ApiError(1000, str(exc.detail), exc.status_code)
        return envelope.error(await _authenticated(request, error))

    async def request_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"][1:]) or "request"
        if first["type"] == "missing":
            error = ApiError(1008, f"Missing required parameter: {name}")
        else:
            error = ApiError(1009, f"Invalid value for {name}: {first['msg']}")
        return envelope.error(await _authenticated(request, error))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
