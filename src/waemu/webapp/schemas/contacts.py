"""Bodies of ``/v1/contacts`` and ``/v1/contacts/{wa_id}/identity`` (spec §6)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from waemu.webapp.body import StrictBody


class CheckContactsBody(StrictBody):
    """``POST /v1/contacts`` (spec §6.1): numbers in any common format.

    The maximum number of entries is a setting (``WA_CONTACTS_MAX_PER_CALL``), checked by
    the route.
    """

    contacts: Annotated[list[str], Field(min_length=1)]
    blocking: Literal["wait", "no_wait"] = "no_wait"
    force_check: bool = False


class AcknowledgeIdentityBody(StrictBody):
    """``PUT /v1/contacts/{wa_id}/identity`` (spec §6.4): the identity hash acknowledged."""

    hash: Annotated[str, StringConstraints(min_length=1)]
