"""``POST /v1/messages`` validation: contacts and interactive messages (spec §7.5, §7.6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks import InProcessStack
from tests.webapp.assertions import assert_error
from tests.webapp.message_validation_helpers import (
    ROW,
    case,
    changed,
    post,
    prefixed,
    sent,
    valid,
)

# -- contacts (spec §7.5) -------------------------------------------------------------------

FULL_CONTACT: dict[str, Any] = {
    "addresses": [
        {
            "street": "1 Hacker Way",
            "city": "Menlo Park",
            "state": "CA",
            "zip": "94025",
            "country": "United States",
            "country_code": "us",
            "type": "HOME",
        },
        {"street": "200 Jefferson Dr", "type": "WORK"},
    ],
    "birthday": "2012-08-18",
    "emails": [{"email": "test@fb.com", "type": "WORK"}, {"email": "a@b.c", "type": "HOME"}],
    "ims": [{"service": "AIM", "user_id": "jane"}],
    "name": {
        "formatted_name": "Dr. Jane Q. Doe Jr.",
        "first_name": "Jane",
        "last_name": "Doe",
        "middle_name": "Q.",
        "suffix": "Jr.",
        "prefix": "Dr.",
    },
    "org": {"company": "WhatsApp", "department": "Design", "title": "Manager"},
    "phones": [
        {"phone": "+1 (940) 555-1234", "type": "HOME"},
        {"phone": "+1 (650) 555-1234", "type": "WORK", "wa_id": "16505551234"},
        {"phone": "+1 (650) 555-1235", "type": "CELL"},
        {"phone": "+1 (650) 555-1236", "type": "MAIN"},
        {"phone": "+1 (650) 555-1237", "type": "IPHONE"},
    ],
    "urls": [{"url": "https://www.facebook.com", "type": "WORK"}],
}


def contact(path: str, value: Any = None, *, remove: bool = False) -> dict[str, Any]:
    """A contacts body whose first card is FULL_CONTACT with one field changed."""
    card = changed(FULL_CONTACT, path) if remove else changed(FULL_CONTACT, path, value)
    return valid("contacts", "contacts", [card])


C0 = "contacts[0]"
CONTACTS_REFUSALS = [
    case(valid("contacts", "contacts", []), 400, 1009, "Invalid value for contacts", "empty"),
    case(valid("contacts", "contacts", {}), 400, 1009, "Invalid value for contacts", "object"),
    case(valid("contacts", "contacts", ["Jane"]), 400, 1009, f"{C0}", "card-string"),
    case(contact("name", remove=True), 400, 1008, f"parameter: {C0}.name", "name-missing"),
    case(
        contact("name.formatted_name", remove=True),
        400,
        1008,
        f"{C0}.name.formatted_name",
        "formatted-name-missing",
    ),
    case(
        contact("name", {"formatted_name": "Jane"}),
        400,
        1008,
        f"{C0}.name: one of first_name, last_name",
        "formatted-name-alone",
    ),
    case(contact("name.formatted_name", ""), 400, 1009, "formatted_name", "formatted-empty"),
    case(contact("name.first_name", 5), 400, 1009, f"{C0}.name.first_name", "first-name-number"),
    case(contact("name.nickname", "J"), 400, 1010, f"{C0}.name.nickname", "name-unknown"),
    case(contact("birthday", "18-08-2012"), 400, 1009, f"{C0}.birthday", "birthday-format"),
    case(contact("birthday", "2012-02-30"), 400, 1009, f"{C0}.birthday", "birthday-no-day"),
    case(contact("birthday", 20120818), 400, 1009, f"{C0}.birthday", "birthday-number"),
    case(contact("addresses[0].type", "OFFICE"), 400, 1009, "addresses[0].type", "address-type"),
    case(contact("addresses[1].type", "home"), 400, 1009, "addresses[1].type", "type-lowercase"),
    case(contact("addresses[0].zip", 94025), 400, 1009, "addresses[0].zip", "zip-number"),
    case(contact("addresses[0].po_box", "1"), 400, 1010, "addresses[0].po_box", "address-extra"),
    case(contact("addresses", {"city": "x"}), 400, 1009, f"{C0}.addresses", "addresses-object"),
    case(contact("emails[1].type", "OTHER"), 400, 1009, f"{C0}.emails[1].type", "email-type"),
    case(contact("emails[0].label", "x"), 400, 1010, "emails[0].label", "email-extra"),
    case(contact("phones[0].type", "FAX"), 400, 1009, f"{C0}.phones[0].type", "phone-type"),
    case(contact("phones[1].wa_id", 16505551234), 400, 1009, "phones[1].wa_id", "wa-id-number"),
    case(contact("phones[0].ext", "12"), 400, 1010, f"{C0}.phones[0].ext", "phone-extra"),
    case(contact("urls[0].type", "BLOG"), 400, 1009, f"{C0}.urls[0].type", "url-type"),
    case(contact("urls[0].url", ["x"]), 400, 1009, f"{C0}.urls[0].url", "url-array"),
    case(contact("org.team", "x"), 400, 1010, f"{C0}.org.team", "org-extra"),
    case(contact("org", "WhatsApp"), 400, 1009, f"{C0}.org", "org-string"),
    case(contact("ims[0].network", "x"), 400, 1010, f"{C0}.ims[0].network", "ims-extra"),
    case(contact("photo", "x"), 400, 1010, f"Unexpected parameter: {C0}.photo", "card-extra"),
    case(
        valid("contacts", "contacts[1]", {"name": {"formatted_name": "B"}}),
        400,
        1008,
        "contacts[1].name",
        "second-card",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "fragment"), CONTACTS_REFUSALS)
async def test_contacts_are_refused_when_card_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


@pytest.mark.parametrize(
    "name_part", ["first_name", "last_name", "middle_name", "suffix", "prefix"]
)
async def test_contacts_are_accepted_when_name_has_any_one_part(
    sqlite_stack: InProcessStack, name_part: str
) -> None:
    card = {"name": {"formatted_name": "Jane", name_part: "x"}}
    await sent(sqlite_stack, valid("contacts", "contacts", [card]))


async def test_contacts_are_accepted_when_every_field_is_filled(
    sqlite_stack: InProcessStack,
) -> None:
    await sent(sqlite_stack, valid("contacts", "contacts", [FULL_CONTACT, FULL_CONTACT]))


# -- interactive (spec §7.6) ----------------------------------------------------------------

I = "interactive"  # noqa: E741


def rows(count: int, prefix: str = "r") -> list[dict[str, str]]:
    """``count`` list rows with unique ids and titles."""
    return [{"id": f"{prefix}{n}", "title": f"Row {prefix}{n}"} for n in range(count)]


def products(count: int, prefix: str = "sku") -> list[dict[str, str]]:
    """``count`` product items."""
    return [{"product_retailer_id": f"{prefix}-{n}"} for n in range(count)]


def buttons(count: int) -> list[dict[str, Any]]:
    """``count`` reply buttons with unique ids and titles."""
    return [{"type": "reply", "reply": {"id": f"b{n}", "title": f"B{n}"}} for n in range(count)]


def sections(count: int, key: str, items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """``count`` titled sections, each holding ``items`` (ids made unique per section)."""
    return [
        {"title": f"S{n}", key: [{k: f"{v}-{n}" for k, v in item.items()} for item in items]}
        for n in range(count)
    ]


TEXT_HEADER = {"type": "text", "text": "Header"}
IMAGE_HEADER = {"type": "image", "image": {"link": "https://127.0.0.1:9/h.jpg"}}

STRUCTURE_REFUSALS = [
    case(valid("list", f"{I}.type"), 400, 1008, f"parameter: {I}.type", "type-missing"),
    case(valid("list", f"{I}.type", "carousel"), 400, 1009, f"{I}.type", "type-unknown"),
    case(valid("list", f"{I}.type", "address_message"), 400, 1009, f"{I}.type", "address-msg"),
    case(valid("list", f"{I}.action"), 400, 1008, f"parameter: {I}.action", "action-missing"),
    case(valid("list", f"{I}.action", []), 400, 1009, f"{I}.action", "action-array"),
    case(valid("list", f"{I}.body"), 400, 1008, f"parameter: {I}.body", "list-body-missing"),
    case(valid("button", f"{I}.body"), 400, 1008, f"{I}.body", "button-body-missing"),
    case(valid("product_list", f"{I}.body"), 400, 1008, f"{I}.body", "mpm-body-missing"),
    case(valid("location_request", f"{I}.body"), 400, 1008, f"{I}.body", "loc-body-missing"),
    case(valid("list", f"{I}.body.text"), 400, 1008, f"{I}.body.text", "body-text-missing"),
    case(valid("list", f"{I}.body.text", ""), 400, 1009, f"{I}.body.text", "body-text-empty"),
    case(valid("list", f"{I}.body.text", 5), 400, 1009, f"{I}.body.text", "body-text-number"),
    case(valid("list", f"{I}.body.text", "x" * 1025), 400, 2017, f"{I}.body.text", "body-long"),
    case(valid("list", f"{I}.footer", {}), 400, 1008, f"{I}.footer.text", "footer-text-missing"),
    case(valid("list", f"{I}.footer", {"text": "x" * 61}), 400, 2017, "footer.text", "footer-long"),
    case(valid("list", f"{I}.body.image", "x"), 400, 1010, f"{I}.body.image", "body-extra"),
    case(valid("list", f"{I}.foo", 1), 400, 1010, f"Unexpected parameter: {I}.foo", "unknown"),
    case(valid("list", I, "menu"), 400, 1009, f"Invalid value for {I}", "not-object"),
]

HEADER_REFUSALS = [
    case(valid("button", f"{I}.header", {"text": "x"}), 400, 2036, "header.type", "type-missing"),
    case(valid("button", f"{I}.header", {"type": "audio"}), 400, 2036, "header.type", "audio"),
    case(valid("button", f"{I}.header", {"type": 5}), 400, 2036, "header.type", "type-number"),
    case(valid("button", f"{I}.header", "Hello"), 400, 2036, f"{I}.header", "header-string"),
    case(valid("button", f"{I}.header", {"type": "text"}), 400, 2036, "header.text", "no-text"),
    case(valid("button", f"{I}.header", {"type": "image"}), 400, 2036, "header.image", "no-image"),
    case(
        valid("button", f"{I}.header", {**TEXT_HEADER, "video": {"id": "v"}}),
        400,
        2036,
        "header.video",
        "other-object",
    ),
    case(
        valid("list", f"{I}.header", IMAGE_HEADER),
        400,
        2036,
        f"{I}.header.type: a list message takes only a text header",
        "list-image",
    ),
    case(
        valid("product_list", f"{I}.header", {"type": "video", "video": {"id": "v"}}),
        400,
        2036,
        "product_list message takes only a text header",
        "mpm-video",
    ),
    case(
        valid("list", f"{I}.header", {"type": "text", "text": "x" * 61}),
        400,
        2017,
        f"{I}.header.text",
        "text-long",
    ),
    case(valid("product_list", f"{I}.header.foo", 1), 400, 1010, f"{I}.header.foo", "unknown"),
    case(
        valid("button", f"{I}.header", {"type": "image", "image": {}}),
        400,
        1008,
        f"{I}.header.image.id or {I}.header.image.link",
        "image-no-source",
    ),
    case(
        valid("button", f"{I}.header", {"type": "image", "image": {"link": "x"}}),
        400,
        1009,
        f"{I}.header.image.link",
        "image-bad-link",
    ),
    case(
        valid("button", f"{I}.header", {"type": "image", "image": {"id": "x", "caption": "c"}}),
        400,
        1010,
        f"{I}.header.image.caption",
        "image-caption",
    ),
    case(valid("product", f"{I}.header", TEXT_HEADER), 400, 1010, f"{I}.header", "product"),
    case(
        valid("location_request", f"{I}.header", TEXT_HEADER),
        400,
        1010,
        f"Unexpected parameter: {I}.header",
        "location-request",
    ),
    case(valid("product_list", f"{I}.header"), 400, 1008, f"parameter: {I}.header", "mpm-none"),
]

A = f"{I}.action"
LIST_REFUSALS = [
    case(valid("list", f"{A}.button"), 400, 1008, f"parameter: {A}.button", "button-missing"),
    case(valid("list", f"{A}.button", ""), 400, 1009, f"{A}.button", "button-empty"),
    case(valid("list", f"{A}.button", "x" * 21), 400, 2017, f"{A}.button", "button-long"),
    case(valid("list", f"{A}.sections"), 400, 1008, f"parameter: {A}.sections", "no-sections"),
    case(valid("list", f"{A}.sections", []), 400, 2015, f"{A}.sections", "zero-sections"),
    case(
        valid("list", f"{A}.sections", sections(11, "rows", rows(1))),
        400,
        2015,
        "expected 1 to 10 sections, got 11",
        "eleven-sections",
    ),
    case(valid("list", f"{A}.sections[0].rows"), 400, 1008, "sections[0].rows", "rows-missing"),
    case(valid("list", f"{A}.sections[0].rows", []), 400, 2016, "sections[0].rows", "zero-rows"),
    case(
        valid("list", f"{A}.sections[0].rows", rows(11)),
        400,
        2016,
        f"{A}.sections[0].rows: at most 10 rows",
        "eleven-rows",
    ),
    case(
        valid("list", f"{A}.sections", sections(2, "rows", rows(6))),
        400,
        2016,
        f"{A}.sections[1].rows",
        "eleven-rows-across-sections",
    ),
    case(
        valid("list", f"{A}.sections", [{"rows": rows(1, "a")}, {"rows": rows(1, "b")}]),
        400,
        1008,
        f"{A}.sections[0].title",
        "untitled-sections",
    ),
    case(
        valid("list", f"{A}.sections[0].title", "x" * 25),
        400,
        2017,
        f"{A}.sections[0].title",
        "section-title-long",
    ),
    case(
        valid("list", f"{A}.sections[0].product_items", products(1)),
        400,
        1010,
        f"{A}.sections[0].product_items",
        "product-items-in-list",
    ),
    case(valid("list", f"{A}.sections[0].rows[0].id"), 400, 1008, "rows[0].id", "row-id-missing"),
    case(valid("list", f"{A}.sections[0].rows[0].id", "x" * 201), 400, 2017, "rows[0].id", "id"),
    case(valid("list", f"{A}.sections[0].rows[0].id", 1), 400, 1009, "rows[0].id", "id-number"),
    case(valid("list", f"{A}.sections[0].rows[0].title"), 400, 1008, "rows[0].title", "no-title"),
    case(
        valid("list", f"{A}.sections[0].rows[0].title", "x" * 25),
        400,
        2017,
        f"{A}.sections[0].rows[0].title",
        "row-title-long",
    ),
    case(
        valid("list", f"{A}.sections[0].rows[0].description", "x" * 73),
        400,
        2017,
        "rows[0].description",
        "row-description-long",
    ),
    case(
        valid("list", f"{A}.sections[0].rows", [ROW, {"id": "row-1", "title": "Other"}]),
        400,
        1009,
        f"{A}.sections[0].rows[1].id: row ids must be unique",
        "duplicate-row-id",
    ),
    case(valid("list", f"{A}.sections[0].rows[0].x", 1), 400, 1010, "rows[0].x", "row-extra"),
    case(valid("list", f"{A}.buttons", [1]), 400, 1009, f"{A}.buttons[0]", "buttons-bad"),
    case(valid("list", f"{A}.buttons", buttons(1)), 400, 1010, f"{A}.buttons", "buttons-in-list"),
    case(valid("list", f"{A}.catalog_id", "c"), 400, 1010, f"{A}.catalog_id", "catalog-in-list"),
    case(valid("list", f"{A}.color", "red"), 400, 1010, f"{A}.color", "action-unknown"),
]

BUTTON_REFUSALS = [
    case(valid("button", f"{A}.buttons"), 400, 1008, f"parameter: {A}.buttons", "missing"),
    case(valid("button", f"{A}.buttons", []), 400, 1009, f"{A}.buttons: expected 1 to 3", "zero"),
    case(valid("button", f"{A}.buttons", buttons(4)), 400, 1009, f"{A}.buttons", "four"),
    case(valid("button", f"{A}.buttons[0].type", "url"), 400, 1009, "buttons[0].type", "type"),
    case(valid("button", f"{A}.buttons[0].type"), 400, 1008, "buttons[0].type", "type-missing"),
    case(valid("button", f"{A}.buttons[0].reply"), 400, 1008, "buttons[0].reply", "no-reply"),
    case(valid("button", f"{A}.buttons[0].reply.id"), 400, 1008, "reply.id", "reply-id-missing"),
    case(
        valid("button", f"{A}.buttons[0].reply.id", "x" * 257),
        400,
        2017,
        f"{A}.buttons[0].reply.id",
        "reply-id-long",
    ),
    case(
        valid("button", f"{A}.buttons[0].reply.title", "x" * 21),
        400,
        2017,
        f"{A}.buttons[0].reply.title",
        "reply-title-long",
    ),
    case(valid("button", f"{A}.buttons[0].reply.title", ""), 400, 1009, "reply.title", "empty"),
    case(
        valid("button", f"{A}.buttons[1]", {"type": "reply", "reply": {"id": "yes", "title": "Y"}}),
        400,
        1009,
        f"{A}.buttons[1].reply.id: button ids must be unique",
        "duplicate-id",
    ),
    case(
        valid("button", f"{A}.buttons[1]", {"type": "reply", "reply": {"id": "y", "title": "Yes"}}),
        400,
        1009,
        f"{A}.buttons[1].reply.title: button titles must be unique",
        "duplicate-title",
    ),
    case(valid("button", f"{A}.buttons[0].reply.x", 1), 400, 1010, "reply.x", "reply-extra"),
    case(valid("button", f"{A}.button", "Menu"), 400, 1010, f"{A}.button", "list-button"),
    case(
        valid("button", f"{A}.sections", sections(1, "rows", rows(1))),
        400,
        1010,
        f"{A}.sections",
        "sections-in-button",
    ),
]

PRODUCT_REFUSALS = [
    case(valid("product", f"{A}.catalog_id"), 400, 1008, f"{A}.catalog_id", "catalog-missing"),
    case(valid("product", f"{A}.catalog_id", 12), 400, 1009, f"{A}.catalog_id", "catalog-number"),
    case(valid("product", f"{A}.product_retailer_id"), 400, 1008, "product_retailer_id", "no-id"),
    case(valid("product", f"{A}.product_retailer_id", ""), 400, 1009, "retailer_id", "empty"),
    case(
        valid("product", f"{A}.sections", sections(1, "product_items", products(1))),
        400,
        1010,
        f"{A}.sections",
        "sections-in-product",
    ),
    case(valid("product", f"{I}.body", {"text": "x" * 1025}), 400, 2017, "body.text", "p-body"),
]

PRODUCT_LIST_REFUSALS = [
    case(valid("product_list", f"{A}.catalog_id"), 400, 1008, f"{A}.catalog_id", "no-catalog"),
    case(valid("product_list", f"{A}.sections"), 400, 1008, f"{A}.sections", "no-sections"),
    case(valid("product_list", f"{A}.sections", []), 400, 2015, f"{A}.sections", "zero-sections"),
    case(
        valid("product_list", f"{A}.sections", sections(11, "product_items", products(1))),
        400,
        2015,
        f"{A}.sections",
        "eleven-sections",
    ),
    case(
        valid("product_list", f"{A}.sections[0].product_items"),
        400,
        1008,
        f"{A}.sections[0].product_items",
        "items-missing",
    ),
    case(
        valid("product_list", f"{A}.sections[0].product_items", []),
        400,
        2023,
        f"{A}.sections[0].product_items",
        "zero-products",
    ),
    case(
        valid("product_list", f"{A}.sections[0].product_items", products(31)),
        400,
        2023,
        "at most 30 products",
        "thirty-one-products",
    ),
    case(
        valid("product_list", f"{A}.sections", sections(4, "product_items", products(8))),
        400,
        2023,
        f"{A}.sections[3].product_items",
        "thirty-two-products-across-sections",
    ),
    case(
        valid("product_list", f"{A}.sections[0].product_items[0].product_retailer_id"),
        400,
        1008,
        "product_items[0].product_retailer_id",
        "retailer-id-missing",
    ),
    case(
        valid("product_list", f"{A}.sections[0].rows", rows(1)),
        400,
        1010,
        f"{A}.sections[0].rows",
        "rows-in-product-list",
    ),
    case(
        valid("product_list", f"{A}.sections[1]", {"product_items": products(1, "b")}),
        400,
        1008,
        f"{A}.sections[0].title",
        "untitled-sections",
    ),
    case(
        valid("product_list", f"{A}.product_retailer_id", "sku"),
        400,
        1010,
        f"{A}.product_retailer_id",
        "single-product-field",
    ),
]

LOCATION_REQUEST_REFUSALS = [
    case(valid("location_request", f"{A}.name"), 400, 1008, f"parameter: {A}.name", "no-name"),
    case(valid("location_request", f"{A}.name", "send"), 400, 1009, f"{A}.name", "name-wrong"),
    case(valid("location_request", f"{A}.button", "Go"), 400, 1010, f"{A}.button", "button"),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    prefixed("structure", STRUCTURE_REFUSALS)
    + prefixed("header", HEADER_REFUSALS)
    + prefixed("list", LIST_REFUSALS)
    + prefixed("button", BUTTON_REFUSALS)
    + prefixed("product", PRODUCT_REFUSALS)
    + prefixed("product-list", PRODUCT_LIST_REFUSALS)
    + prefixed("location-request", LOCATION_REQUEST_REFUSALS),
)
async def test_interactive_is_refused_when_rule_is_broken(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


INTERACTIVE_ACCEPTED = [
    pytest.param(valid("list"), id="list-minimal"),
    pytest.param(valid("button"), id="button-minimal"),
    pytest.param(valid("product"), id="product-minimal"),
    pytest.param(valid("product_list"), id="product-list-minimal"),
    pytest.param(valid("location_request"), id="location-request"),
    pytest.param(
        changed(
            valid("list", f"{A}.sections", sections(10, "rows", rows(1))),
            f"{I}.header",
            {"type": "text", "text": "h" * 60},
        ),
        id="list-ten-sections-long-header",
    ),
    pytest.param(valid("list", f"{A}.sections", sections(2, "rows", rows(5))), id="ten-rows"),
    pytest.param(
        valid(
            "list",
            f"{A}.sections[0].rows",
            [{"id": "i" * 200, "title": "t" * 24, "description": "d" * 72}],
        ),
        id="list-row-limits",
    ),
    pytest.param(valid("list", f"{A}.button", "b" * 20), id="list-button-limit"),
    pytest.param(valid("list", f"{I}.footer", {"text": "f" * 60}), id="footer-limit"),
    pytest.param(valid("list", f"{I}.body.text", "b" * 1024), id="body-limit"),
    pytest.param(valid("button", f"{A}.buttons", buttons(3)), id="three-buttons"),
    pytest.param(
        valid("button", f"{A}.buttons[0].reply", {"id": "i" * 256, "title": "t" * 20}),
        id="reply-limits",
    ),
    pytest.param(valid("button", f"{I}.header", IMAGE_HEADER), id="button-image-header"),
    pytest.param(
        valid("button", f"{I}.header", {"type": "video", "video": {"id": "v-1"}}),
        id="button-video-header",
    ),
    pytest.param(
        valid(
            "button",
            f"{I}.header",
            {"type": "document", "document": {"id": "d-1", "filename": "a.pdf"}},
        ),
        id="button-document-header",
    ),
    pytest.param(valid("product", f"{I}.body", {"text": "Look"}), id="product-with-optional-body"),
    pytest.param(
        valid("product_list", f"{A}.sections", sections(3, "product_items", products(10))),
        id="thirty-products",
    ),
    pytest.param(
        valid("product_list", f"{A}.sections", sections(10, "product_items", products(3))),
        id="ten-product-sections",
    ),
    pytest.param(
        valid("location_request", f"{I}.footer", {"text": "Thanks"}), id="location-footer"
    ),
]


@pytest.mark.parametrize("body", INTERACTIVE_ACCEPTED)
async def test_interactive_is_accepted_when_within_limits(
    sqlite_stack: InProcessStack, body: dict[str, Any]
) -> None:
    await sent(sqlite_stack, body)
