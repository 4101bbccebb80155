"""One handler at the edge renders every failure as the On-Premises envelope."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from waemu.errors import ApiError
from waemu.webapp.envelope import Envelope

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path accepts.

    Starlette's 405 names only the first route whose path matched, but ``/v1/users/login``
    and ``/v1/users/{username}`` share a path, and the Allow header must list all methods
    (RFC 9110 §15.5.6). Probing with ``matches`` works however routers are nested.
    """
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install(app: FastAPI, envelope: Envelope) -> None:
    """Register the handlers on ``app``."""

    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return envelope.error(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return envelope.error(ApiError(1006, f"Unknown path: {request.url.path}"))
        if exc.status_code == 405:
            allowed = ", ".join(_allowed_methods(request)) or (exc.headers or {}).get("Allow", "")
            error = ApiError(
                1025,
                f"Method {request.method} is not allowed on {request.url.path}"
                + (f"; allowed: {allowed}" if allowed else ""),
                405,
            )
            return envelope.error(error, headers={"Allow": allowed} if allowed else None)
        return envelope.error(ApiError(1000, str(exc.detail), exc.status_code))

    async def request_invalid(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"][1:]) or "request"
        if first["type"] == "missing":
            return envelope.error(ApiError(1008, f"Missing required parameter: {name}"))
        return envelope.error(ApiError(1009, f"Invalid value for {name}: {first['msg']}"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
