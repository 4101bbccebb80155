"""Checks shared by the webapp tests: the On-Premises envelope of errors and successes."""

from __future__ import annotations

from typing import Any

import httpx

from waemu.errors import CATALOGUE

META_KEYS = {"api_status", "version"}
META = {"api_status": "stable", "version": "v2.53.2"}


def assert_error(response: object, status: int, code: int, details_part: str) -> None:
    """The response is the On-Premises error envelope with this status, code and details."""
    assert isinstance(response, httpx.Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors", "meta"}
    assert set(body["meta"]) == META_KEYS
    (error,) = body["errors"]
    assert error["code"] == code, error
    assert error["title"] == CATALOGUE[code].title
    assert details_part in error["details"], error["details"]
    assert response.headers["x-request-id"]


def assert_bare_404(response: httpx.Response) -> None:
    """A 404 "with no body", as Meta's certificate pages answer a CA never uploaded (spec
    §10.6): no envelope, no content type."""
    assert response.status_code == 404, response.text
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["x-request-id"]


def assert_ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The response is a success envelope with ``meta``; returns the body without ``meta``."""
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"]
    body: dict[str, Any] = response.json()
    assert body.pop("meta") == META
    assert "errors" not in body
    return body
