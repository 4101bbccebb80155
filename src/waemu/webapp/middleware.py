"""ASGI middleware at the edge: request ids, trailing slashes, and body size limits."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waemu import ids
from waemu.errors import ApiError
from waemu.webapp.envelope import Envelope
from waemu.webapp.metrics import RequestMetrics

log = logging.getLogger(__name__)

# Nodes that take raw binary uploads get the upload limit; all others the JSON limit.
UPLOAD_PREFIXES = ("/v1/media", "/v1/settings/profile/photo", "/v1/certificates")


def _too_large(limit: int) -> ApiError:
    return ApiError(1025, f"Request body is larger than the limit of {limit} bytes", 413)


class EdgeMiddleware:
    """Adds ``X-Request-ID`` to every response, accepts ``/path/`` as ``/path``, and refuses
    bodies over the size limit with 413 before the application reads them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        envelope: Envelope,
        max_json_bytes: int,
        max_upload_bytes: int,
        metrics: RequestMetrics | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics  # GET /metrics (spec §10.3): counted here, cheaply
        self.envelope = envelope
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
            path = scope["path"]
        limit = self.max_upload_bytes if path.startswith(UPLOAD_PREFIXES) else self.max_json_bytes

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = dict(message, headers=headers)
            await send(message)

        declared = self._content_length(scope)
        if declared is not None and declared > limit:
            response = self.envelope.error(_too_large(limit))
            await response(scope, receive, send_with_id)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        started = False
        status = 0
        metrics = self.metrics
        begun = metrics.begin() if metrics is not None else 0.0

        async def tracking_send(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start" and not started:
                started, status = True, message["status"]
                if metrics is not None:
                    metrics.responding()
            await send_with_id(message)

        scope.setdefault("state", {})["request_id"] = request_id
        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            # Never a stack trace on the wire: the envelope's generic error instead.
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if started:
                raise
            error = ApiError(1000, "An unexpected error occurred in the webapp")
            await self.envelope.error(error)(scope, receive, tracking_send)
        finally:
            if metrics is not None:
                metrics.end(scope, status, begun, started)

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                text: str = value.decode("latin-1")
                if 0 < len(text) <= 128 and text.isprintable():
                    return text
        return ids.request_id()

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        for name, value in headers:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None
