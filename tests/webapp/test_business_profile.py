"""``/v1/settings/business/profile`` (spec §9.6) and ``/v1/settings/business/compliance_info``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core

PROFILE = "/v1/settings/business/profile"
COMPLIANCE = "/v1/settings/business/compliance_info"
EMPTY_PROFILE = {"address": "", "description": "", "email": "", "vertical": "", "websites": []}
FULL_PROFILE = {
    "address": "101 Butterfly Ln., Butterfly, Ohio",
    "description": "We sell butterflies.",
    "email": "butterflies@example.com",
    "vertical": "Shopping and Retail",
    "websites": ["https://www.butterflies.example", "http://butterflies.example/shop"],
}
EMPTY_COMPLIANCE = {
    "customer_care_details": {"email": "", "landline_number": "", "mobile_number": ""},
    "entity_name": "",
    "entity_type": "",
    "entity_type_custom": "",
    "grievance_officer_details": {
        "email": "",
        "landline_number": "",
        "mobile_number": "",
        "name": "",
    },
    "is_registered": False,
}
COMPLIANCE_INFO: dict[str, Any] = {
    "entity_name": "Lucky Shrub",
    "entity_type": "Partnership",
    "entity_type_custom": "",
    "is_registered": True,
    "customer_care_details": {"email": "support@example.com", "mobile_number": "+913854559033"},
    "grievance_officer_details": {
        "name": "Chandravati P.",
        "email": "chandravati@example.com",
        "landline_number": "+91 385 761 4343",
    },
}


async def profile(stack: InProcessStack, token: str) -> dict[str, Any]:
    """The business profile GET answers."""
    body = assert_ok(await stack.http.get(PROFILE, headers=bearer(token)))
    found: dict[str, Any] = body["settings"]["business"]["profile"]
    assert body == {"settings": {"business": {"profile": found}}}
    return found


async def compliance(stack: InProcessStack, token: str) -> dict[str, Any]:
    """The compliance information GET answers."""
    body = assert_ok(await stack.http.get(COMPLIANCE, headers=bearer(token)))
    found: dict[str, Any] = body["settings"]["business"]["compliance_info"]
    assert body == {"settings": {"business": {"compliance_info": found}}}
    return found


async def post(stack: InProcessStack, token: str, path: str, data: object) -> Any:
    """POST a body."""
    return await stack.http.post(path, json=data, headers=bearer(token))


# -- business profile ---------------------------------------------------------------


async def test_profile_is_empty_at_first(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert await profile(sqlite_stack, token) == EMPTY_PROFILE


async def test_profile_is_set_and_survives_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert assert_ok(await post(stack, token, PROFILE, FULL_PROFILE)) == {}
    assert await profile(stack, token) == FULL_PROFILE
    await restart_core(stack)
    assert await profile(stack, token) == FULL_PROFILE


async def test_post_changes_only_the_fields_sent(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await post(sqlite_stack, token, PROFILE, FULL_PROFILE))
    change = {"address": "1 New Rd.", "email": "new@example.com", "websites": []}
    assert_ok(await post(sqlite_stack, token, PROFILE, change))
    assert await profile(sqlite_stack, token) == {**FULL_PROFILE, **change}


async def test_limits_are_accepted_at_their_maximum(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    longest = {
        "address": "a" * 256,
        "description": "d" * 512,
        "email": "e" * 116 + "@example.com",
        "websites": ["https://example.com/" + "p" * 236],
    }
    assert len(longest["email"]) == 128 and len(longest["websites"][0]) == 256
    assert_ok(await post(sqlite_stack, token, PROFILE, longest))
    assert await profile(sqlite_stack, token) == {**EMPTY_PROFILE, **longest}


@pytest.mark.parametrize("vertical", ["Beauty, Spa and Salon", "Beauty, Spa, and Salon", "Other"])
async def test_documented_verticals_are_accepted(
    sqlite_stack: InProcessStack, vertical: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await post(sqlite_stack, token, PROFILE, {"vertical": vertical}))
    assert (await profile(sqlite_stack, token))["vertical"] == vertical


async def test_vertical_cannot_be_emptied_once_set(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await post(sqlite_stack, token, PROFILE, {"vertical": ""}))
    assert_ok(await post(sqlite_stack, token, PROFILE, {"vertical": "Education"}))
    response = await post(sqlite_stack, token, PROFILE, {"vertical": ""})
    assert_error(response, 400, 1009, "vertical: cannot be set back to an empty value")
    assert (await profile(sqlite_stack, token))["vertical"] == "Education"


async def test_wabclient_profile_with_fields_left_out_is_accepted(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await post(stack, token, PROFILE, FULL_PROFILE))
    # wabclient 2.3.3 (PyPI), ConfigurationManager.set_business_profile(address=None,
    # description=None, vertical=None, email=None, websites=None) sends
    # BusinessProfileCommand(address=address, description=description, vertical=vertical,
    # email=email, websites=websites or []) rendered with attr.asdict: null for every
    # argument left out. Here: set_business_profile(description="We sell moths too.").
    wabclient = {
        "address": None,
        "description": "We sell moths too.",
        "email": None,
        "vertical": None,
        "websites": [],
    }
    assert assert_ok(await post(stack, token, PROFILE, wabclient)) == {}
    expected = {**FULL_PROFILE, "description": "We sell moths too.", "websites": []}
    assert await profile(stack, token) == expected
    assert_ok(await post(stack, token, PROFILE, dict.fromkeys(FULL_PROFILE)))
    assert await profile(stack, token) == expected


PROFILE_INVALID: list[tuple[object, int, str]] = [
    ({"address": "a" * 257}, 1009, "address: must be at most 256 characters long"),
    ({"description": "d" * 513}, 1009, "description: must be at most 512 characters long"),
    ({"email": "not-an-email"}, 1009, "email: must be a valid email address"),
    ({"email": "e" * 117 + "@example.com"}, 1009, "email: must be at most 128"),
    ({"vertical": "Retail"}, 1009, "vertical: must be one of Automotive"),
    ({"vertical": "automotive"}, 1009, "vertical"),
    (
        {"websites": ["https://a.example", "https://b.example", "https://c.example"]},
        1009,
        "at most 2",
    ),
    ({"websites": ["www.example.com"]}, 1009, "websites.0: must be an http"),
    ({"websites": ["ftp://example.com"]}, 1009, "websites.0: must be an http"),
    ({"websites": ["https://example.com/" + "p" * 237]}, 1009, "websites.0: must be at most 256"),
    ({"websites": "https://example.com"}, 1009, "websites"),
    ({"address": 5}, 1009, "address"),
    ({"websites": [None]}, 1009, "websites.0"),
    ({"about": "hi"}, 1010, "Unexpected parameter: about"),
]


@pytest.mark.parametrize(
    ("data", "code", "details"), PROFILE_INVALID, ids=[d for *_, d in PROFILE_INVALID]
)
async def test_invalid_profile_is_refused_and_changes_nothing(
    sqlite_stack: InProcessStack, data: dict[str, Any], code: int, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await post(sqlite_stack, token, PROFILE, {"address": "kept out", **data})
    assert_error(response, 400, code, details)
    assert await profile(sqlite_stack, token) == EMPTY_PROFILE


# -- compliance info ----------------------------------------------------------------


async def test_compliance_info_is_empty_at_first(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert await compliance(sqlite_stack, token) == EMPTY_COMPLIANCE


async def test_compliance_info_is_set_and_survives_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert assert_ok(await post(stack, token, COMPLIANCE, COMPLIANCE_INFO)) == {}
    expected = {
        **COMPLIANCE_INFO,
        "customer_care_details": {
            "email": "support@example.com",
            "landline_number": "",
            "mobile_number": "+913854559033",
        },
        "grievance_officer_details": {
            "email": "chandravati@example.com",
            "landline_number": "+91 385 761 4343",
            "mobile_number": "",
            "name": "Chandravati P.",
        },
    }
    assert await compliance(stack, token) == expected
    await restart_core(stack)
    assert await compliance(stack, token) == expected


async def test_compliance_info_is_replaced_whole(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await post(sqlite_stack, token, COMPLIANCE, COMPLIANCE_INFO))
    other = {**COMPLIANCE_INFO, "entity_type": "Private Company"}
    del other["is_registered"], other["entity_type_custom"]
    assert_ok(await post(sqlite_stack, token, COMPLIANCE, other))
    got = await compliance(sqlite_stack, token)
    assert (got["entity_type"], got["is_registered"], got["entity_type_custom"]) == (
        "Private Company",
        False,
        "",
    )


def without(key: str, data: dict[str, Any] = COMPLIANCE_INFO) -> dict[str, Any]:
    """``data`` without ``key``."""
    return {k: v for k, v in data.items() if k != key}


def with_contact(key: str, **changes: Any) -> dict[str, Any]:
    """COMPLIANCE_INFO with ``key``'s contact details replaced by ``changes``."""
    return {**COMPLIANCE_INFO, key: changes}


