"""Authentication on every node: Basic for login, Bearer elsewhere, Apikey on health (§2.2).

Header parsing and token signatures are engine-independent (SQLite); revocation, deletion and
re-creation are persisted, so those run on every engine.
"""

from __future__ import annotations

import base64

import pytest

from tests.stacks import ADMIN_PASSWORD, InProcessStack, basic, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory, claims_of, create_user, sign, signing_key

API_KEY = "test-api-key-0123456789"
OTHER_KEY = "another-signing-key-that-is-long-enough-for-hs256-0123456789"


# -- missing and malformed headers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/health"),
        ("POST", "/v1/users/logout"),
        ("POST", "/v1/users"),
        ("GET", "/v1/users/admin"),
        ("PUT", "/v1/users/admin"),
        ("DELETE", "/v1/users/admin"),
        ("POST", "/v1/users/login"),
    ],
)
async def test_missing_authorization_answers_401(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    response = await sqlite_stack.http.request(method, path, json={"password": "x"})
    assert_error(response, 401, 1005, "Authorization header is missing")


@pytest.mark.parametrize("value", ["Bearer", "Bearer   ", "Basic", "Token"])
async def test_authorization_without_credentials_answers_401(
    sqlite_stack: InProcessStack, value: str
) -> None:
    response = await sqlite_stack.http.get("/v1/health", headers={"Authorization": value})
    assert_error(response, 401, 1005, "Authorization header is malformed")


async def test_basic_on_bearer_node_answers_401(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/users/admin", headers=basic("admin", "secret"))
    assert_error(response, 401, 1005, "Bearer token required")


async def test_unknown_scheme_answers_401(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get(
        "/v1/health", headers={"Authorization": f"Token {token}"}
    )
    assert_error(response, 401, 1005, "Bearer token required")


async def test_bearer_on_login_answers_401(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post("/v1/users/login", headers=bearer(token))
    assert_error(response, 401, 1005, "Login requires HTTP Basic authentication")


async def test_scheme_is_case_insensitive(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get(
        "/v1/health", headers={"Authorization": f"bEaReR {token}"}
    )
    assert assert_ok(response) == {"health": {"gateway_status": "unregistered"}}


@pytest.mark.parametrize("credentials", ["not base64!", "YWRtaW46c2VjcmV"])
async def test_basic_not_base64_answers_401(sqlite_stack: InProcessStack, credentials: str) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers={"Authorization": f"Basic {credentials}"}
    )
    assert_error(response, 401, 1005, "Basic credentials are not valid base64")


async def test_basic_not_utf8_answers_401(sqlite_stack: InProcessStack) -> None:
    raw = base64.b64encode(b"admin:\xff\xfe").decode()
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers={"Authorization": f"Basic {raw}"}
    )
    assert_error(response, 401, 1005, "Basic credentials are not valid base64")


async def test_basic_not_ascii_answers_401(sqlite_stack: InProcessStack) -> None:
    # Header bytes outside ASCII reach the app as Latin-1 text, which b64decode refuses
    # with a bare ValueError.
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers={"Authorization": b"Basic YWRtaW46c2Vj\xe9cmV0"}
    )
    assert_error(response, 401, 1005, "Basic credentials are not valid base64")


async def test_basic_without_colon_answers_401(sqlite_stack: InProcessStack) -> None:
    raw = base64.b64encode(b"adminsecret").decode()
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers={"Authorization": f"Basic {raw}"}
    )
    assert_error(response, 401, 1005, "Basic credentials must be username:password")


async def test_basic_with_wrong_password_answers_401(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post("/v1/users/login", headers=basic("admin", "wrong"))
    assert_error(response, 401, 1005, "Invalid username or password")


async def test_basic_for_unknown_user_answers_401(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post("/v1/users/login", headers=basic("nobody", "secret"))
    assert_error(response, 401, 1005, "Invalid username or password")


# -- bearer tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
async def test_bad_bearer_token_answers_401(sqlite_stack: InProcessStack, token: str) -> None:
    response = await sqlite_stack.http.get("/v1/health", headers=bearer(token))
    assert_error(response, 401, 1005, "Invalid token")


async def test_token_signed_with_another_key_answers_401(sqlite_stack: InProcessStack) -> None:
    claims = claims_of(await sqlite_stack.api.admin_token())
    forged = sign(claims, OTHER_KEY)
    response = await sqlite_stack.http.get("/v1/users/admin", headers=bearer(forged))
    assert_error(response, 401, 1005, "Invalid token")


async def test_unsigned_token_answers_401(sqlite_stack: InProcessStack) -> None:
    claims = claims_of(await sqlite_stack.api.admin_token())
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = sign(claims, OTHER_KEY).split(".")[1]
    response = await sqlite_stack.http.get(
        "/v1/users/admin", headers=bearer(f"{header}.{payload}.")
    )
    assert_error(response, 401, 1005, "Invalid token")


@pytest.mark.parametrize("claim", ["exp", "jti", "user", "role", "gen"])
async def test_token_missing_a_claim_answers_401(sqlite_stack: InProcessStack, claim: str) -> None:
    claims = claims_of(await sqlite_stack.api.admin_token())
    del claims[claim]
    forged = sign(claims, await signing_key(sqlite_stack))
    response = await sqlite_stack.http.get("/v1/health", headers=bearer(forged))
    assert_error(response, 401, 1005, "Invalid token")


async def test_token_of_unknown_user_answers_401(sqlite_stack: InProcessStack) -> None:
    claims = claims_of(await sqlite_stack.api.admin_token())
    forged = sign({**claims, "user": "ghost"}, await signing_key(sqlite_stack))
    response = await sqlite_stack.http.get("/v1/health", headers=bearer(forged))
    assert_error(response, 401, 1005, "the user no longer exists")


async def test_token_with_forged_generation_answers_401(sqlite_stack: InProcessStack) -> None:
    claims = claims_of(await sqlite_stack.api.admin_token())
    forged = sign({**claims, "gen": "0" * 16}, await signing_key(sqlite_stack))
    response = await sqlite_stack.http.get("/v1/health", headers=bearer(forged))
    assert_error(response, 401, 1005, "the user no longer exists")


async def test_expired_token_answers_401_on_users_node(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    sqlite_stack.clock.advance(7 * 24 * 3600)
    response = await sqlite_stack.http.get("/v1/users/admin", headers=bearer(token))
    assert_error(response, 401, 1005, "Token expired; log in again")
    # A fresh login works at the new time.
    fresh = await sqlite_stack.api.login("admin", ADMIN_PASSWORD)
    assert_ok(await sqlite_stack.http.get("/v1/users/admin", headers=bearer(fresh)))


async def test_revoked_token_answers_401_after_logout(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await stack.http.post("/v1/users/logout", headers=bearer(token)))
    again = await stack.http.post("/v1/users/logout", headers=bearer(token))
    assert_error(again, 401, 1005, "the token was revoked by logout")
    users = await stack.http.get("/v1/users/admin", headers=bearer(token))
    assert_error(users, 401, 1005, "revoked")


async def test_token_of_deleted_user_answers_401(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    admin = await stack.api.admin_token()
    assert_ok(await stack.http.delete("/v1/users/alice", headers=bearer(admin)))
    response = await stack.http.get("/v1/users/alice", headers=bearer(token))
    assert_error(response, 401, 1005, "the user no longer exists")
    health = await stack.http.get("/v1/health", headers=bearer(token))
    assert_error(health, 401, 1005, "the user no longer exists")


async def test_token_of_recreated_user_answers_401(stack: InProcessStack) -> None:
    old = await create_user(stack, "alice")
    admin = await stack.api.admin_token()
    assert_ok(await stack.http.delete("/v1/users/alice", headers=bearer(admin)))
    new = await create_user(stack, "alice")
    response = await stack.http.get("/v1/users/alice", headers=bearer(old))
    assert_error(response, 401, 1005, "the user no longer exists")
    assert_ok(await stack.http.get("/v1/users/alice", headers=bearer(new)))


# -- Apikey ----------------------------------------------------------------------------------


def apikey(key: str) -> dict[str, str]:
    return {"Authorization": f"Apikey {key}"}


async def test_apikey_on_health_answers_200(make_stack: StackFactory) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        response = await stack.http.get("/v1/health", headers=apikey(API_KEY))
        assert assert_ok(response) == {"health": {"gateway_status": "unregistered"}}


async def test_wrong_apikey_on_health_answers_401(make_stack: StackFactory) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        response = await stack.http.get("/v1/health", headers=apikey(API_KEY + "x"))
        assert_error(response, 401, 1005, "Invalid API key")


async def test_apikey_when_unset_answers_401(sqlite_stack: InProcessStack) -> None:
    assert sqlite_stack.settings.api_key is None
    response = await sqlite_stack.http.get("/v1/health", headers=apikey(API_KEY))
    assert_error(response, 401, 1005, "Apikey authentication is not enabled")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/users/logout"),
        ("GET", "/v1/users/admin"),
        ("POST", "/v1/users"),
        ("DELETE", "/v1/users/admin"),
    ],
)
async def test_apikey_on_non_apikey_node_answers_401(
    make_stack: StackFactory, method: str, path: str
) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        response = await stack.http.request(method, path, headers=apikey(API_KEY))
        assert_error(response, 401, 1005, "Bearer token required")


async def test_apikey_on_login_answers_401(make_stack: StackFactory) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        response = await stack.http.post("/v1/users/login", headers=apikey(API_KEY))
        assert_error(response, 401, 1005, "Login requires HTTP Basic authentication")


async def test_bearer_still_works_on_health_with_apikey_set(make_stack: StackFactory) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        token = await stack.api.admin_token()
        response = await stack.http.get("/v1/health", headers=bearer(token))
        assert assert_ok(response) == {"health": {"gateway_status": "unregistered"}}
