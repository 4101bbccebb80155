"""The edge of the webapp: routing, request bodies, size limits, request ids, crashes.

Engine-independent, so these run on SQLite only. Every failure must still be the On-Premises
envelope (spec §2.3) with a catalogue code (spec §15).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from tests.stacks import ADMIN_PASSWORD, InProcessStack, basic, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory

LIMIT = 64
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def _allowed(value: str) -> set[str]:
    return {method.strip() for method in value.split(",")}


async def _chunks(body: bytes, size: int = 16) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


# -- routing ---------------------------------------------------------------------------------


async def test_unknown_path_answers_1006_without_credentials(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/nope")
    assert_error(response, 404, 1006, "Unknown path: /v1/nope")


async def test_unknown_path_answers_1006_for_post_and_root(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post("/v1/users/login/extra", json={})
    assert_error(response, 404, 1006, "/v1/users/login/extra")
    assert_error(await sqlite_stack.http.get("/"), 404, 1006, "Unknown path: /")


async def test_wrong_method_answers_405_with_allow(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/users")
    assert_error(response, 405, 1025, "Method GET is not allowed on /v1/users; allowed: POST")
    assert _allowed(response.headers["allow"]) == {"POST"}


async def test_wrong_method_on_health_lists_get(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.delete("/v1/health")
    assert_error(response, 405, 1025, "Method DELETE is not allowed")
    assert "GET" in _allowed(response.headers["allow"])


async def test_wrong_method_on_user_lists_every_method_of_the_path(
    sqlite_stack: InProcessStack,
) -> None:
    response = await sqlite_stack.http.patch("/v1/users/someone", json={})
    assert_error(response, 405, 1025, "Method PATCH is not allowed on /v1/users/someone")
    assert {"GET", "PUT", "DELETE"} <= _allowed(response.headers["allow"])


@pytest.mark.parametrize("method", ["PATCH", "GET", "PUT", "DELETE", "OPTIONS"])
async def test_wrong_method_on_login_lists_only_login_methods(
    sqlite_stack: InProcessStack, method: str
) -> None:
    # The literal node shadows /v1/users/{username}: GET is not a user called "login".
    response = await sqlite_stack.http.request(method, "/v1/users/login", json={})
    assert_error(response, 405, 1025, f"Method {method} is not allowed on /v1/users/login")
    assert response.headers["allow"] == "POST"


async def test_trailing_slash_is_accepted_on_login(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login/", headers=basic("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
    )
    (entry,) = assert_ok(response)["users"]
    assert entry["token"]


async def test_trailing_slash_is_accepted_on_health(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get("/v1/health/", headers=bearer(token))
    assert assert_ok(response) == {"health": {"gateway_status": "unregistered"}}


async def test_trailing_slash_on_collection_answers_405(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/users/")
    assert_error(response, 405, 1025, "Method GET is not allowed on /v1/users")
    assert _allowed(response.headers["allow"]) == {"POST"}


# -- request bodies --------------------------------------------------------------------------


async def test_malformed_json_answers_1025(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login",
        headers={**basic("admin", "secret"), "Content-Type": "application/json"},
        content=b'{"new_password": ',
    )
    assert_error(response, 400, 1025, "Request body is not valid JSON")


async def test_malformed_json_answers_1025_on_create_user(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post(
        "/v1/users",
        headers={**bearer(token), "Content-Type": "application/json"},
        content=b"{'username': 'single-quotes'}",
    )
    assert_error(response, 400, 1025, "not valid JSON")


async def test_body_not_utf8_answers_1025(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post(
        "/v1/users",
        headers={**bearer(token), "Content-Type": "application/json"},
        content=b'{"username": "\xff\xfe", "password": "x"}',
    )
    assert_error(response, 400, 1025, "not valid JSON")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_wrong_content_type_with_body_answers_415(
    sqlite_stack: InProcessStack, content_type: str
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login",
        headers={**basic("admin", "secret"), "Content-Type": content_type},
        content=b'{"new_password": "Whatever-1"}',
    )
    assert_error(
        response, 415, 1025, f"Content-Type must be application/json, not '{content_type}'"
    )


async def test_json_content_type_with_charset_is_accepted(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login",
        headers={**basic("admin", "secret"), "Content-Type": "application/json; charset=utf-8"},
        content=b'{"new_password": "' + ADMIN_PASSWORD.encode() + b'"}',
    )
    assert assert_ok(response)["users"][0]["token"]


async def test_empty_body_with_other_content_type_is_no_body(sqlite_stack: InProcessStack) -> None:
    # curl -X POST sends a form content type without a body; that is no body, not a bad one.
    response = await sqlite_stack.http.post(
        "/v1/users/login",
        headers={**basic("admin", "secret"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 401, 1024, "Password must be changed")


@pytest.mark.parametrize("content", [b"[]", b'["new_password"]', b'"text"', b"42", b"true"])
async def test_body_not_an_object_answers_1025(
    sqlite_stack: InProcessStack, content: bytes
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login",
        headers={**basic("admin", "secret"), "Content-Type": "application/json"},
        content=content,
    )
    assert_error(response, 400, 1025, "Request body must be a JSON object")


async def test_unexpected_login_field_answers_1010(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers=basic("admin", "secret"), json={"password": "x"}
    )
    assert_error(response, 400, 1010, "Unexpected parameter: password")


async def test_non_string_new_password_answers_1009(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/users/login", headers=basic("admin", "secret"), json={"new_password": 12345678}
    )
    assert_error(response, 400, 1009, "Invalid value for new_password")


# -- size limits -----------------------------------------------------------------------------


def _padded(size: int) -> bytes:
    """An empty JSON object padded with spaces to exactly ``size`` bytes."""
    return b"{}" + b" " * (size - 2)


async def test_body_over_limit_by_content_length_answers_413(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        response = await stack.http.post(
            "/v1/users/login",
            headers={**basic("admin", "secret"), "Content-Type": "application/json"},
            content=_padded(LIMIT + 1),
        )
        assert response.request.headers["content-length"] == str(LIMIT + 1)
        assert_error(response, 413, 1025, f"larger than the limit of {LIMIT} bytes")


async def test_body_at_limit_by_content_length_is_read(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        response = await stack.http.post(
            "/v1/users/login",
            headers={**basic("admin", "secret"), "Content-Type": "application/json"},
            content=_padded(LIMIT),
        )
        assert_error(response, 401, 1024, "Password must be changed")


async def test_streamed_body_over_limit_answers_413(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        response = await stack.http.post(
            "/v1/users/login",
            headers={**basic("admin", "secret"), "Content-Type": "application/json"},
            content=_chunks(_padded(LIMIT + 1)),
        )
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert_error(response, 413, 1025, f"larger than the limit of {LIMIT} bytes")


async def test_streamed_body_at_limit_is_read(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        response = await stack.http.post(
            "/v1/users/login",
            headers={**basic("admin", "secret"), "Content-Type": "application/json"},
            content=_chunks(_padded(LIMIT)),
        )
        assert_error(response, 401, 1024, "Password must be changed")


async def test_streamed_body_over_limit_answers_413_on_create_user(
    make_stack: StackFactory,
) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        token = await stack.api.admin_token()
        body = b'{"username": "' + b"u" * LIMIT + b'", "password": "x"}'
        response = await stack.http.post(
            "/v1/users",
            headers={**bearer(token), "Content-Type": "application/json"},
            content=_chunks(body),
        )
        assert_error(response, 413, 1025, f"larger than the limit of {LIMIT} bytes")


# -- request ids -----------------------------------------------------------------------------


async def test_request_id_is_echoed_when_sent(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/health", headers={"X-Request-ID": "trace-42"})
    assert_error(response, 401, 1005, "Authorization header is missing")
    assert response.headers["x-request-id"] == "trace-42"


async def test_request_id_is_echoed_on_success(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.get(
        "/v1/health", headers={**bearer(token), "X-Request-ID": "abc-DEF_123"}
    )
    assert_ok(response)
    assert response.headers.get_list("x-request-id") == ["abc-DEF_123"]


async def test_request_id_is_generated_when_absent(sqlite_stack: InProcessStack) -> None:
    first = await sqlite_stack.http.get("/v1/nope")
    second = await sqlite_stack.http.get("/v1/nope")
    assert GENERATED_ID.match(first.headers["x-request-id"])
    assert GENERATED_ID.match(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_request_id_is_generated_when_sent_one_is_too_long(
    sqlite_stack: InProcessStack,
) -> None:
    response = await sqlite_stack.http.get("/v1/nope", headers={"X-Request-ID": "x" * 129})
    assert GENERATED_ID.match(response.headers["x-request-id"])


async def test_request_id_is_echoed_on_early_413(make_stack: StackFactory) -> None:
    async with make_stack(WA_MAX_JSON_BYTES=str(LIMIT)) as stack:
        response = await stack.http.post(
            "/v1/users",
            headers={"X-Request-ID": "big-body", "Content-Type": "application/json"},
            content=_padded(LIMIT * 2),
        )
        assert_error(response, 413, 1025, "larger than the limit")
        assert response.headers["x-request-id"] == "big-body"


# -- unexpected failures ---------------------------------------------------------------------


async def test_unexpected_exception_answers_1000_enveloped(
    sqlite_stack: InProcessStack, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals")

    sqlite_stack.app.add_api_route("/v1/explode", explode, methods=["GET"])
    with caplog.at_level(logging.ERROR, logger="waemu.webapp.middleware"):
        response = await sqlite_stack.http.get("/v1/explode", headers={"X-Request-ID": "crash-1"})
    assert_error(response, 500, 1000, "An unexpected error occurred in the webapp")
    assert response.headers["x-request-id"] == "crash-1"
    assert "secret internals" not in response.text
    assert any(record.exc_info for record in caplog.records)


async def test_unexpected_exception_generates_request_id(sqlite_stack: InProcessStack) -> None:
    async def explode() -> None:
        raise RuntimeError("boom")

    sqlite_stack.app.add_api_route("/v1/explode", explode, methods=["POST"])
    response = await sqlite_stack.http.post("/v1/explode")
    assert_error(response, 500, 1000, "unexpected error")
    assert GENERATED_ID.match(response.headers["x-request-id"])
