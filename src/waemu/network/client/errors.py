"""What the control-API client raises when the network refuses a request.

A connection that cannot be opened or a timeout raises httpx's own ``httpx.TransportError``;
an answer that is not 2xx raises one of these, each carrying the status, the request and the
network's ``detail`` (a sentence, or FastAPI's list of invalid fields for a 422)::

    ControlError                 any refusal
    ├── InvalidRequest           400, 422: a bad path value or body
    ├── NotFound                 404: no such customer, account, code, template, message
    ├── Conflict                 409: e.g. a number change to a number already taken
    └── Unavailable              503: e.g. the business's coreapp is not connected
"""

from __future__ import annotations

from typing import Any

import httpx


class ControlError(Exception):
    """The network answered a control-API request with an error status."""

    def __init__(self, method: str, path: str, status_code: int, detail: Any) -> None:
        self.method = method
        self.path = path
        self.status_code = status_code
        self.detail = detail
        super().__init__(f"{method} {path} answered {status_code}: {detail}")


class InvalidRequest(ControlError):
    """400 or 422: the request's values or body were refused."""


class NotFound(ControlError):
    """404: what the request names does not exist."""


class Conflict(ControlError):
    """409: the change conflicts with the network's state."""


class Unavailable(ControlError):
    """503: the network cannot answer this now (e.g. the coreapp it asks is away)."""


_BY_STATUS: dict[int, type[ControlError]] = {
    400: InvalidRequest,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
    503: Unavailable,
}


def raise_for(response: httpx.Response) -> None:
    """Raise the matching ``ControlError`` when ``response`` is not 2xx."""
    if response.is_success:
        return
    try:
        detail: Any = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    kind = _BY_STATUS.get(response.status_code, ControlError)
    request = response.request
    raise kind(request.method, request.url.path, response.status_code, detail)
