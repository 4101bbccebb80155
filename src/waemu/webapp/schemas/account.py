"""Bodies of ``/v1/account`` and two-step verification (spec §5)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from waemu.webapp.body import StrictBody

CountryCode = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,2}$")]
NationalNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,14}$")]
Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class RequestCodeBody(StrictBody):
    """``POST /v1/account``."""

    cc: CountryCode
    phone_number: NationalNumber
    method: Literal["sms", "voice"]
    cert: Annotated[str, StringConstraints(min_length=1)]
    pin: Pin | None = None


class VerifyBody(StrictBody):
    """``POST /v1/account/verify``: the 6-digit code, ``123456`` or ``123-456``."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}-?[0-9]{3}$")]


class ShardsBody(StrictBody):
    """``POST /v1/account/shards``."""

    cc: CountryCode
    phone_number: NationalNumber
    shards: Annotated[int, Field(strict=True)]
    pin: Pin | None = None
    cert: str | None = None


class TwoStepBody(StrictBody):
    """``POST /v1/settings/account/two-step``."""

    pin: Pin
