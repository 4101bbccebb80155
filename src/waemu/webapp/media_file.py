"""Serving a media file: byte ranges as HTTP has them, every refusal in the envelope's terms.

Starlette's file response answers a ``Range`` header it cannot use (another unit, a bad
range, ``5-2``) with a plain-text 400, outside the On-Premises envelope. RFC 9110 §14.2 lets
a server ignore such a header, and requires it for a unit it does not know: so a range that
is not a valid ``bytes`` ranges-specifier is ignored and the whole file is served (200). A
valid range is served as 206; one that lies beyond the file is 416, without a body.
"""

from __future__ import annotations

import re

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

# RFC 9110 §14.1.1: "bytes=" then int-range ("first-[last]") or suffix-range ("-length"),
# separated by commas.
_SPEC = r"(?:[0-9]+-[0-9]*|-[0-9]+)"
RANGES = re.compile(rf"\s*bytes\s*=\s*{_SPEC}(?:\s*,\s*{_SPEC})*\s*", re.IGNORECASE)


def usable(value: str) -> bool:
    """Whether ``value`` is a bytes ranges-specifier whose ranges end after they start."""
    if not RANGES.fullmatch(value):
        return False
    for spec in value.split("=", 1)[1].split(","):
        first, _, last = spec.strip().partition("-")
        if first and last and int(last) < int(first):
            return False
    return True


class MediaFile(FileResponse):
    """A file response that ignores a ``Range`` it cannot use instead of refusing it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the file, without the request's ``Range`` header when it is unusable."""
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        ranges = [value for name, value in headers if name == b"range"]
        if ranges and not usable(ranges[0].decode("latin-1")):
            scope = dict(scope, headers=[(n, v) for n, v in headers if n != b"range"])
        await super().__call__(scope, receive, send)
