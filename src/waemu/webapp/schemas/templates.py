"""Template messages (``type: "template"``, spec §7.7): their structure only.

Whether the template exists in that namespace and language, is approved, and takes these
parameters (2000–2013, 2060–2062) is checked by the coreapp against the business's
templates. Here, each with the field's full path in the details:

* ``name`` (1008 when missing) and ``language.code`` are non-empty strings; ``namespace``
  is optional (since v2.41.2, spec §7.7); ``language.policy`` is ``deterministic`` (filled
  in when absent) or the deprecated ``fallback`` → else 1009.
* ``components[]``: ``type`` header | body | button. Buttons need ``sub_type``
  (``quick_reply`` | ``url``), ``index`` (a string ``"0"``–``"2"``, as every example in
  the docs writes it; a number is 1009) and ``parameters`` (1008 when missing);
  ``sub_type``/``index`` on a header or body are 1010.
* at most one header and one body, and each button ``index`` once → else 1009.
* parameters: ``type`` text | currency | date_time | image | document | video | location |
  payload, and the object named by it (1008 when missing; another type's object → 1010).
  A body takes text, currency and date_time; a header also media and location; a
  quick_reply button a payload; a url button a text → another type is 1009. Whether a
  parameter suits the template itself (an image for an IMAGE header, text for a TEXT header)
  is the coreapp's check (2012/2008, docs/templates.md).
* ``currency``: ``fallback_value`` (string), ``code`` (ISO 4217, three capital letters),
  ``amount_1000`` (integer). ``date_time``: ``fallback_value`` plus the date components or a
  ``timestamp`` (not both: 1009); later clients always render ``fallback_value``.

Two shapes of Meta's Postman collection are accepted and normalised, so the stored message
has one shape: ``parameters`` given as a single object (becomes a one-element array), and a
media parameter with its fields inline (``{"type": "image", "link": ...}`` becomes
``{"type": "image", "image": {"link": ...}}``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import AfterValidator, Field, field_validator, model_validator

from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.message_errors import NonEmpty, invalid, missing, problem, unexpected
from waemu.webapp.schemas.message_location import Location
from waemu.webapp.schemas.message_media import DocumentMedia, ImageMedia, VideoMedia

ParameterType = Literal[
    "text", "currency", "date_time", "image", "document", "video", "location", "payload"
]
VALUE_FIELDS: tuple[str, ...] = get_args(ParameterType)
MEDIA_TYPES = ("image", "document", "video")
INLINE_MEDIA_FIELDS = ("id", "link", "provider", "caption", "filename")
BUTTON_INDEXES = ("0", "1", "2")
_CURRENCY = re.compile(r"[A-Z]{3}")

# The parameter types a component can ever take (spec §7.7); which one a given template
# takes (an image for an IMAGE header, ...) is the coreapp's check (2012/2008).
ALLOWED: dict[str, tuple[str, ...]] = {
    "body": ("text", "currency", "date_time"),
    "header": ("text", "currency", "date_time", "image", "document", "video", "location"),
    "quick_reply": ("payload",),
    "url": ("text",),
}


def _currency_code(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise invalid("expected an ISO 4217 currency code such as 'USD'")
    return value


CurrencyCode = Annotated[str, AfterValidator(_currency_code)]
DayOfWeek = Annotated[int, Field(ge=1, le=7)]
Month = Annotated[int, Field(ge=1, le=12)]
DayOfMonth = Annotated[int, Field(ge=1, le=31)]
Hour = Annotated[int, Field(ge=0, le=23)]
Minute = Annotated[int, Field(ge=0, le=59)]
Calendar = Literal["GREGORIAN", "SOLAR_HIJRI"]


class Language(StrictBody):
    """``language``: the policy and the language (or language_locale) code."""

    policy: Literal["deterministic", "fallback"] | None = None
    code: NonEmpty


class Currency(StrictBody):
    """``currency`` parameter: an amount rendered in the customer's locale."""

    fallback_value: str
    code: CurrencyCode
    amount_1000: int


class DateTime(StrictBody):
    """``date_time`` parameter: a date rendered in the customer's locale."""

    fallback_value: str
    day_of_week: DayOfWeek | None = None
    year: int | None = None
    month: Month | None = None
    day_of_month: DayOfMonth | None = None
    hour: Hour | None = None
    minute: Minute | None = None
    calendar: Calendar | None = None
    timestamp: int | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        parts: tuple[object, ...] = (self.day_of_week, self.year, self.month)
        parts += (self.day_of_month, self.hour, self.minute, self.calendar)
        if self.timestamp is not None and any(part is not None for part in parts):
            raise invalid("use either timestamp or the date components, not both", "timestamp")
        return self


