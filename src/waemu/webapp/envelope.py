"""The On-Premises response envelope: every body carries ``meta`` (spec §2.3)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from waemu.errors import ApiError


class Envelope:
    """Builds envelope responses with this server's ``meta``."""

    def __init__(self, version: str) -> None:
        self.meta = {"api_status": "stable", "version": version}

    def ok(self, payload: dict[str, Any] | None = None, status: int = 200) -> Response:
        """A success: the payload's keys, then ``meta``."""
        body = dict(payload or {})
        body["meta"] = self.meta
        return Response(orjson.dumps(body), status_code=status, media_type="application/json")

    def error(self, exc: ApiError, headers: dict[str, str] | None = None) -> Response:
        """A failure: ``errors`` with one catalogue error, then ``meta``."""
        body = {"errors": [exc.body()], "meta": self.meta}
        return Response(
            orjson.dumps(body),
            status_code=exc.http_status,
            media_type="application/json",
            headers=headers,
        )
