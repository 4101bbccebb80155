"""Value rules shared by the settings services: each checks one value and names its field.

Every rule takes the value and its dotted path and returns the value to store, or raises
the catalogue error the real client uses for a bad parameter: 1009 (spec §15).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from waemu.errors import ApiError

T = TypeVar("T")
Rule = Callable[[Any, str], Any]

INT32_MAX = 2**31 - 1
MAX_URL_LENGTH = 2048
# Deliberately simple: one @, no spaces, a dot in the domain (the docs ask for "a valid
# email format" without defining it).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def invalid(path: str, reason: str) -> ApiError:
    """400/1009 naming the field."""
    return ApiError(1009, f"Invalid value for {path}: {reason}")


def boolean(value: Any, path: str) -> bool:
    """A JSON boolean (no "true" strings, no 0/1)."""
    if not isinstance(value, bool):
        raise invalid(path, "must be a boolean")
    return value


def positive_int(value: Any, path: str) -> int:
    """A JSON integer from 1 to 2^31-1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, "must be an integer")
    if not 1 <= value <= INT32_MAX:
        raise invalid(path, f"must be between 1 and {INT32_MAX}")
    return value


def milliseconds(value: Any, path: str) -> int:
    """A delay in milliseconds, as an integer or a string of digits (spec §9.1)."""
    if isinstance(value, str):
        digits = value.strip()
        if not digits.isdigit() or not digits.isascii():
            raise invalid(path, "must be a number of milliseconds")
        value = int(digits)
    return positive_int(value, path)


def digits(value: Any, path: str) -> int:
    """A positive number as a JSON integer or a string of digits, the form older clients
    send numbers in (``"1000000"``)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii():
            raise invalid(path, "must be a positive integer or a string of digits")
        value = int(text)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, "must be a positive integer or a string of digits")
    return positive_int(value, path)


def choice(value: Any, path: str, options: Iterable[T]) -> T:
    """One of ``options`` exactly (same type, same value)."""
    allowed = tuple(options)
    for option in allowed:
        if type(value) is type(option) and value == option:
            return option
    listed = ", ".join(str(option) for option in allowed)
    raise invalid(path, f"must be one of {listed}")


def text(value: Any, path: str, *, max_length: int, min_length: int = 0) -> str:
    """A string of ``min_length`` to ``max_length`` characters."""
    if not isinstance(value, str):
        raise invalid(path, "must be a string")
    if len(value) < min_length:
        if min_length == 1:
            raise invalid(path, "must not be empty")
        raise invalid(path, f"must be at least {min_length} characters long")
    if len(value) > max_length:
        raise invalid(path, f"must be at most {max_length} characters long")
    return value


def email(value: Any, path: str, *, max_length: int = 128, required: bool = False) -> str:
    """An email address; the empty string (clearing it) unless ``required``."""
    address = text(value, path, max_length=max_length, min_length=1 if required else 0)
    if address and not EMAIL.fullmatch(address):
        raise invalid(path, "must be a valid email address")
    return address


def http_url(value: Any, path: str, *, max_length: int = MAX_URL_LENGTH) -> str:
    """An absolute http:// or https:// URL with a host."""
    url = text(value, path, max_length=max_length, min_length=1)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # out of range ("http://host:99999") raises too
    except ValueError:
        # An unclosed or invalid IPv6 literal ("http://[x") or port: not a URL, not a 500.
        raise invalid(path, "must be an http:// or https:// URL") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise invalid(path, "must be an http:// or https:// URL")
    if any(c.isspace() for c in url):
        raise invalid(path, "must not contain spaces")
    return url


def webhook_url(value: Any, path: str) -> str:
    """``webhooks.url``: a URL, or the empty string to remove it (Postman "Delete-Webhooks")."""
    if value == "":
        return ""
    return http_url(value, path)


def walk(data: Any, schema: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check every key of ``data`` against ``schema`` (a rule per leaf, dicts for objects).

    Unknown keys answer 1010, wrong shapes and values 1009; nothing is returned until every
    key passed, so a caller can apply the result without partial changes.
    """
    if not isinstance(data, Mapping):
        raise invalid(prefix.rstrip(".") or "body", "must be an object")
    clean: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        rule = schema.get(key)
        if rule is None:
            raise ApiError(1010, f"Unexpected parameter: {path}")
        if isinstance(rule, Mapping):
            clean[key] = walk(value, rule, f"{path}.")
        else:
            clean[key] = rule(value, path)
    return clean
