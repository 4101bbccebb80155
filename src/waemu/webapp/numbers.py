"""Whole JSON numbers are integers, however they are written (``6``, ``6.0``, ``6e0``).

JSON has one number type; JSON Schema, and with it the OpenAPI document (webapp/openapi.py),
counts ``6.0`` as an integer. The parser hands such a number over as a float, which the
strict models and the coreapp's rules would refuse where an integer is expected, so a body a
client validated against the document could be refused. Whole floats are turned into ints
once, when the body is parsed; beyond 2**53 a float no longer says which integer it is, so
those stay floats (and are refused where an integer is expected).
"""

from __future__ import annotations

import re
from typing import Any

EXACT = 2**53
# Where a float can be: a digit followed by a fraction or an exponent. Most bodies have none,
# so most are not walked.
FLOAT = re.compile(rb"[0-9][.eE]")


def parsed(raw: bytes, data: Any) -> Any:
    """``data``, parsed from ``raw``, with its whole floats as ints."""
    return whole(data) if FLOAT.search(raw) else data


def whole(value: Any) -> Any:
    """``value`` with every whole float, at any depth, as an int."""
    if isinstance(value, float):
        if value.is_integer() and -EXACT <= value <= EXACT:
            return int(value)
        return value
    if isinstance(value, dict):
        return {key: whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole(item) for item in value]
    return value
