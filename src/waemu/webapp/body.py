"""Reading request bodies: content type, JSON syntax, and the schema, each with its real error.

Pydantic failures map onto the catalogue: a missing field is 1008, an unexpected one 1010,
any other bad value 1009 (spec §7.10), with details naming the field. Text holding U+0000
is refused with 1009 before any schema sees it (webapp/nul.py).
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ConfigDict, ValidationError

from waemu.errors import ApiError
from waemu.webapp import nul, numbers

M = TypeVar("M", bound=BaseModel)


class StrictBody(BaseModel):
    """Base of request schemas: no coercion, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_error(exc: ValidationError) -> ApiError:
    """The catalogue error for the first problem pydantic found."""
    first = exc.errors()[0]
    name = _field(tuple(first["loc"]))
    kind = first["type"]
    if kind == "missing":
        return ApiError(1008, f"Missing required parameter: {name}")
    if kind == "extra_forbidden":
        return ApiError(1010, f"Unexpected parameter: {name}")
    return ApiError(1009, f"Invalid value for {name}: {first['msg']}")


async def raw_json(request: Request) -> Any:
    """The parsed JSON body, or None when the body is empty."""
    body = await request.body()
    if not body.strip():
        return None
    content_type = request.headers.get("content-type", "application/json")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(1025, f"Content-Type must be application/json, not {media_type!r}", 415)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(1025, f"Request body is not valid JSON: {exc}") from None
    nul.check_body(body, data)  # one rule for U+0000 on every engine (webapp/nul.py)
    return numbers.parsed(body, data)  # 6.0 is the integer 6 (webapp/numbers.py)


async def json_body(request: Request, model: type[M], *, optional: bool = False) -> M | None:
    """The body validated against ``model``; None for an empty body when ``optional``."""
    data = await raw_json(request)
    if data is None:
        if optional:
            return None
        raise ApiError(1008, "Request body is required")
    if not isinstance(data, dict):
        raise ApiError(1025, "Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


async def required_body(request: Request, model: type[M]) -> M:
    """The body validated against ``model``; 1008 when it is empty."""
    body = await json_body(request, model)
    assert body is not None
    return body
