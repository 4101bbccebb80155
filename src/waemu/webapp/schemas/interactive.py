"""Interactive messages: ``list``, ``button``, ``product``, ``product_list`` and
``location_request_message`` (spec §7.6).

The limits of spec §7.6's table, each with its code:

* 2036 Invalid Header Structure: a ``header`` that is not an object, has no ``type`` or an
  unknown one, a type the message does not take (list and product_list: ``text`` only),
  lacks the object named by ``type`` or carries another type's object.
* 2017 Character Policy Violated: header text > 60, body text > 1024, footer text > 60,
  list button > 20, section title > 24, row id > 200, row title > 24, row description > 72,
  reply id > 256, reply title > 20 characters.
* 2015 Invalid number of sections: list or product_list sections not 1 to 10.
* 2016 Invalid number of rows: a list section without rows, more than 10 rows in all.
* 2023 Invalid number of product: a product_list section without products, more than 30
  in all.
* 1009: buttons not 1 to 3, repeated button ids or titles, repeated row ids, an
  ``action.name`` other than ``send_location``, empty strings.
* 1008: ``body`` missing (all types but product), ``header`` missing on product_list, a
  section ``title`` missing when there are several sections, an action field of the type.
* 1010: a ``header`` on product or location_request_message, an action field of another
  type (``buttons`` on a list, ``sections`` on a product, ...).

``address_message`` (India and Singapore only) is not supported: its ``type`` is 1009.
Whether the catalog and products exist (2024–2030) is for the coreapp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Self

from pydantic import model_validator

from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.message_errors import (
    NOT_EMPTY,
    NonEmpty,
    invalid,
    max_chars,
    missing,
    problem,
    unexpected,
)
from waemu.webapp.schemas.message_media import DocumentRef, MediaRef

CHARS = 2017  # "Character Policy Violated"
MAX_SECTIONS = 10
MAX_ROWS = 10
MAX_BUTTONS = 3
MAX_PRODUCTS = 30
HEADER_TYPES = ("text", "image", "video", "document")

HeaderText = Annotated[str, NOT_EMPTY, max_chars(60, CHARS)]
BodyText = Annotated[str, NOT_EMPTY, max_chars(1024, CHARS)]
FooterText = Annotated[str, NOT_EMPTY, max_chars(60, CHARS)]
ListButton = Annotated[str, NOT_EMPTY, max_chars(20, CHARS)]
SectionTitle = Annotated[str, NOT_EMPTY, max_chars(24, CHARS)]
RowId = Annotated[str, NOT_EMPTY, max_chars(200, CHARS)]
RowTitle = Annotated[str, NOT_EMPTY, max_chars(24, CHARS)]
RowDescription = Annotated[str, max_chars(72, CHARS)]
ReplyId = Annotated[str, NOT_EMPTY, max_chars(256, CHARS)]
ReplyTitle = Annotated[str, NOT_EMPTY, max_chars(20, CHARS)]


class Header(StrictBody):
    """``header``: text, or the media object named by ``type``."""

    type: Any = None  # checked below: a bad header is 2036, not 1008/1009
    text: HeaderText | None = None
    image: MediaRef | None = None
    video: MediaRef | None = None
    document: DocumentRef | None = None

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise problem(2036, "expected a JSON object")
        return data

    @model_validator(mode="after")
    def _structure(self) -> Self:
        if self.type not in HEADER_TYPES:
            reason = "missing" if self.type is None else f"{self.type!r} is not a header type"
            raise problem(2036, f"{reason}; expected text, image, video or document", "type")
        for kind in HEADER_TYPES:
            present = getattr(self, kind) is not None
            if kind == self.type and not present:
                raise problem(2036, f"required by a header of type {kind}", kind)
            if kind != self.type and present:
                raise problem(2036, f"not allowed in a header of type {self.type}", kind)
        return self


class Body(StrictBody):
    """``body``: the message text."""

    text: BodyText


class Footer(StrictBody):
    """``footer``."""

    text: FooterText


class Row(StrictBody):
    """A list row."""

    id: RowId
    title: RowTitle
    description: RowDescription | None = None


class ProductItem(StrictBody):
    """A product of a product_list section."""

    product_retailer_id: NonEmpty


class Section(StrictBody):
    """A section: ``rows`` in a list, ``product_items`` in a product_list."""

    title: SectionTitle | None = None
    rows: list[Row] | None = None
    product_items: list[ProductItem] | None = None


class Reply(StrictBody):
    """``reply`` of a reply button."""

    id: ReplyId
    title: ReplyTitle


class ReplyButton(StrictBody):
    """A reply button."""

    type: Literal["reply"]
    reply: Reply


class Action(StrictBody):
    """``action``: every message type's fields; each type allows its own (see the rules)."""

    button: ListButton | None = None
    buttons: list[ReplyButton] | None = None
    catalog_id: NonEmpty | None = None
    product_retailer_id: NonEmpty | None = None
    sections: list[Section] | None = None
    name: str | None = None


