"""Validation of ``POST /v1/messages`` bodies (spec §7), with the real error codes.

``validate_message`` returns the message as the coreapp stores and forwards it: what the
client sent, normalised (``type`` and ``recipient_type`` filled in, ``ttl`` dropped, the
Postman shapes of template parameters nested; see docs/messages.md).

The top level is checked by hand, in this order, and the first problem wins:

1. ``to``: required (1008), a non-empty string (1009) — a wa_id or a phone number in any
   common format (v2.39.1+, spec §7.1); whether it is a WhatsApp user is only known when the
   message is sent (1013/470 in a status webhook, v2.43+).
2. ``recipient_type``: only ``"individual"`` → else 1002 (spec §7.10).
3. ``type``: default ``"text"``; one of :data:`TYPES` → else 1009. ``reaction`` is a Cloud
   API type (spec §7.9, §19 gap 6) and ``address_message`` is India/Singapore-only; both 1009.
4. every other top-level key in the order sent: another type's object, ``preview_url`` on a
   non-text message, ``biz_opaque_callback_data`` (Cloud API only, spec §19 gap 15),
   ``messaging_product`` or anything unknown → 1010.
5. the object named after ``type`` → 1008 when missing.
6. ``preview_url`` (boolean), ``ttl`` (deprecated in v2.35: accepted as a string or an
   integer, then ignored), ``context`` (``{"message_id": "..."}``).
7. the type's object, by the models of the ``schemas`` modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel

from waemu.errors import ApiError
from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.interactive import Interactive
from waemu.webapp.schemas.message_contacts import CONTACTS
from waemu.webapp.schemas.message_errors import (
    MISSING,
    NOT_EMPTY,
    UNEXPECTED,
    checked,
    checked_as,
    dumped,
    max_chars,
)
from waemu.webapp.schemas.message_location import Location
from waemu.webapp.schemas.message_media import MEDIA_MODELS
from waemu.webapp.schemas.templates import Hsm, Template

TEXT_LIMIT = 4096  # spec §7.2: longer is 1001 "Message too long"
TYPES = (
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "template",
    "hsm",
)
COMMON_FIELDS = ("to", "recipient_type", "type", "preview_url", "ttl", "context")
CLOUD_ONLY = ("biz_opaque_callback_data", "messaging_product", "status")


class Text(StrictBody):
    """``text``: the body, at most 4096 characters (spec §7.2)."""

    body: Annotated[str, NOT_EMPTY, max_chars(TEXT_LIMIT, 1001)]


class Context(StrictBody):
    """``context``: the message this one replies to (spec §7.1)."""

    message_id: Annotated[str, NOT_EMPTY]


def _model(model: type[BaseModel]) -> Callable[[Any, str], Any]:
    def validate(data: Any, kind: str) -> Any:
        return dumped(checked(model, data, (kind,)))

    return validate


def _contacts(data: Any, kind: str) -> Any:
    return [dumped(card) for card in checked_as(CONTACTS, data, (kind,))]


def _template(data: Any, kind: str) -> Any:
    content = dumped(checked(Template if kind == "template" else Hsm, data, (kind,)))
    content["language"].setdefault("policy", "deterministic")  # spec §7.7: the default
    return content


# Each type's validator: (the object sent, the type) → the object stored.
CONTENT: dict[str, Callable[[Any, str], Any]] = {
    "text": _model(Text),
    **{kind: _model(model) for kind, model in MEDIA_MODELS.items()},
    "location": _model(Location),
    "contacts": _contacts,
    "interactive": _model(Interactive),
    "template": _template,
    "hsm": _template,
}


def validate_message(data: Any) -> dict[str, Any]:
    """The validated message, or the catalogue error of its first problem (spec §7.10)."""
    if not isinstance(data, dict):
        raise ApiError(1025, "Request body must be a JSON object")
    to = _recipient(data)
    kind = _type(data)
    _unexpected_fields(data, kind)
    if kind not in data:
        raise ApiError(1008, MISSING.replace("{path}", kind))
    message: dict[str, Any] = {"to": to, "recipient_type": "individual", "type": kind}
    # An optional field sent as null counts as absent, here as inside the objects.
    if data.get("preview_url") is not None:
        if not isinstance(data["preview_url"], bool):
            raise ApiError(1009, "Invalid value for preview_url: expected a boolean")
        message["preview_url"] = data["preview_url"]
    _ttl(data)
    if data.get("context") is not None:
        message["context"] = dumped(checked(Context, data["context"], ("context",)))
    message[kind] = CONTENT[kind](data[kind], kind)
    return message


def _recipient(data: dict[str, Any]) -> str:
    if "to" not in data:
        raise ApiError(1008, MISSING.replace("{path}", "to"))
    to = data["to"]
    if not isinstance(to, str) or not to.strip():
        raise ApiError(1009, "Invalid value for to: expected a phone number or WhatsApp ID")
    recipient_type = data.get("recipient_type")
    if recipient_type not in (None, "individual"):
        # spec §7.1: "group" existed with the removed Groups API only.
        raise ApiError(1002, f"recipient_type must be 'individual', not {recipient_type!r}")
    return to


def _type(data: dict[str, Any]) -> str:
    kind = data.get("type")
    if kind is None:
        return "text"
    if not isinstance(kind, str):
        raise ApiError(1009, "Invalid value for type: expected a string")
    if kind == "reaction":
        raise ApiError(1009, "Invalid value for type: reaction messages are Cloud API only")
    if kind not in TYPES:
        raise ApiError(1009, f"Invalid value for type: {kind!r} is not a message type")
    return kind


def _unexpected_fields(data: dict[str, Any], kind: str) -> None:
    for key in data:
        if key == kind or (key in COMMON_FIELDS and (key != "preview_url" or kind == "text")):
            continue
        details = UNEXPECTED.replace("{path}", key)
        if key == "preview_url":
            details += " (text messages only)"
        elif key in TYPES or key == "reaction":
            details += f" (the message type is {kind})"
        elif key in CLOUD_ONLY:
            details += " (Cloud API only)"
        raise ApiError(1010, details)


def _ttl(data: dict[str, Any]) -> None:
    # spec §7.1: a template TTL, deprecated in v2.35 and ignored since; the reported
    # version is later, so only its JSON type is checked and it is not stored.
    ttl = data.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, str | int)):
        raise ApiError(1009, "Invalid value for ttl: expected a duration string or seconds")
