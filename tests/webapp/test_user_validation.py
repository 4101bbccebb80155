"""``POST /v1/users`` bodies: usernames, password rules and schema errors (spec §3.2, §3.5).

Refusals never reach the database (SQLite only); names at the limits are stored, so those run
on every engine (a 32-character name must fit the column on each).
"""

from __future__ import annotations

import httpx
import pytest

from tests.stacks import USER_PASSWORD, InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok

LENGTH = "username must be between 4 and 32 characters long"
CHARACTERS = "username may not contain ':', '/', spaces or control characters"
COMPLEXITY = "Password doesn't meet complexity requirements"


async def _create(stack: InProcessStack, body: object) -> httpx.Response:
    token = await stack.api.admin_token()
    return await stack.http.post("/v1/users", json=body, headers=bearer(token))


# -- usernames -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["bob", "b" * 33, "", "ü" * 33])
async def test_create_user_answers_1009_for_username_length(
    sqlite_stack: InProcessStack, username: str
) -> None:
    response = await _create(sqlite_stack, {"username": username, "password": USER_PASSWORD})
    assert_error(response, 400, 1009, LENGTH)


@pytest.mark.parametrize(
    "username",
    ["bob:by", "bob by", "bob\tby", " bobby", "bobby\n", "bob\u200bby", "bob/by"],
    ids=["colon", "space", "tab", "leading-space", "newline", "zero-width", "slash"],
)
async def test_create_user_answers_1009_for_forbidden_characters(
    sqlite_stack: InProcessStack, username: str
) -> None:
    response = await _create(sqlite_stack, {"username": username, "password": USER_PASSWORD})
    assert_error(response, 400, 1009, CHARACTERS)


async def test_create_user_accepts_usernames_within_rules(stack: InProcessStack) -> None:
    for username in ["abcd", "a" * 32, "ü" * 32, "😀" * 32, "a.b_c-d@e+f", "logins"]:
        response = await _create(stack, {"username": username, "password": USER_PASSWORD})
        assert assert_ok(response, 201) == {"users": [{"username": username}]}
        token = await stack.api.login(username, USER_PASSWORD)
        found = await stack.http.get(f"/v1/users/{username}", headers=bearer(token))
        assert assert_ok(found) == {"users": [{"ROLES": "ROLE_USER", "username": username}]}


async def test_create_user_answers_1009_for_nul(sqlite_stack: InProcessStack) -> None:
    # The edge's rule for U+0000 in any JSON text answers first (docs/security.md).
    response = await _create(sqlite_stack, {"username": "bob\x00by", "password": USER_PASSWORD})
    assert_error(response, 400, 1009, "Invalid value for username: text may not contain NUL")


@pytest.mark.parametrize("username", ["login", "logout"])
async def test_create_user_answers_1009_for_names_of_nodes(
    sqlite_stack: InProcessStack, username: str
) -> None:
    # /v1/users/login and /v1/users/logout shadow /v1/users/{username}.
    response = await _create(sqlite_stack, {"username": username, "password": USER_PASSWORD})
    assert_error(response, 400, 1009, f"username '{username}' is reserved")


async def test_create_user_is_case_sensitive(stack: InProcessStack) -> None:
    assert_ok(await _create(stack, {"username": "alice", "password": USER_PASSWORD}), 201)
    response = await _create(stack, {"username": "ALICE", "password": USER_PASSWORD})
    assert assert_ok(response, 201) == {"users": [{"username": "ALICE"}]}


# -- passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Sh0rt!x",  # 7 characters
        "L0ng!" + "x" * 60,  # 65 characters
        "no-upper-1!",
        "NO-LOWER-1!",
        "No-Digits-Here!",
        "NoSpecial123",
        "",
    ],
    ids=["7-chars", "65-chars", "no-upper", "no-lower", "no-digit", "no-special", "empty"],
)
async def test_create_user_answers_1009_for_weak_password(
    sqlite_stack: InProcessStack, password: str
) -> None:
    response = await _create(sqlite_stack, {"username": "alice", "password": password})
    assert_error(response, 400, 1009, COMPLEXITY)
    token = await sqlite_stack.api.admin_token()
    missing = await sqlite_stack.http.get("/v1/users/alice", headers=bearer(token))
    assert_error(missing, 404, 1006, "User 'alice' not found")


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!xy", "L0ng!" + "x" * 59, "Aa1`~~~~", "Üñ1çødé!"],
    ids=["8-chars", "64-chars", "backtick-special", "non-ascii"],
)
async def test_create_user_accepts_password_within_rules(
    sqlite_stack: InProcessStack, password: str
) -> None:
    response = await _create(sqlite_stack, {"username": "alice", "password": password})
    assert_ok(response, 201)
    assert await sqlite_stack.api.login("alice", password)


async def test_create_user_checks_username_before_password(sqlite_stack: InProcessStack) -> None:
    response = await _create(sqlite_stack, {"username": "bob", "password": "weak"})
    assert_error(response, 400, 1009, LENGTH)


# -- schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"password": USER_PASSWORD}, "Missing required parameter: username"),
        ({"username": "alice"}, "Missing required parameter: password"),
        ({}, "Missing required parameter: username"),
    ],
)
async def test_create_user_answers_1008_for_missing_field(
    sqlite_stack: InProcessStack, body: dict[str, object], details: str
) -> None:
    assert_error(await _create(sqlite_stack, body), 400, 1008, details)


async def test_create_user_answers_1008_for_empty_body(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post("/v1/users", headers=bearer(token))
    assert_error(response, 400, 1008, "Request body is required")


@pytest.mark.parametrize("field", ["role", "ROLES", "new_password"])
async def test_create_user_answers_1010_for_unexpected_field(
    sqlite_stack: InProcessStack, field: str
) -> None:
    body = {"username": "alice", "password": USER_PASSWORD, field: "ROLE_ADMIN"}
    assert_error(await _create(sqlite_stack, body), 400, 1010, f"Unexpected parameter: {field}")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": 12345, "password": USER_PASSWORD}, "username"),
        ({"username": ["alice"], "password": USER_PASSWORD}, "username"),
        ({"username": True, "password": USER_PASSWORD}, "username"),
        ({"username": None, "password": USER_PASSWORD}, "username"),
        ({"username": "alice", "password": 12345678}, "password"),
        ({"username": "alice", "password": {"value": USER_PASSWORD}}, "password"),
    ],
)
async def test_create_user_answers_1009_for_wrong_type(
    sqlite_stack: InProcessStack, body: dict[str, object], field: str
) -> None:
    response = await _create(sqlite_stack, body)
    assert_error(response, 400, 1009, f"Invalid value for {field}: Input should be a valid string")
