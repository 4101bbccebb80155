"""``POST /v1/contacts`` against the in-process simulated network (spec §6.1, §6.2).

What touches the contact cache runs on every engine; how numbers are read and which
customers they find (the network's side) runs on SQLite only.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.registration import register
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.contacts_helpers import check, linked, lookups_of, slow_customer, statuses
from tests.webapp.helpers import StackFactory, create_user
from tests.webapp.postman import requests_for, send

SEVEN_DAYS = 7 * 24 * 3600
SLOW = "16315557001"  # made slow by the tests that need it
SLOW_DELAY = 0.2


async def _until_valid(stack: InProcessStack, headers: dict[str, str], text: str) -> None:
    """Check ``text`` (no_wait) until the background lookup has stored its answer."""
    for _ in range(100):
        (entry,) = statuses(await check(stack, headers, [text]))
        if entry["status"] != "processing":
            assert entry == {"input": text, "status": "valid", "wa_id": text}
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text} stayed processing")


# -- answers ------------------------------------------------------------------------------


async def test_check_contacts_answers_each_input_in_order_when_numbers_are_mixed(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    inputs = [
        "+1 (516) 283-7151",
        "1-631-555-1002",
        "6315551003",
        "+54 9 11 5612-1008",
        "16315550000",  # seeded: not on WhatsApp
        "+163155588",  # too short for zone 1
        "call me",
        "1-631-555-1002",  # duplicates are answered where they stand
    ]
    response = await check(stack, headers, inputs, blocking="wait")
    assert assert_ok(response) == {
        "contacts": [
            {"input": "+1 (516) 283-7151", "status": "valid", "wa_id": "15162837151"},
            {"input": "1-631-555-1002", "status": "valid", "wa_id": "16315551002"},
            {"input": "6315551003", "status": "valid", "wa_id": "16315551003"},
            {"input": "+54 9 11 5612-1008", "status": "valid", "wa_id": "5491156121008"},
            {"input": "16315550000", "status": "invalid"},
            {"input": "+163155588", "status": "invalid"},
            {"input": "call me", "status": "invalid"},
            {"input": "1-631-555-1002", "status": "valid", "wa_id": "16315551002"},
        ]
    }
    assert await lookups_of(stack, "1-631-555-1002") == 1  # asked once for both


@pytest.mark.parametrize(
    ("text", "wa_id"),
    [
        ("+55 21 98765-4321", "552187654321"),  # registered without the 9th digit
        ("+55 11 8765-4321", "5511987654321"),  # registered with it
        ("+52 55 1234 5678", "5215512345678"),  # registered as 521
        ("+52 1 81 1234 5678", "528112345678"),  # registered without the 1
        ("+54 9 11 5612 1008", "5491156121008"),  # Argentina keeps the 9
    ],
)
async def test_check_contacts_finds_customer_when_input_is_other_national_form(
    sqlite_stack: InProcessStack, text: str, wa_id: str
) -> None:
    headers = await linked(sqlite_stack)
    assert statuses(await check(sqlite_stack, headers, [text])) == [
        {"input": text, "status": "valid", "wa_id": wa_id}
    ]


async def test_check_contacts_reads_national_number_against_registered_cc_when_registered(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    await register(stack, headers["Authorization"].split()[1], "44", "7700900100", "UK Shop")
    response = await check(stack, headers, ["07700 900001", "+1 631 555 1002"], blocking="wait")
    assert statuses(response) == [
        {"input": "07700 900001", "status": "valid", "wa_id": "447700900001"},
        {"input": "+1 631 555 1002", "status": "valid", "wa_id": "16315551002"},
    ]
    (seen,) = (await stack.control.get("/lookups", params={"input": "07700 900001"})).json()[
        "lookups"
    ]
    assert (seen["cc"], seen["business"]) == ("44", "447700900100")


async def test_check_contacts_creates_customer_when_number_is_unknown(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    response = await check(sqlite_stack, headers, ["+1 631 555 7777"])
    assert statuses(response) == [
        {"input": "+1 631 555 7777", "status": "valid", "wa_id": "16315557777"}
    ]
    created = await sqlite_stack.control.get("/customers/16315557777")
    assert created.json()["name"] == "Customer 7777"
    assert created.json()["on_whatsapp"] is True


async def test_check_contacts_answers_invalid_when_auto_create_is_off(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    switched = await sqlite_stack.control.put("/settings", json={"auto_create_customers": False})
    assert switched.json() == {"auto_create_customers": False, "realistic_statuses": False}
    response = await check(sqlite_stack, headers, ["+1 631 555 7778", "+1 631 555 1001"])
    assert statuses(response) == [
        {"input": "+1 631 555 7778", "status": "invalid"},
        {"input": "+1 631 555 1001", "status": "valid", "wa_id": "16315551001"},
    ]
    missing = await sqlite_stack.control.get("/customers/16315557778")
    assert missing.status_code == 404


async def test_check_contacts_is_allowed_when_caller_is_not_admin(
    sqlite_stack: InProcessStack,
) -> None:
    await linked(sqlite_stack)
    token = await create_user(sqlite_stack, "agent")
    response = await check(sqlite_stack, bearer(token), ["+1 631 555 1001"])
    assert statuses(response)[0]["status"] == "valid"


async def test_check_contacts_accepts_postman_requests_when_sent_as_written(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    found = requests_for("/v1/contacts")
    assert set(found) == {"Check-Contact", "Check-Contact-Async"}
    for request in found.values():
        response = await send(sqlite_stack, request, headers["Authorization"].split()[1])
        assert assert_ok(response) == {
            "contacts": [{"input": "16315551001", "status": "valid", "wa_id": "16315551001"}]
        }


# -- the cache (spec §6.2) ----------------------------------------------------------------


async def test_check_contacts_answers_from_cache_when_checked_again(stack: InProcessStack) -> None:
    headers = await linked(stack)
    first = statuses(await check(stack, headers, ["6315551003", "16315550000"]))
    second = statuses(await check(stack, headers, ["6315551003", "16315550000"]))
    assert first == second
    assert second[0] == {"input": "6315551003", "status": "valid", "wa_id": "16315551003"}
    assert await lookups_of(stack, "6315551003") == 1
    assert await lookups_of(stack, "16315550000") == 1


async def test_check_contacts_asks_network_when_force_check(stack: InProcessStack) -> None:
    headers = await linked(stack)
    statuses(await check(stack, headers, ["6315551003"]))
    # The customer leaves WhatsApp: the cache still says valid, force_check finds out.
    await stack.control.put(
        "/customers/16315551003",
        json={"wa_id": "16315551003", "name": "Carol Example", "on_whatsapp": False},
    )
    cached = statuses(await check(stack, headers, ["6315551003"]))
    assert cached[0]["status"] == "valid"
    forced = statuses(await check(stack, headers, ["6315551003"], force_check=True))
    assert forced == [{"input": "6315551003", "status": "invalid"}]
    assert await lookups_of(stack, "6315551003") == 2
    again = statuses(await check(stack, headers, ["6315551003"]))
    assert again == forced  # the forced answer replaced the cached one
    assert await lookups_of(stack, "6315551003") == 2


async def test_check_contacts_refreshes_entry_when_older_than_seven_days(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    statuses(await check(stack, headers, ["6315551002"]))
    stack.clock.advance(SEVEN_DAYS - 60)
    headers = bearer(await stack.api.admin_token())  # tokens last 7 days too
    statuses(await check(stack, headers, ["6315551002"]))
    assert await lookups_of(stack, "6315551002") == 1  # still fresh
    stack.clock.advance(120)
    headers = bearer(await stack.api.admin_token())
    assert statuses(await check(stack, headers, ["6315551002"])) == [
        {"input": "6315551002", "status": "valid", "wa_id": "16315551002"}
    ]
    assert await lookups_of(stack, "6315551002") == 2  # 7 days old: asked again
    statuses(await check(stack, headers, ["6315551002"]))
    assert await lookups_of(stack, "6315551002") == 2  # and fresh for 7 more days


async def test_check_contacts_keys_cache_by_business_cc_when_registration_changes(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    statuses(await check(sqlite_stack, headers, ["7700 900001"]))  # cc 1: +1 770-090-0001, invalid
    await register(sqlite_stack, headers["Authorization"].split()[1], "44", "7700900100", "UK")
    response = await check(sqlite_stack, headers, ["7700 900001"])
    assert statuses(response) == [
        {"input": "7700 900001", "status": "valid", "wa_id": "447700900001"}
    ]
    assert await lookups_of(sqlite_stack, "7700 900001") == 2


# -- slow lookups -------------------------------------------------------------------------


async def test_check_contacts_answers_processing_then_valid_when_lookup_is_slow(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    await slow_customer(stack, SLOW, SLOW_DELAY)
    response = await check(stack, headers, [SLOW, "16315551001"])  # no_wait is the default
    assert statuses(response) == [
        {"input": SLOW, "status": "processing"},
        {"input": "16315551001", "status": "valid", "wa_id": "16315551001"},
    ]
    await _until_valid(stack, headers, SLOW)
    assert await lookups_of(stack, SLOW) == 1  # the later answers came from the cache


async def test_check_contacts_waits_for_answer_when_blocking_is_wait(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    await slow_customer(stack, SLOW, SLOW_DELAY)
    response = await check(stack, headers, [SLOW], blocking="wait")
    assert statuses(response) == [{"input": SLOW, "status": "valid", "wa_id": SLOW}]
    assert statuses(await check(stack, headers, [SLOW])) == statuses(response)
    assert await lookups_of(stack, SLOW) == 1


async def test_check_contacts_joins_running_lookup_when_number_is_still_processing(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    await slow_customer(sqlite_stack, SLOW, SLOW_DELAY)
    first = statuses(await check(sqlite_stack, headers, [SLOW]))
    forced = statuses(await check(sqlite_stack, headers, [SLOW], force_check=True))
    assert first == forced == [{"input": SLOW, "status": "processing"}]
    waited = statuses(await check(sqlite_stack, headers, [SLOW], blocking="wait"))
    assert waited == [{"input": SLOW, "status": "valid", "wa_id": SLOW}]
    assert await lookups_of(sqlite_stack, SLOW) == 1


async def test_check_contacts_answers_processing_when_wait_exceeds_bound(
    make_stack: StackFactory,
) -> None:
    async with make_stack(WA_CONTACTS_WAIT_SECONDS="0.05") as stack:
        headers = await linked(stack)
        await slow_customer(stack, SLOW, SLOW_DELAY)
        response = await check(stack, headers, [SLOW], blocking="wait")
        assert statuses(response) == [{"input": SLOW, "status": "processing"}]
        await _until_valid(stack, headers, SLOW)  # finished in the background


async def test_close_cancels_slow_lookups_when_coreapp_stops(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    await slow_customer(sqlite_stack, SLOW, 30)
    assert statuses(await check(sqlite_stack, headers, [SLOW]))[0]["status"] == "processing"
    contacts = sqlite_stack.core.contacts
    assert contacts is not None
    contacts.drain_seconds = 0.01
    await contacts.close()
    stored = statuses(await check(sqlite_stack, headers, [SLOW]))
    assert stored == [{"input": SLOW, "status": "processing"}]  # asked again: not stored
    assert await lookups_of(sqlite_stack, SLOW) == 2
    await contacts.close()


# -- without the network ------------------------------------------------------------------


async def test_check_contacts_answers_from_cache_or_failed_when_network_is_down(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    statuses(await check(stack, headers, ["6315551003"]))
    stack.clock.advance(SEVEN_DAYS + 60)  # even a stale answer beats none
    headers = bearer(await stack.api.admin_token())
    await stack.control.put("/outage", json={"active": True})
    for _ in range(100):
        if stack.core.link is not None and not stack.core.link.connected:
            break
        await asyncio.sleep(0.02)
    response = await check(stack, headers, ["6315551003", "6315551002"], force_check=True)
    assert statuses(response) == [
        {"input": "6315551003", "status": "valid", "wa_id": "16315551003"},
        {"input": "6315551002", "status": "failed"},
    ]
    await stack.control.put("/outage", json={"active": False})


# -- refused requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: contacts"),
        ({"blocking": "wait"}, 1008, "Missing required parameter: contacts"),
        ({"contacts": []}, 1009, "Invalid value for contacts"),
        ({"contacts": "16315551001"}, 1009, "Invalid value for contacts"),
        ({"contacts": [16315551001]}, 1009, "Invalid value for contacts.0"),
        ({"contacts": ["1", None]}, 1009, "Invalid value for contacts.1"),
        ({"contacts": ["1"], "blocking": "sometimes"}, 1009, "Invalid value for blocking"),
        ({"contacts": ["1"], "blocking": None}, 1009, "Invalid value for blocking"),
        ({"contacts": ["1"], "force_check": "true"}, 1009, "Invalid value for force_check"),
        ({"contacts": ["1"], "force_check": 1}, 1009, "Invalid value for force_check"),
        ({"contacts": ["1"], "wait": True}, 1010, "Unexpected parameter: wait"),
    ],
)
async def test_check_contacts_refuses_body_when_invalid(
    sqlite_stack: InProcessStack, body: dict[str, object], code: int, details: str
) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    response = await sqlite_stack.http.post("/v1/contacts", json=body, headers=headers)
    assert_error(response, 400, code, details)


async def test_check_contacts_refuses_request_when_body_is_not_json(
    sqlite_stack: InProcessStack,
) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    response = await sqlite_stack.http.post(
        "/v1/contacts", content=b"[1,", headers={**headers, "Content-Type": "application/json"}
    )
    assert_error(response, 400, 1025, "not valid JSON")
    empty = await sqlite_stack.http.post("/v1/contacts", headers=headers)
    assert_error(empty, 400, 1008, "Request body is required")


async def test_check_contacts_refuses_request_when_token_is_missing(
    sqlite_stack: InProcessStack,
) -> None:
    response = await sqlite_stack.http.post("/v1/contacts", json={"contacts": ["1"]})
    assert_error(response, 401, 1005, "Authorization header is missing")


async def test_check_contacts_refuses_list_when_longer_than_limit(
    make_stack: StackFactory,
) -> None:
    async with make_stack(WA_CONTACTS_MAX_PER_CALL="2") as stack:
        headers = await linked(stack)
        response = await check(stack, headers, ["16315551001", "16315551002", "16315551003"])
        assert_error(response, 400, 1009, "at most 2 numbers per call")
        assert await lookups_of(stack, "16315551001") == 0
        assert len(statuses(await check(stack, headers, ["16315551001", "16315551002"]))) == 2


# -- for sending to phone numbers (spec §7.1) --------------------------------------------


async def test_resolve_gives_wa_id_when_number_is_user(sqlite_stack: InProcessStack) -> None:
    await linked(sqlite_stack)
    contacts = sqlite_stack.core.contacts
    assert contacts is not None
    assert await contacts.resolve("+52 55 1234 5678") == "5215512345678"
    assert await contacts.resolve("16315550000") is None
    assert await contacts.resolve("+52 55 1234 5678") == "5215512345678"
    assert await lookups_of(sqlite_stack, "+52 55 1234 5678") == 1  # from the store
