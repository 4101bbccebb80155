"""Location objects: location messages (spec §7.4) and template location headers (spec §7.7).

``latitude`` and ``longitude`` are required JSON numbers (strings such as ``"37.48"`` are
1009) within -90..90 and -180..180 (1009 outside); ``name`` and ``address`` are optional
strings (the address is only displayed with a name).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.message_errors import Number, invalid


def _within(limit: int) -> AfterValidator:
    def check(value: Any) -> Any:
        if not -limit <= value <= limit:
            raise invalid(f"expected a number from -{limit} to {limit}")
        return value

    return AfterValidator(check)


Latitude = Annotated[Number, _within(90)]
Longitude = Annotated[Number, _within(180)]


class Location(StrictBody):
    """``location``: a point, optionally named."""

    latitude: Latitude
    longitude: Longitude
    name: str | None = None
    address: str | None = None
