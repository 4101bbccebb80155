"""The error catalogue and the exception every layer raises."""

from waemu.errors.catalogue import CATALOGUE, ErrorSpec, lookup
from waemu.errors.exceptions import (
    ERRORS_HREF,
    ApiError,
    forbidden,
    not_ready,
    receipt_error,
    unauthorized,
)

__all__ = [
    "CATALOGUE",
    "ERRORS_HREF",
    "ApiError",
    "ErrorSpec",
    "forbidden",
    "lookup",
    "not_ready",
    "receipt_error",
    "unauthorized",
]
