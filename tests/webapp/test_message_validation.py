"""``POST /v1/messages`` validation: the common fields, text, media and location (spec §7.1–§7.4).

Refusals come from the webapp before the coreapp is asked, so they need no registered number;
accepted bodies are sent to a registered number and answered 201 with a message id. Every
refusal is checked for its HTTP status, code and a details fragment naming the field.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.registration import register
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.message_validation_helpers import (
    CUSTOMER,
    DELETE,
    MEDIA_ID,
    VALID,
    assert_validated,
    case,
    changed,
    post,
    sent,
    stored,
    valid,
)
from waemu.errors import ApiError
from waemu.webapp.schemas.messages import validate_message

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
CAPTIONED = ("image", "video", "document")
UNCAPTIONED = ("audio", "sticker")


# -- common fields (spec §7.1, §7.10) -------------------------------------------------------

TEXT = VALID["text"]

COMMON_REFUSALS = [
    case(changed(TEXT, "to"), 400, 1008, "Missing required parameter: to", "to-missing"),
    case(changed(TEXT, "to", 16315551001), 400, 1009, "to", "to-number"),
    case(changed(TEXT, "to", ""), 400, 1009, "Invalid value for to", "to-empty"),
    case(changed(TEXT, "to", "   "), 400, 1009, "Invalid value for to", "to-blank"),
    case(changed(TEXT, "to", None), 400, 1009, "Invalid value for to", "to-null"),
    case(changed(TEXT, "recipient_type", "group"), 400, 1002, "recipient_type", "group"),
    case(changed(TEXT, "recipient_type", "INDIVIDUAL"), 400, 1002, "recipient_type", "case"),
    case(changed(TEXT, "recipient_type", 1), 400, 1002, "recipient_type", "recipient-number"),
    case(changed(TEXT, "type", "carousel"), 400, 1009, "Invalid value for type", "type-unknown"),
    case(changed(TEXT, "type", "TEXT"), 400, 1009, "Invalid value for type", "type-case"),
    case(changed(TEXT, "type", 1), 400, 1009, "Invalid value for type", "type-number"),
    case(
        {"to": CUSTOMER, "type": "reaction", "reaction": {"message_id": "x", "emoji": "👍"}},
        400,
        1009,
        "reaction messages are Cloud API only",
        "type-reaction",
    ),
    case(changed(TEXT, "text"), 400, 1008, "Missing required parameter: text", "text-missing"),
    case({"to": CUSTOMER, "type": "image"}, 400, 1008, "parameter: image", "image-missing"),
    case(
        {"to": CUSTOMER, "type": "contacts"},
        400,
        1008,
        "parameter: contacts",
        "contacts-missing",
    ),
    case(changed(TEXT, "image", {"id": MEDIA_ID}), 400, 1010, "image", "other-type-object"),
    case(changed(TEXT, "hsm", {}), 400, 1010, "Unexpected parameter: hsm", "hsm-object-on-text"),
    case(
        {"to": CUSTOMER, "text": {"body": "x"}, "reaction": {"message_id": "x", "emoji": "👍"}},
        400,
        1010,
        "Unexpected parameter: reaction",
        "reaction-object",
    ),
    case(changed(TEXT, "foo", 1), 400, 1010, "Unexpected parameter: foo", "unknown-field"),
    case(
        changed(TEXT, "biz_opaque_callback_data", "tracking-1"),
        400,
        1010,
        "Unexpected parameter: biz_opaque_callback_data (Cloud API only)",
        "biz-opaque-callback-data",
    ),
    case(
        changed(TEXT, "messaging_product", "whatsapp"),
        400,
        1010,
        "Unexpected parameter: messaging_product",
        "messaging-product",
    ),
    case(
        changed(VALID["image"], "preview_url", True),
        400,
        1010,
        "Unexpected parameter: preview_url (text messages only)",
        "preview-url-on-image",
    ),
    case(changed(TEXT, "preview_url", "yes"), 400, 1009, "preview_url", "preview-url-string"),
    case(changed(TEXT, "preview_url", 1), 400, 1009, "preview_url", "preview-url-number"),
    case(changed(TEXT, "ttl", [1]), 400, 1009, "Invalid value for ttl", "ttl-array"),
    case(changed(TEXT, "ttl", True), 400, 1009, "Invalid value for ttl", "ttl-bool"),
    case(changed(TEXT, "context", {}), 400, 1008, "context.message_id", "context-empty"),
    case(changed(TEXT, "context", "gBEG"), 400, 1009, "Invalid value for context", "context-str"),
    case(
        changed(TEXT, "context", {"message_id": 5}),
        400,
        1009,
        "context.message_id",
        "context-id-number",
    ),
    case(
        changed(TEXT, "context", {"message_id": "ABGG", "from": "1"}),
        400,
        1010,
        "Unexpected parameter: context.from",
        "context-unknown-field",
    ),
    case([TEXT], 400, 1025, "JSON object", "body-array"),
    case("hello", 400, 1025, "JSON object", "body-string"),
]


@pytest.mark.parametrize(("body", "status", "code", "fragment"), COMMON_REFUSALS)
async def test_send_is_refused_when_common_field_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


FIRST_PROBLEM = [
    case({"type": "carousel", "foo": 1}, 400, 1008, "parameter: to", "to-before-type"),
    case(
        changed(changed(TEXT, "recipient_type", "group"), "type", "carousel"),
        400,
        1002,
        "recipient_type",
        "recipient-type-before-type",
    ),
    case(
        {"to": CUSTOMER, "type": "carousel", "foo": 1},
        400,
        1009,
        "Invalid value for type",
        "type-before-unknown-field",
    ),
    case(
        {"to": CUSTOMER, "type": "image", "foo": 1},
        400,
        1010,
        "Unexpected parameter: foo",
        "unknown-field-before-missing-object",
    ),
    case(
        changed(changed(TEXT, "preview_url", "yes"), "text", {}),
        400,
        1009,
        "preview_url",
        "common-fields-before-content",
    ),
    case(
        {"to": CUSTOMER, "type": "image", "image": {"link": "ftp://x", "caption": 5}},
        400,
        1009,
        "image.link",
        "fields-in-declaration-order",
    ),
    case(
        {"to": CUSTOMER, "type": "audio", "audio": {"foo": 1}},
        400,
        1010,
        "audio.foo",
        "unknown-field-before-object-rules",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "fragment"), FIRST_PROBLEM)
async def test_first_problem_is_answered_when_body_has_several(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


async def test_send_is_refused_when_body_is_empty(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post(
        "/v1/messages", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert_error(response, 400, 1008, "body")


async def test_validation_needs_no_registered_number_when_body_is_wrong(
    sqlite_stack: InProcessStack,
) -> None:
    # The same body, once valid, is refused 503/1011 by the unregistered coreapp.
    assert_error(await post(sqlite_stack, changed(TEXT, "to")), 400, 1008, "to")
    assert_error(await post(sqlite_stack, TEXT), 503, 1011, "Coreapp not ready")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(valid("text", "type"), id="type-defaults-to-text"),
        pytest.param(valid("text", "type", None), id="type-null"),
        pytest.param(valid("text", "recipient_type", None), id="recipient-type-null"),
        pytest.param(valid("text", "preview_url", None), id="preview-url-null"),
        pytest.param(valid("text", "context", None), id="context-null"),
        pytest.param(valid("text", "recipient_type", "individual"), id="recipient-type"),
        pytest.param(valid("text", "preview_url", True), id="preview-url"),
        pytest.param(valid("text", "preview_url", False), id="preview-url-false"),
        pytest.param(valid("text", "ttl", "P4D"), id="ttl-duration"),
        pytest.param(valid("text", "ttl", 3600), id="ttl-seconds"),
        pytest.param(valid("text", "context", {"message_id": "ABGGFlA5Fpa"}), id="context"),
        pytest.param(valid("text", "to", "+1 (631) 555-1001"), id="to-formatted"),
        pytest.param(valid("text", "to", "1-631-555-1001"), id="to-dashes"),
        pytest.param(valid("text", "text.body", "x" * 4096), id="text-at-limit"),
        pytest.param(valid("text", "text.body", "日本語 👍 " * 100), id="text-unicode"),
    ],
)
async def test_text_is_accepted_when_common_fields_are_valid(
    sqlite_stack: InProcessStack, body: dict[str, Any]
) -> None:
    await sent(sqlite_stack, body)


async def test_stored_message_is_normalised_when_defaults_are_left_out(
    sqlite_stack: InProcessStack,
) -> None:
    body = {"to": CUSTOMER, "text": {"body": "Hi"}, "ttl": "P1D", "preview_url": False}
    message_id = await sent(sqlite_stack, body)
    assert await stored(sqlite_stack, message_id) == {
        "to": CUSTOMER,
        "recipient_type": "individual",
        "type": "text",
        "preview_url": False,
        "text": {"body": "Hi"},
    }


@pytest.mark.parametrize("kind", ["location", "contacts", "list", "button", "product"])
async def test_stored_message_is_what_was_sent_when_body_is_complete(
    sqlite_stack: InProcessStack, kind: str
) -> None:
    body = valid(kind, "recipient_type", "individual")
    message_id = await sent(sqlite_stack, body)
    assert await stored(sqlite_stack, message_id) == body


def test_validated_message_keeps_context_when_replying() -> None:
    body = valid("text", "context", {"message_id": "ABGGFlA5Fpa"})
    assert validate_message(body)["context"] == {"message_id": "ABGGFlA5Fpa"}


def test_validation_error_has_catalogue_status_when_raised_directly() -> None:
    with pytest.raises(ApiError) as raised:
        validate_message(valid("text", "text.body", "x" * 4097))
    assert (raised.value.code, raised.value.http_status) == (1001, 400)
    assert raised.value.title == "Message too long"


# -- text (spec §7.2) -----------------------------------------------------------------------

TEXT_REFUSALS = [
    case(valid("text", "text.body"), 400, 1008, "Missing required parameter: text.body", "miss"),
    case(valid("text", "text.body", 5), 400, 1009, "Invalid value for text.body", "number"),
    case(valid("text", "text.body", None), 400, 1009, "Invalid value for text.body", "null"),
    case(valid("text", "text.body", ""), 400, 1009, "Invalid value for text.body", "empty"),
    case(valid("text", "text.body", "x" * 4097), 400, 1001, "text.body", "too-long"),
    case(valid("text", "text", "Hello"), 400, 1009, "Invalid value for text", "text-string"),
    case(valid("text", "text", ["Hello"]), 400, 1009, "Invalid value for text", "text-array"),
    case(
        valid("text", "text.preview_url", True),
        400,
        1010,
        "Unexpected parameter: text.preview_url",
        "cloud-style-preview-url",
    ),
    case(valid("text", "text.foo", "x"), 400, 1010, "Unexpected parameter: text.foo", "unknown"),
]


@pytest.mark.parametrize(("body", "status", "code", "fragment"), TEXT_REFUSALS)
async def test_text_is_refused_when_body_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


# -- media (spec §7.3) ----------------------------------------------------------------------


def media_refusals() -> list[Any]:
    """Each media rule, for every media type it applies to."""
    cases: list[Any] = []
    for kind in MEDIA_KINDS:

        def add(path: str, value: Any, code: int, fragment: str, name: str, k: str = kind) -> None:
            body = changed(VALID[k], path, value)
            cases.append(case(body, 400, code, fragment, f"{k}-{name}"))

        add(f"{kind}.link", DELETE, 1008, f"{kind}.id or {kind}.link", "no-source")
        add(f"{kind}.id", MEDIA_ID, 1009, "not both", "id-and-link")
        add(f"{kind}.link", "ftp://example.com/a", 1009, f"{kind}.link", "link-ftp")
        add(f"{kind}.link", "example.com/a.jpg", 1009, f"{kind}.link", "link-no-scheme")
        add(f"{kind}.link", "https://", 1009, f"{kind}.link", "link-no-host")
        add(f"{kind}.link", 5, 1009, f"{kind}.link", "link-number")
        add(kind, {"id": ""}, 1009, f"{kind}.id", "id-empty")
        add(kind, {"id": 5}, 1009, f"{kind}.id", "id-number")
        add(kind, {"id": MEDIA_ID, "provider": {"name": "p"}}, 1010, f"{kind}.provider", "prov")
        add(f"{kind}.provider", {}, 1008, f"{kind}.provider.name", "provider-empty")
        add(f"{kind}.provider", "p", 1009, f"{kind}.provider", "provider-string")
        add(f"{kind}.provider", {"name": "p", "x": 1}, 1010, f"{kind}.provider.x", "prov-extra")
        add(f"{kind}.foo", 1, 1010, f"Unexpected parameter: {kind}.foo", "unknown")
        add(kind, "https://127.0.0.1:9/a", 1009, f"Invalid value for {kind}", "not-object")
        if kind in CAPTIONED:
            add(f"{kind}.caption", "x" * 1025, 1009, f"{kind}.caption", "caption-too-long")
            add(f"{kind}.caption", 5, 1009, f"{kind}.caption", "caption-number")
        else:
            add(f"{kind}.caption", "hi", 1010, f"Unexpected parameter: {kind}.caption", "caption")
        if kind != "document":
            add(f"{kind}.filename", "a.pdf", 1010, f"{kind}.filename", "filename")
        else:
            add(f"{kind}.filename", 5, 1009, f"{kind}.filename", "filename-number")
    return cases


@pytest.mark.parametrize(("body", "status", "code", "fragment"), media_refusals())
async def test_media_is_refused_when_object_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


def media_accepted() -> list[Any]:
    """Valid media objects: links with the optional fields their type takes."""
    cases = []
    for kind in MEDIA_KINDS:
        content: dict[str, Any] = {
            "link": f"http://127.0.0.1:9/{kind}",
            "provider": {"name": "my-provider"},
        }
        if kind in CAPTIONED:
            content["caption"] = "c" * 1024
        if kind == "document":
            content["filename"] = "invoice.pdf"
        cases.append(pytest.param(valid(kind, kind, content), id=kind))
    return cases


@pytest.mark.parametrize("body", media_accepted())
async def test_media_is_accepted_when_link_carries_optional_fields(
    sqlite_stack: InProcessStack, body: dict[str, Any]
) -> None:
    await sent(sqlite_stack, body)


@pytest.mark.parametrize("kind", MEDIA_KINDS)
async def test_media_id_passes_validation_when_sent_alone(
    sqlite_stack: InProcessStack, kind: str
) -> None:
    # Whether the id names uploaded media is the coreapp's check (1006), not validation's.
    token = await sqlite_stack.api.admin_token()
    await register(sqlite_stack, token)
    assert_validated(await post(sqlite_stack, valid(kind, kind, {"id": MEDIA_ID}), token))


# -- location (spec §7.4) -------------------------------------------------------------------

LOCATION_REFUSALS = [
    case(valid("location", "location.latitude"), 400, 1008, "location.latitude", "lat-missing"),
    case(valid("location", "location.longitude"), 400, 1008, "location.longitude", "lon-miss"),
    case(valid("location", "location.latitude", "37.48"), 400, 1009, "latitude", "lat-string"),
    case(valid("location", "location.longitude", None), 400, 1009, "longitude", "lon-null"),
    case(valid("location", "location.latitude", True), 400, 1009, "latitude", "lat-bool"),
    case(valid("location", "location.latitude", 90.01), 400, 1009, "latitude", "lat-high"),
    case(valid("location", "location.latitude", -91), 400, 1009, "latitude", "lat-low"),
    case(valid("location", "location.longitude", 180.5), 400, 1009, "longitude", "lon-high"),
    case(valid("location", "location.longitude", -181), 400, 1009, "longitude", "lon-low"),
    case(valid("location", "location.name", 5), 400, 1009, "location.name", "name-number"),
    case(valid("location", "location.address", []), 400, 1009, "location.address", "address"),
    case(valid("location", "location.url", "x"), 400, 1010, "location.url", "unknown"),
    case(valid("location", "location", [1, 2]), 400, 1009, "Invalid value for location", "array"),
]


@pytest.mark.parametrize(("body", "status", "code", "fragment"), LOCATION_REFUSALS)
async def test_location_is_refused_when_object_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


@pytest.mark.parametrize(
    "location",
    [
        pytest.param({"latitude": 90, "longitude": -180}, id="bounds-as-integers"),
        pytest.param({"latitude": -90.0, "longitude": 180.0}, id="bounds-as-floats"),
        pytest.param(
            {"latitude": 37.4847, "longitude": -122.1477, "name": "HQ", "address": "1 Way"},
            id="named",
        ),
    ],
)
async def test_location_is_accepted_when_point_is_in_range(
    sqlite_stack: InProcessStack, location: dict[str, Any]
) -> None:
    await sent(sqlite_stack, valid("location", "location", location))