class Parameter(StrictBody):
    """A parameter: its ``type`` and the object named after it."""

    type: ParameterType
    text: str | None = None
    currency: Currency | None = None
    date_time: DateTime | None = None
    image: ImageMedia | None = None
    document: DocumentMedia | None = None
    video: VideoMedia | None = None
    location: Location | None = None
    payload: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _nest_inline_media(cls, data: Any) -> Any:
        # Meta's Postman body "Send-Message-Template-Media" writes the media fields inline.
        if not isinstance(data, dict):
            return data
        kind = data.get("type")
        if kind not in MEDIA_TYPES or kind in data:
            return data
        inline = {k: v for k, v in data.items() if k in INLINE_MEDIA_FIELDS}
        if not inline:
            return data
        rest = {k: v for k, v in data.items() if k not in INLINE_MEDIA_FIELDS}
        return {**rest, kind: inline}

    @model_validator(mode="after")
    def _value(self) -> Self:
        if getattr(self, self.type) is None:
            raise missing(self.type)
        for name in VALUE_FIELDS:
            if name != self.type and getattr(self, name) is not None:
                raise unexpected(name)
        return self


class Component(StrictBody):
    """A component: header, body, or a button with its sub_type and index."""

    type: Literal["header", "body", "button"]
    sub_type: Literal["quick_reply", "url"] | None = None
    index: str | None = None
    parameters: list[Parameter] | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _one_parameter(cls, value: Any) -> Any:
        # Meta's Postman bodies give a single parameter as an object.
        return [value] if isinstance(value, dict) else value

    @field_validator("index")
    @classmethod
    def _index(cls, value: str) -> str:
        if value not in BUTTON_INDEXES:
            raise invalid("expected '0', '1' or '2'")
        return value

    @model_validator(mode="after")
    def _button_fields(self) -> Self:
        if self.type == "button":
            for name in ("sub_type", "index", "parameters"):
                if getattr(self, name) is None:
                    raise missing(name)
        else:
            for name in ("sub_type", "index"):
                if getattr(self, name) is not None:
                    raise unexpected(name)
        where = self.sub_type if self.type == "button" and self.sub_type else self.type
        allowed = ALLOWED[where]
        for i, parameter in enumerate(self.parameters or []):
            if parameter.type not in allowed:
                reason = f"a {where} component takes {', '.join(allowed)} parameters"
                raise invalid(reason, f"parameters[{i}].type")
        return self


class Template(StrictBody):
    """``template``."""

    namespace: str | None = None
    name: NonEmpty
    language: Language
    components: list[Component] | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> Self:
        seen: set[str] = set()
        for i, component in enumerate(self.components or []):
            if component.type == "button":
                key, at = f"button {component.index}", f"components[{i}].index"
                reason = f"button index {component.index} is given twice"
            else:
                key, at = component.type, f"components[{i}]"
                reason = f"more than one {component.type} component"
            if key in seen:
                raise invalid(reason, at)
            seen.add(key)
        return self


# -- legacy hsm (spec §7.8) ---------------------------------------------------------------


class HsmCurrency(StrictBody):
    """``localizable_params[].currency``."""

    currency_code: CurrencyCode
    amount_1000: int


class HsmComponent(StrictBody):
    """``localizable_params[].date_time.component``."""

    day_of_week: DayOfWeek | None = None
    year: int | None = None
    month: Month | None = None
    day_of_month: DayOfMonth | None = None
    hour: Hour | None = None
    minute: Minute | None = None
    calendar: Calendar | None = None


class HsmEpoch(StrictBody):
    """``localizable_params[].date_time.unix_epoch``."""

    timestamp: int


class HsmDateTime(StrictBody):
    """``localizable_params[].date_time``: ``component`` or ``unix_epoch``."""

    component: HsmComponent | None = None
    unix_epoch: HsmEpoch | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.component is None and self.unix_epoch is None:
            details = "Missing required parameter: {path}.component or {path}.unix_epoch"
            raise problem(1008, details=details)
        if self.component is not None and self.unix_epoch is not None:
            raise invalid("use either component or unix_epoch, not both", "unix_epoch")
        return self


class LocalizableParam(StrictBody):
    """A legacy parameter: its ``default`` text, maybe localised as currency or date."""

    default: str
    currency: HsmCurrency | None = None
    date_time: HsmDateTime | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.currency is not None and self.date_time is not None:
            raise invalid("use either currency or date_time, not both", "date_time")
        return self


class Hsm(StrictBody):
    """``hsm`` (deprecated v2.39): all four fields required (unblu schema)."""

    namespace: NonEmpty
    element_name: NonEmpty
    language: Language
    localizable_params: list[LocalizableParam]
