"""The error catalogue and the exception every layer raises."""

from waemu.errors.catalogue import CATALOGUE, ErrorSpec, lookup
from waemu.errors.exceptions import ApiError, forbidden, not_ready, unauthorized

__all__ = ["CATALOGUE", "ApiError", "ErrorSpec", "forbidden", "lookup", "not_ready", "unauthorized"]
