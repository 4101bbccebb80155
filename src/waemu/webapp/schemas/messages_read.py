"""Body of ``PUT /v1/messages/{id}`` (spec §7.12)."""

from __future__ import annotations

from typing import Literal

from waemu.webapp.body import StrictBody


class MarkReadBody(StrictBody):
    """Only ``read`` is a status the business can set."""

    status: Literal["read"]
