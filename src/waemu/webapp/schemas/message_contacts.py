"""Contacts messages: ``"contacts": [ {contact}, ... ]`` (spec §7.5).

Every field is a string; the typed arrays take the ``type`` values the docs list
(addresses, emails, urls: ``HOME`` | ``WORK``; phones: ``CELL``, ``MAIN``, ``IPHONE``,
``HOME``, ``WORK``) → another value is 1009. ``name`` is required with ``formatted_name`` and
at least one of ``first_name``, ``last_name``, ``middle_name``, ``suffix``, ``prefix`` (the
docs: "At least one of the optional parameters needs to be included along with the
formatted_name parameter") → 1008 otherwise. ``birthday`` is a real ``YYYY-MM-DD`` date
(1009). ``ims`` (an array in the unblu schema and in Meta's Postman body) takes
``{"service", "user_id"}`` objects. Unknown keys anywhere → 1010.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, TypeAdapter, model_validator

from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.message_errors import NonEmpty, invalid, problem

PlaceType = Literal["HOME", "WORK"]
PhoneType = Literal["CELL", "MAIN", "IPHONE", "HOME", "WORK"]
_BIRTHDAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _birthday(value: str) -> str:
    try:
        if not _BIRTHDAY.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise invalid("expected a date as YYYY-MM-DD") from None
    return value


Birthday = Annotated[str, AfterValidator(_birthday)]


class Address(StrictBody):
    """``addresses[]``."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    type: PlaceType | None = None


class Email(StrictBody):
    """``emails[]``."""

    email: str | None = None
    type: PlaceType | None = None


class Im(StrictBody):
    """``ims[]`` (unblu schema): an instant-messaging handle."""

    service: str | None = None
    user_id: str | None = None


class Name(StrictBody):
    """``name``: ``formatted_name`` plus at least one other part."""

    formatted_name: NonEmpty
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    prefix: str | None = None

    @model_validator(mode="after")
    def _one_part(self) -> Self:
        parts = (self.first_name, self.last_name, self.middle_name, self.suffix, self.prefix)
        if all(part is None for part in parts):
            raise problem(
                1008,
                details="Missing required parameter: {path}: one of first_name, last_name, "
                "middle_name, suffix or prefix is needed with formatted_name",
            )
        return self


class Org(StrictBody):
    """``org``."""

    company: str | None = None
    department: str | None = None
    title: str | None = None


class Phone(StrictBody):
    """``phones[]``; ``wa_id`` makes the card's "Message" button open that chat."""

    phone: str | None = None
    type: PhoneType | None = None
    wa_id: str | None = None


class Url(StrictBody):
    """``urls[]``."""

    url: str | None = None
    type: PlaceType | None = None


class Contact(StrictBody):
    """One contact card (spec §7.5), fields in the docs' order."""

    addresses: list[Address] | None = None
    birthday: Birthday | None = None
    emails: list[Email] | None = None
    ims: list[Im] | None = None
    name: Name
    org: Org | None = None
    phones: list[Phone] | None = None
    urls: list[Url] | None = None


def _not_empty(cards: list[Contact]) -> list[Contact]:
    if not cards:
        raise invalid("expected at least one contact")
    return cards


CONTACTS = TypeAdapter(Annotated[list[Contact], AfterValidator(_not_empty)])
"""Validates the ``contacts`` array of a message."""
