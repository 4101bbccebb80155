"""One rule at the edge for U+0000 (NUL) in text: refused with 400/1009, whatever the engine.

PostgreSQL ``text`` cannot hold U+0000 while SQLite and MariaDB store it, so letting it through
made the same request a 201 on two engines and a 500 on the third. No field of the API has a
use for it (phone numbers, ids, names, message text), so the webapp refuses it everywhere a
client can send text: any string (or key) of a JSON body, and every path and query parameter.
The details name the field (docs/security.md).

The body check costs one scan of the raw bytes for the escape ``\\u0000`` (JSON has no other
way to write U+0000: a raw control character is invalid JSON); only a body that holds it is
walked to find the field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from waemu.errors import ApiError

NUL = "\x00"
ESCAPE = b"\\u0000"


def _refused(name: str) -> ApiError:
    return ApiError(1009, f"Invalid value for {name}: text may not contain NUL (U+0000)")


def _name(parts: tuple[str | int, ...]) -> str:
    return ".".join(str(part).replace(NUL, "\\u0000") for part in parts) or "body"


def _find(value: Any, parts: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """Where in ``value`` the first NUL is, depth first; None when there is none."""
    if isinstance(value, str):
        return parts if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return (*parts, key)
            found = _find(item, (*parts, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find(item, (*parts, index))
            if found is not None:
                return found
    return None


def check_body(raw: bytes, data: Any) -> None:
    """400/1009 naming the field when the parsed JSON ``data`` of ``raw`` holds a NUL."""
    if ESCAPE not in raw:
        return
    # The escape may be a false alarm ("\\u0000" is a backslash and "u0000"): look.
    found = _find(data, ())
    if found is not None:
        raise _refused(_name(found))


def check_parameters(scope: Scope) -> None:
    """400/1009 naming the parameter when a path or query parameter holds a NUL."""
    if NUL in scope.get("path", ""):
        for name, value in scope.get("path_params", {}).items():
            if isinstance(value, str) and NUL in value:
                raise _refused(name)
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                raise _refused(_name((name,)))