ACTION_FIELDS = ("button", "buttons", "catalog_id", "product_retailer_id", "sections", "name")
Kind = Literal["list", "button", "product", "product_list", "location_request_message"]


class Interactive(StrictBody):
    """``interactive``: the fields of every type, then the rules of the one sent."""

    type: Kind
    header: Header | None = None
    body: Body | None = None
    footer: Footer | None = None
    action: Action

    @model_validator(mode="after")
    def _rules(self) -> Self:
        RULES[self.type](self)
        return self


def _action(message: Interactive, required: tuple[str, ...]) -> None:
    """The action carries ``required`` and no other type's fields."""
    for name in required:
        if getattr(message.action, name) is None:
            raise missing(f"action.{name}")
    for name in ACTION_FIELDS:
        if name not in required and getattr(message.action, name) is not None:
            raise unexpected(f"action.{name}")


def _text_header(message: Interactive) -> None:
    if message.header is not None and message.header.type != "text":
        kind = message.type
        raise problem(2036, f"a {kind} message takes only a text header", "header.type")


def _sections(message: Interactive, items: Literal["rows", "product_items"]) -> list[Section]:
    sections = message.action.sections or []
    if not 1 <= len(sections) <= MAX_SECTIONS:
        reason = f"expected 1 to {MAX_SECTIONS} sections, got {len(sections)}"
        raise problem(2015, reason, "action.sections")
    other = "product_items" if items == "rows" else "rows"
    for i, section in enumerate(sections):
        if getattr(section, items) is None:
            raise missing(f"action.sections[{i}].{items}")
        if getattr(section, other) is not None:
            raise unexpected(f"action.sections[{i}].{other}")
        if section.title is None and len(sections) > 1:
            raise missing(f"action.sections[{i}].title")  # required with several sections
    return sections


def _list(message: Interactive) -> None:
    _text_header(message)
    if message.body is None:
        raise missing("body")
    _action(message, ("button", "sections"))
    total = 0
    seen: set[str] = set()
    for i, section in enumerate(_sections(message, "rows")):
        rows = section.rows or []
        if not rows:
            raise problem(2016, "a section needs at least one row", f"action.sections[{i}].rows")
        total += len(rows)
        if total > MAX_ROWS:
            reason = f"at most {MAX_ROWS} rows in all sections together"
            raise problem(2016, reason, f"action.sections[{i}].rows")
        for j, row in enumerate(rows):
            if row.id in seen:
                raise invalid("row ids must be unique", f"action.sections[{i}].rows[{j}].id")
            seen.add(row.id)


def _button(message: Interactive) -> None:
    if message.body is None:
        raise missing("body")
    _action(message, ("buttons",))
    buttons = message.action.buttons or []
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise invalid(f"expected 1 to {MAX_BUTTONS} buttons, got {len(buttons)}", "action.buttons")
    ids: set[str] = set()
    titles: set[str] = set()
    for i, button in enumerate(buttons):
        if button.reply.id in ids:
            raise invalid("button ids must be unique", f"action.buttons[{i}].reply.id")
        if button.reply.title in titles:
            raise invalid("button titles must be unique", f"action.buttons[{i}].reply.title")
        ids.add(button.reply.id)
        titles.add(button.reply.title)


def _product(message: Interactive) -> None:
    if message.header is not None:
        raise unexpected("header")  # a single product shows the product's own image
    _action(message, ("catalog_id", "product_retailer_id"))


def _product_list(message: Interactive) -> None:
    if message.header is None:
        raise missing("header")
    _text_header(message)
    if message.body is None:
        raise missing("body")
    _action(message, ("catalog_id", "sections"))
    total = 0
    for i, section in enumerate(_sections(message, "product_items")):
        at = f"action.sections[{i}].product_items"
        items = section.product_items or []
        if not items:
            raise problem(2023, "a section needs at least one product", at)
        total += len(items)
        if total > MAX_PRODUCTS:
            raise problem(2023, f"at most {MAX_PRODUCTS} products in all sections together", at)


def _location_request(message: Interactive) -> None:
    if message.header is not None:
        raise unexpected("header")
    if message.body is None:
        raise missing("body")
    _action(message, ("name",))
    if message.action.name != "send_location":
        raise invalid("expected 'send_location'", "action.name")


RULES: dict[str, Callable[[Interactive], None]] = {
    "list": _list,
    "button": _button,
    "product": _product,
    "product_list": _product_list,
    "location_request_message": _location_request,
}
