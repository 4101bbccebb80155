"""``POST /v1/messages`` validation: templates and legacy hsm (spec §7.7, §7.8).

Only the structure is the webapp's: whether the template exists and takes these parameters
is the coreapp's check (2xxx), so accepted bodies assert that validation passed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.registration import register
from tests.stacks import InProcessStack
from tests.webapp.assertions import assert_error
from tests.webapp.message_validation_helpers import (
    MEDIA_ID,
    assert_validated,
    case,
    post,
    prefixed,
    valid,
)
from waemu.network.templates import SHARED_NAMESPACE
from waemu.webapp.schemas.messages import validate_message

T = "template"
C = f"{T}.components"

CURRENCY = {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990}
DATE_PARTS = {
    "fallback_value": "February 25, 1977",
    "day_of_week": 5,
    "year": 1977,
    "month": 2,
    "day_of_month": 25,
    "hour": 15,
    "minute": 33,
    "calendar": "GREGORIAN",
}
# The example of spec §7.7, every parameter kind included.
FULL_COMPONENTS: list[dict[str, Any]] = [
    {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://127.0.0.1:9/h.jpg"}}],
    },
    {
        "type": "body",
        "parameters": [
            {"type": "text", "text": "John"},
            {"type": "currency", "currency": CURRENCY},
            {"type": "date_time", "date_time": DATE_PARTS},
        ],
    },
    {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "opt-out"}],
    },
    {
        "type": "button",
        "sub_type": "url",
        "index": "1",
        "parameters": [{"type": "text", "text": "order/123"}],
    },
]
DATE_PARTS_HSM = {k: v for k, v in DATE_PARTS.items() if k != "fallback_value"}
BODY_TEXT = {"type": "body", "parameters": [{"type": "text", "text": "John"}]}
HEADER_TEXT = {"type": "header", "parameters": [{"type": "text", "text": "Order"}]}


def with_components(*components: Any) -> dict[str, Any]:
    """A template body with these components."""
    return valid(T, f"{T}.components", list(components))


def with_parameter(parameter: Any, component: str = "body", **fields: Any) -> dict[str, Any]:
    """A template body whose second component (after a text header or a body) has one
    parameter."""
    first = BODY_TEXT if component == "header" else HEADER_TEXT
    return with_components(first, {"type": component, **fields, "parameters": [parameter]})


P = f"{C}[1].parameters[0]"
QUICK_REPLY = {"sub_type": "quick_reply", "index": "0"}

TEMPLATE_REFUSALS = [
    case(valid(T, f"{T}.name"), 400, 1008, f"parameter: {T}.name", "name-missing"),
    case(valid(T, f"{T}.name", ""), 400, 1009, f"{T}.name", "name-empty"),
    case(valid(T, f"{T}.name", 5), 400, 1009, f"{T}.name", "name-number"),
    case(valid(T, f"{T}.namespace", 5), 400, 1009, f"{T}.namespace", "namespace-number"),
    case(valid(T, f"{T}.language"), 400, 1008, f"parameter: {T}.language", "language-missing"),
    case(valid(T, f"{T}.language", "en"), 400, 1009, f"{T}.language", "language-string"),
    case(valid(T, f"{T}.language.code"), 400, 1008, f"{T}.language.code", "code-missing"),
    case(valid(T, f"{T}.language.code", ""), 400, 1009, f"{T}.language.code", "code-empty"),
    case(valid(T, f"{T}.language.policy", "strict"), 400, 1009, "language.policy", "policy"),
    case(valid(T, f"{T}.language.locale", "US"), 400, 1010, "language.locale", "language-extra"),
    case(valid(T, f"{T}.element_name", "x"), 400, 1010, f"{T}.element_name", "hsm-field"),
    case(valid(T, f"{T}.components", {}), 400, 1009, f"{T}.components", "components-object"),
    case(with_components("body"), 400, 1009, f"{C}[0]", "component-string"),
    case(with_components({}), 400, 1008, f"{C}[0].type", "component-type-missing"),
    case(with_components({"type": "footer"}), 400, 1009, f"{C}[0].type", "footer"),
    case(with_components({"type": "body", "x": 1}), 400, 1010, f"{C}[0].x", "component-extra"),
    case(
        with_components({"type": "button", "index": "0", "parameters": []}),
        400,
        1008,
        f"{C}[0].sub_type",
        "button-sub-type-missing",
    ),
    case(
        with_components({"type": "button", "sub_type": "url", "parameters": []}),
        400,
        1008,
        f"{C}[0].index",
        "button-index-missing",
    ),
    case(
        with_components({"type": "button", "sub_type": "url", "index": "0"}),
        400,
        1008,
        f"{C}[0].parameters",
        "button-parameters-missing",
    ),
    case(
        with_components({"type": "button", "sub_type": "call", "index": "0", "parameters": []}),
        400,
        1009,
        f"{C}[0].sub_type",
        "sub-type-unknown",
    ),
    *[
        case(
            with_components({"type": "button", "sub_type": "url", "index": i, "parameters": []}),
            400,
            1009,
            f"{C}[0].index",
            f"index-{i!r}",
        )
        for i in ("3", "-1", "a", "", 0, 1.0)
    ],
    case(with_components({"type": "body", **QUICK_REPLY}), 400, 1010, "[0].sub_type", "body-sub"),
    case(
        with_components(BODY_TEXT, HEADER_TEXT, BODY_TEXT),
        400,
        1009,
        f"Invalid value for {C}[2]: more than one body component",
        "two-bodies",
    ),
    case(
        with_components(HEADER_TEXT, HEADER_TEXT),
        400,
        1009,
        f"{C}[1]: more than one header component",
        "two-headers",
    ),
    case(
        with_components(FULL_COMPONENTS[2], {**FULL_COMPONENTS[3], "index": "0"}),
        400,
        1009,
        f"{C}[1].index: button index 0 is given twice",
        "button-index-twice",
    ),
    case(with_components({"type": "header", "index": "0"}), 400, 1010, "[0].index", "header-ix"),
]

PARAMETER_REFUSALS = [
    case(with_parameter({"text": "x"}), 400, 1008, f"{P}.type", "type-missing"),
    case(with_parameter({"type": "emoji"}), 400, 1009, f"{P}.type", "type-unknown"),
    case(with_parameter("John"), 400, 1009, f"Invalid value for {P}", "string"),
    case(with_parameter({"type": "text"}), 400, 1008, f"parameter: {P}.text", "text-missing"),
    case(with_parameter({"type": "text", "text": 5}), 400, 1009, f"{P}.text", "text-number"),
    case(
        with_parameter({"type": "text", "text": "x", "payload": "p"}),
        400,
        1010,
        f"Unexpected parameter: {P}.payload",
        "other-type-object",
    ),
    case(with_parameter({"type": "text", "text": "x", "y": 1}), 400, 1010, f"{P}.y", "extra"),
    case(
        with_parameter({"type": "image", "image": {"link": "https://x.io/a"}}),
        400,
        1009,
        f"{P}.type: a body component takes text, currency, date_time",
        "image-in-body",
    ),
    case(
        with_parameter({"type": "location", "location": {"latitude": 1, "longitude": 2}}),
        400,
        1009,
        f"{P}.type",
        "location-in-body",
    ),
    case(
        with_parameter({"type": "payload", "payload": "p"}, "header"),
        400,
        1009,
        f"{P}.type: a header component takes",
        "payload-in-header",
    ),
    case(
        with_parameter({"type": "text", "text": "x"}, "button", **QUICK_REPLY),
        400,
        1009,
        f"{P}.type: a quick_reply component takes payload",
        "text-on-quick-reply",
    ),
    case(
        with_parameter({"type": "payload", "payload": "p"}, "button", sub_type="url", index="1"),
        400,
        1009,
        f"{P}.type: a url component takes text",
        "payload-on-url",
    ),
    case(
        with_parameter({"type": "payload", "payload": 5}, "button", **QUICK_REPLY),
        400,
        1009,
        f"{P}.payload",
        "payload-number",
    ),
]


def currency(**change: Any) -> dict[str, Any]:
    """A body whose second component has a currency parameter with ``change`` applied."""
    value = {k: v for k, v in {**CURRENCY, **change}.items() if v is not None}
    return with_parameter({"type": "currency", "currency": value})


def date_time(**change: Any) -> dict[str, Any]:
    """A body whose second component has a date_time parameter with ``change`` applied."""
    value = {k: v for k, v in {**DATE_PARTS, **change}.items() if v is not None}
    return with_parameter({"type": "date_time", "date_time": value})


def header(parameter: dict[str, Any]) -> dict[str, Any]:
    """A template body whose second component is a header with ``parameter``."""
    return with_parameter(parameter, "header")


VALUE_REFUSALS = [
    case(currency(fallback_value=None), 400, 1008, f"{P}.currency.fallback_value", "cur-fb"),
    case(currency(code=None), 400, 1008, f"{P}.currency.code", "currency-code-missing"),
    case(currency(code="usd"), 400, 1009, f"{P}.currency.code", "currency-code-lowercase"),
    case(currency(code="US"), 400, 1009, f"{P}.currency.code", "currency-code-short"),
    case(currency(amount_1000=None), 400, 1008, f"{P}.currency.amount_1000", "amount-missing"),
    case(
        currency(amount_1000=100.99),
        400,
        1009,
        "Invalid value for template.components[1].parameters[0].currency.amount_1000",
        "amount-float",
    ),
    case(currency(amount_1000="100990"), 400, 1009, "currency.amount_1000", "amount-string"),
    case(currency(amount_1000=True), 400, 1009, "currency.amount_1000", "amount-bool"),
    case(currency(symbol="$"), 400, 1010, f"{P}.currency.symbol", "currency-extra"),
    case(date_time(fallback_value=None), 400, 1008, f"{P}.date_time.fallback_value", "date-fb"),
    case(date_time(day_of_week=8), 400, 1009, f"{P}.date_time.day_of_week", "day-of-week"),
    case(date_time(month=13), 400, 1009, f"{P}.date_time.month", "month"),
    case(date_time(day_of_month=0), 400, 1009, f"{P}.date_time.day_of_month", "day-of-month"),
    case(date_time(hour=24), 400, 1009, f"{P}.date_time.hour", "hour"),
    case(date_time(minute=60), 400, 1009, f"{P}.date_time.minute", "minute"),
    case(date_time(year="1977"), 400, 1009, f"{P}.date_time.year", "year-string"),
    case(date_time(calendar="JULIAN"), 400, 1009, f"{P}.date_time.calendar", "calendar"),
    case(date_time(timestamp=1485470276), 400, 1009, f"{P}.date_time.timestamp", "both-forms"),
    case(header({"type": "image", "image": {}}), 400, 1008, f"{P}.image.id or", "image-no-src"),
    case(
        header({"type": "image", "image": {"link": "ftp://x"}}),
        400,
        1009,
        f"{P}.image.link",
        "image-link-ftp",
    ),
    case(
        header({"type": "image", "image": {"id": MEDIA_ID, "link": "https://x.io/a"}}),
        400,
        1009,
        f"{P}.image: use either id or link",
        "image-id-and-link",
    ),
    case(
        header({"type": "video", "video": {"id": MEDIA_ID, "filename": "a.mp4"}}),
        400,
        1010,
        f"{P}.video.filename",
        "video-filename",
    ),
    case(
        header({"type": "document", "document": {"id": MEDIA_ID, "filename": 5}}),
        400,
        1009,
        f"{P}.document.filename",
        "document-filename-number",
    ),
    case(
        header({"type": "image", "link": "ftp://example.com/a.jpg"}),
        400,
        1009,
        f"{P}.image.link",
        "inline-image-bad-link",
    ),
    case(
        header({"type": "image", "image": {"id": MEDIA_ID}, "link": "https://x.io/a.jpg"}),
        400,
        1010,
        f"Unexpected parameter: {P}.link",
        "inline-and-nested-media",
    ),
    case(
        header({"type": "location", "location": {"longitude": 1}}),
        400,
        1008,
        f"{P}.location.latitude",
        "location-latitude-missing",
    ),
    case(
        header({"type": "location", "location": {"latitude": 100, "longitude": 1}}),
        400,
        1009,
        f"{P}.location.latitude",
        "location-latitude-range",
    ),
]

H = "hsm"
LP = f"{H}.localizable_params[0]"


def hsm_param(param: Any) -> dict[str, Any]:
    """An hsm body with one localizable parameter."""
    return valid(H, f"{H}.localizable_params", [param])


HSM_REFUSALS = [
    *[
        case(valid(H, f"{H}.{name}"), 400, 1008, f"parameter: {H}.{name}", f"{name}-missing")
        for name in ("namespace", "element_name", "language", "localizable_params")
    ],
    case(valid(H, f"{H}.namespace", ""), 400, 1009, f"{H}.namespace", "namespace-empty"),
    case(valid(H, f"{H}.language.code"), 400, 1008, f"{H}.language.code", "code-missing"),
    case(valid(H, f"{H}.localizable_params", {}), 400, 1009, "localizable_params", "params-obj"),
    case(valid(H, f"{H}.components", []), 400, 1010, f"{H}.components", "template-field"),
    case(hsm_param({}), 400, 1008, f"{LP}.default", "default-missing"),
    case(hsm_param({"default": 5}), 400, 1009, f"{LP}.default", "default-number"),
    case(hsm_param({"default": "x", "y": 1}), 400, 1010, f"{LP}.y", "param-extra"),
    case(
        hsm_param({"default": "$1", "currency": {"amount_1000": 1000}}),
        400,
        1008,
        f"{LP}.currency.currency_code",
        "currency-code-missing",
    ),
    case(
        hsm_param({"default": "$1", "currency": {"currency_code": "usd", "amount_1000": 1}}),
        400,
        1009,
        f"{LP}.currency.currency_code",
        "currency-code-lowercase",
    ),
    case(
        hsm_param({"default": "$1", "currency": {"currency_code": "USD", "amount_1000": 1.5}}),
        400,
        1009,
        f"{LP}.currency.amount_1000",
        "amount-float",
    ),
    case(
        hsm_param({"default": "d", "date_time": {}}),
        400,
        1008,
        f"{LP}.date_time.component or {LP}.date_time.unix_epoch",
        "date-time-empty",
    ),
    case(
        hsm_param(
            {
                "default": "d",
                "date_time": {"component": {"year": 1977}, "unix_epoch": {"timestamp": 1}},
            }
        ),
        400,
        1009,
        f"{LP}.date_time.unix_epoch",
        "date-time-both",
    ),
    case(
        hsm_param({"default": "d", "date_time": {"unix_epoch": {"timestamp": "1"}}}),
        400,
        1009,
        f"{LP}.date_time.unix_epoch.timestamp",
        "timestamp-string",
    ),
    case(
        hsm_param({"default": "d", "date_time": {"component": {"day_of_week": 0}}}),
        400,
        1009,
        f"{LP}.date_time.component.day_of_week",
        "day-of-week",
    ),
    case(
        hsm_param(
            {
                "default": "d",
                "currency": {"currency_code": "USD", "amount_1000": 1},
                "date_time": {"unix_epoch": {"timestamp": 1}},
            }
        ),
        400,
        1009,
        f"{LP}.date_time",
        "currency-and-date-time",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    prefixed("template", TEMPLATE_REFUSALS)
    + prefixed("parameter", PARAMETER_REFUSALS)
    + prefixed("value", VALUE_REFUSALS)
    + prefixed("hsm", HSM_REFUSALS),
)
async def test_template_is_refused_when_structure_is_wrong(
    sqlite_stack: InProcessStack, body: Any, status: int, code: int, fragment: str
) -> None:
    assert_error(await post(sqlite_stack, body), status, code, fragment)


TEMPLATES_ACCEPTED = [
    pytest.param(valid(T), id="minimal"),
    pytest.param(valid(T, f"{T}.namespace", SHARED_NAMESPACE), id="namespace"),
    pytest.param(valid(T, f"{T}.language.policy", "fallback"), id="fallback-policy"),
    pytest.param(valid(T, f"{T}.components", FULL_COMPONENTS), id="every-parameter-kind"),
    pytest.param(
        with_parameter({"type": "date_time", "date_time": {"fallback_value": "x", "timestamp": 1}}),
        id="date-time-timestamp",
    ),
    pytest.param(
        with_parameter({"type": "date_time", "date_time": {"fallback_value": "Feb 25"}}),
        id="date-time-fallback-only",
    ),
    pytest.param(
        header({"type": "document", "document": {"id": MEDIA_ID, "filename": "a.pdf"}}),
        id="document-header",
    ),
    pytest.param(
        header({"type": "video", "video": {"link": "https://127.0.0.1:9/v.mp4"}}), id="video"
    ),
    pytest.param(
        header({"type": "location", "location": {"latitude": 37.48, "longitude": -122.14}}),
        id="location-header",
    ),
    pytest.param(
        with_parameter({"type": "payload", "payload": "p"}, "button", **QUICK_REPLY),
        id="quick-reply",
    ),
    pytest.param(
        with_parameter({"type": "text", "text": "t"}, "button", sub_type="url", index="2"),
        id="url-button-index-2",
    ),
    pytest.param(
        valid(
            H,
            f"{H}.localizable_params",
            [
                {"default": "1234"},
                {"default": "$100.99", "currency": {"currency_code": "USD", "amount_1000": 1}},
                {"default": "d", "date_time": {"component": DATE_PARTS_HSM}},
                {"default": "d", "date_time": {"unix_epoch": {"timestamp": 123456789}}},
            ],
        ),
        id="hsm-every-parameter-kind",
    ),
    pytest.param(valid(H), id="hsm-minimal"),
]


@pytest.mark.parametrize("body", TEMPLATES_ACCEPTED)
async def test_template_passes_validation_when_structure_is_right(
    sqlite_stack: InProcessStack, body: dict[str, Any]
) -> None:
    token = await sqlite_stack.api.admin_token()
    await register(sqlite_stack, token)
    assert_validated(await post(sqlite_stack, body, token))


def test_template_policy_is_filled_in_when_left_out() -> None:
    message = validate_message(valid(T))
    assert message["template"] == {
        "name": "hello_world",
        "language": {"policy": "deterministic", "code": "en_US"},
    }


def test_template_is_stored_as_sent_when_complete() -> None:
    body = valid(T, f"{T}.components", FULL_COMPONENTS)
    body[T]["namespace"] = SHARED_NAMESPACE
    body[T]["language"]["policy"] = "deterministic"
    assert validate_message(body) == {**body, "recipient_type": "individual"}


def test_single_parameter_object_is_nested_in_a_list_when_given_bare() -> None:
    body = with_components({"type": "body", "parameters": {"type": "text", "text": "x"}})
    (component,) = validate_message(body)[T]["components"]
    assert component["parameters"] == [{"type": "text", "text": "x"}]


def test_inline_media_parameter_is_nested_when_fields_are_inline() -> None:
    parameter = {"type": "image", "caption": "Hi", "link": "https://127.0.0.1:9/a.jpg"}
    (component,) = validate_message(with_components({"type": "header", "parameters": [parameter]}))[
        T
    ]["components"]
    assert component["parameters"] == [
        {"type": "image", "image": {"caption": "Hi", "link": "https://127.0.0.1:9/a.jpg"}}
    ]


def test_hsm_policy_is_filled_in_when_left_out() -> None:
    body = valid(H, f"{H}.language", {"code": "en"})
    assert validate_message(body)[H]["language"] == {"policy": "deterministic", "code": "en"}
