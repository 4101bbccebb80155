"""Contact cards a customer shares (``contacts`` messages): the schema of spec §7.5, which
inbound contacts messages use too (spec §11.2)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """A control-API object: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


Short = Annotated[str, Field(min_length=1, max_length=1024)]


class ContactName(Strict):
    """A shared contact's ``name`` (spec §7.5): ``formatted_name`` and at least one part."""

    formatted_name: Short
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    prefix: str | None = None


class Typed(Strict):
    """An entry of a shared contact's lists; ``type`` as spec §7.5 names them."""

    type: str | None = Field(default=None, max_length=32)


class Address(Typed):
    """``addresses[]``."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = Field(default=None, min_length=2, max_length=2)


class Email(Typed):
    """``emails[]``."""

    email: Short


class Phone(Typed):
    """``phones[]``; ``wa_id`` when the number is on WhatsApp."""

    phone: Short
    wa_id: str | None = Field(default=None, pattern=r"^[0-9]{7,15}$")


class Url(Typed):
    """``urls[]``."""

    url: Short


class Org(Strict):
    """``org``."""

    company: str | None = None
    department: str | None = None
    title: str | None = None


class SharedContact(Strict):
    """One contact card of a ``contacts`` message (spec §7.5 schema)."""

    name: ContactName
    addresses: list[Address] | None = Field(default=None, max_length=20)
    birthday: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    emails: list[Email] | None = Field(default=None, max_length=20)
    org: Org | None = None
    phones: list[Phone] | None = Field(default=None, max_length=20)
    urls: list[Url] | None = Field(default=None, max_length=20)
