"""``GET``/``PUT /v1/contacts/{wa_id}/identity`` against the simulated network (spec §6.4).

The shape follows the official reference page: ``{"contacts": {"hash", "created_timestamp"
(milliseconds), "acknowledged"}}``. What the coreapp stores (identities seen, acknowledgements)
runs on every engine, validation on SQLite only.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.contacts_helpers import linked
from tests.webapp.helpers import create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core

ALICE = "16315551001"
PATH = f"/v1/contacts/{ALICE}/identity"


async def _customer(stack: InProcessStack, wa_id: str = ALICE) -> dict[str, Any]:
    response = await stack.control.get(f"/customers/{wa_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _rotate(stack: InProcessStack, wa_id: str = ALICE) -> dict[str, Any]:
    response = await stack.control.post(f"/customers/{wa_id}/identity/rotate")
    assert response.status_code == 200, response.text
    rotated: dict[str, Any] = response.json()
    return rotated


async def test_get_identity_reports_network_identity_when_first_seen(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    customer = await _customer(stack)
    response = await stack.http.get(PATH, headers=headers)
    assert assert_ok(response) == {
        "contacts": {
            "hash": customer["identity"],
            "created_timestamp": customer["identity_created"] * 1000,
            "acknowledged": True,  # the first identity seen is not a change
        }
    }


async def test_get_identity_reports_unacknowledged_change_when_identity_rotated(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    before = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]
    rotated = await _rotate(stack)
    assert rotated["identity"] != before["hash"]
    after = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]
    assert after == {
        "hash": rotated["identity"],
        "created_timestamp": rotated["identity_created"] * 1000,
        "acknowledged": False,
    }


async def test_put_identity_acknowledges_change_when_hash_is_latest(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    old = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]["hash"]
    new = (await _rotate(stack))["identity"]

    wrong = await stack.http.put(PATH, json={"hash": old}, headers=headers)
    assert_error(wrong, 400, 1009, f"it is not the latest identity of {ALICE}")
    still = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]
    assert still["acknowledged"] is False

    acknowledged = await stack.http.put(PATH, json={"hash": new}, headers=headers)
    assert assert_ok(acknowledged) == {}
    again = await stack.http.put(PATH, json={"hash": new}, headers=headers)
    assert assert_ok(again) == {}  # acknowledging twice is harmless
    seen = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]
    assert (seen["hash"], seen["acknowledged"]) == (new, True)

    await restart_core(stack)  # the acknowledgement is stored
    headers = await linked(stack)
    kept = assert_ok(await stack.http.get(PATH, headers=headers))["contacts"]
    assert (kept["hash"], kept["acknowledged"]) == (new, True)


async def test_put_identity_acknowledges_when_identity_first_seen(
    stack: InProcessStack,
) -> None:
    headers = await linked(stack)
    current = (await _customer(stack))["identity"]
    response = await stack.http.put(PATH, json={"hash": current}, headers=headers)
    assert assert_ok(response) == {}


async def test_identity_is_allowed_when_caller_is_not_admin(
    sqlite_stack: InProcessStack,
) -> None:
    await linked(sqlite_stack)
    headers = bearer(await create_user(sqlite_stack, "agent"))
    found = assert_ok(await sqlite_stack.http.get(PATH, headers=headers))["contacts"]
    response = await sqlite_stack.http.put(PATH, json={"hash": found["hash"]}, headers=headers)
    assert assert_ok(response) == {}


async def test_identity_accepts_postman_requests_when_sent_as_written(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    token = headers["Authorization"].split()[1]
    found = requests_for(PATH)
    assert set(found) == {"Contact-Get-Identity", "Contact-Ack-Identity"}
    got = assert_ok(await send(sqlite_stack, found["Contact-Get-Identity"], token))
    assert set(got["contacts"]) == {"hash", "created_timestamp", "acknowledged"}
    # The collection's hash placeholder stands for the hash just read.
    ack = found["Contact-Ack-Identity"]
    assert ack.body() == {"hash": "UKD6Y/5SqDU="}
    wrong = await send(sqlite_stack, ack, token)
    assert_error(wrong, 400, 1009, "not the latest identity")
    response = await sqlite_stack.http.put(
        ack.path, json={"hash": got["contacts"]["hash"]}, headers={**ack.headers, **headers}
    )
    assert assert_ok(response) == {}


# -- refused requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wa_id", "details"),
    [
        ("16315554242", "No WhatsApp user with wa_id 16315554242"),  # nobody
        ("16315550000", "No WhatsApp user with wa_id 16315550000"),  # not on WhatsApp
    ],
)
async def test_identity_answers_not_found_when_number_is_not_a_user(
    sqlite_stack: InProcessStack, wa_id: str, details: str
) -> None:
    headers = await linked(sqlite_stack)
    path = f"/v1/contacts/{wa_id}/identity"
    assert_error(await sqlite_stack.http.get(path, headers=headers), 404, 1006, details)
    put = await sqlite_stack.http.put(path, json={"hash": "UKD6Y/5SqDU="}, headers=headers)
    assert_error(put, 404, 1006, details)


@pytest.mark.parametrize("wa_id", ["+16315551001", "1631555100x", "1" * 21])
async def test_identity_refuses_wa_id_when_not_digits(
    sqlite_stack: InProcessStack, wa_id: str
) -> None:
    headers = await linked(sqlite_stack)
    path = f"/v1/contacts/{wa_id}/identity"
    details = "Invalid value for wa_id: a WhatsApp ID is digits only"
    assert_error(await sqlite_stack.http.get(path, headers=headers), 400, 1009, details)
    put = await sqlite_stack.http.put(path, json={"hash": "x"}, headers=headers)
    assert_error(put, 400, 1009, details)


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: hash"),
        ({"hash": ""}, 1009, "Invalid value for hash"),
        ({"hash": 12345}, 1009, "Invalid value for hash"),
        ({"hash": None}, 1009, "Invalid value for hash"),
        ({"hash": "UKD6Y/5SqDU=", "acknowledged": True}, 1010, "Unexpected parameter"),
    ],
)
async def test_put_identity_refuses_body_when_invalid(
    sqlite_stack: InProcessStack, body: dict[str, object], code: int, details: str
) -> None:
    headers = await linked(sqlite_stack)
    response = await sqlite_stack.http.put(PATH, json=body, headers=headers)
    assert_error(response, 400, code, details)


async def test_put_identity_refuses_request_when_body_is_empty(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    response = await sqlite_stack.http.put(PATH, headers=headers)
    assert_error(response, 400, 1008, "Request body is required")


async def test_identity_refuses_request_when_token_is_missing(
    sqlite_stack: InProcessStack,
) -> None:
    assert_error(await sqlite_stack.http.get(PATH), 401, 1005, "Authorization header is missing")
    response = await sqlite_stack.http.put(PATH, json={"hash": "x"})
    assert_error(response, 401, 1005, "Authorization header is missing")


async def test_identity_answers_not_ready_when_network_is_down(
    sqlite_stack: InProcessStack,
) -> None:
    headers = await linked(sqlite_stack)
    await sqlite_stack.control.put("/outage", json={"active": True})
    for _ in range(100):
        link = sqlite_stack.core.link
        if link is not None and not link.connected:
            break
        await asyncio.sleep(0.02)
    response = await sqlite_stack.http.get(PATH, headers=headers)
    assert_error(response, 503, 1011, "not connected to the WhatsApp network")
    put = await sqlite_stack.http.put(PATH, json={"hash": "x"}, headers=headers)
    assert_error(put, 503, 1011, "not connected to the WhatsApp network")
    await sqlite_stack.control.put("/outage", json={"active": False})