COMPLIANCE_INVALID: list[tuple[object, int, str]] = [
    (without("entity_name"), 1008, "Missing required parameter: entity_name"),
    ({**COMPLIANCE_INFO, "entity_name": ""}, 1009, "entity_name: must not be empty"),
    (without("entity_type"), 1008, "entity_type"),
    ({**COMPLIANCE_INFO, "entity_type": "LLC"}, 1009, "entity_type: must be one of"),
    ({**COMPLIANCE_INFO, "entity_type": "PARTNERSHIP"}, 1009, "entity_type"),
    ({**COMPLIANCE_INFO, "entity_type": "Other"}, 1008, "entity_type_custom"),
    (without("is_registered"), 1008, "Missing required parameter: is_registered"),
    ({**COMPLIANCE_INFO, "is_registered": "true"}, 1009, "is_registered"),
    (without("customer_care_details"), 1008, "customer_care_details"),
    (without("grievance_officer_details"), 1008, "grievance_officer_details"),
    (
        with_contact("customer_care_details", email="a@example.com"),
        1008,
        "customer_care_details.landline_number or customer_care_details.mobile_number",
    ),
    (
        with_contact("customer_care_details", mobile_number="+911234567"),
        1008,
        "customer_care_details.email",
    ),
    (
        with_contact("customer_care_details", email="nope", mobile_number="+911234567"),
        1009,
        "customer_care_details.email: must be a valid email address",
    ),
    (
        with_contact("customer_care_details", email="a@example.com", mobile_number="98765 43210"),
        1009,
        "customer_care_details.mobile_number: must be a phone number starting with +",
    ),
    (
        with_contact("grievance_officer_details", email="a@example.com", mobile_number="+91987"),
        1008,
        "grievance_officer_details.name",
    ),
    ({**COMPLIANCE_INFO, "messaging_product": "whatsapp"}, 1010, "messaging_product"),
    (
        with_contact("customer_care_details", email="a@b.co", mobile_number="+9123", fax="1"),
        1010,
        "customer_care_details.fax",
    ),
]


@pytest.mark.parametrize(
    ("data", "code", "details"), COMPLIANCE_INVALID, ids=[d for *_, d in COMPLIANCE_INVALID]
)
async def test_invalid_compliance_info_is_refused(
    sqlite_stack: InProcessStack, data: object, code: int, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_error(await post(sqlite_stack, token, COMPLIANCE, data), 400, code, details)
    assert await compliance(sqlite_stack, token) == EMPTY_COMPLIANCE


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", PROFILE), ("POST", PROFILE), ("GET", COMPLIANCE), ("POST", COMPLIANCE)],
)
async def test_non_admin_is_refused_before_the_body_is_read(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.request(
        method, path, content=b"{", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert_error(response, 403, 1005, "admin")


async def test_postman_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    requests = requests_for(PROFILE, COMPLIANCE)
    assert set(requests) == {
        "Get-Business-Profile",
        "Set-Business-Profile",
        "Get-Business-Compliance-Info",
        "Set-Business-Compliance-Info",
    }
    token = await sqlite_stack.api.admin_token()
    assert_ok(await send(sqlite_stack, requests["Set-Business-Profile"], token))
    got = assert_ok(await send(sqlite_stack, requests["Get-Business-Profile"], token))
    assert got["settings"]["business"]["profile"] == requests["Set-Business-Profile"].body()
    assert_ok(await send(sqlite_stack, requests["Set-Business-Compliance-Info"], token))
    got = assert_ok(await send(sqlite_stack, requests["Get-Business-Compliance-Info"], token))
    info = got["settings"]["business"]["compliance_info"]
    assert info["entity_type"] == "Partnership"
    assert info["is_registered"] is True
    assert info["grievance_officer_details"]["name"] == "Chandravati P."
