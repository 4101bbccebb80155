"""``/v1/settings/application/media/providers`` (spec §9.3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core

PATH = "/v1/settings/application/media/providers"
BASIC = {
    "name": "your-first-provider",
    "type": "www",
    "config": {"basic": {"username": "your-username", "password": "your-password"}},
}
BEARER = {"name": "your-second-provider", "type": "www", "config": {"bearer": "your-token"}}


async def providers(stack: InProcessStack, token: str) -> list[dict[str, Any]]:
    """The providers GET lists."""
    body = assert_ok(await stack.http.get(PATH, headers=bearer(token)))
    found: list[dict[str, Any]] = body["settings"]["application"]["media"]["providers"]
    assert body == {"settings": {"application": {"media": {"providers": found}}}}
    return found


async def post(stack: InProcessStack, token: str, data: object) -> Any:
    """POST a body."""
    return await stack.http.post(PATH, json=data, headers=bearer(token))


async def test_no_providers_at_first(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert await providers(sqlite_stack, token) == []


async def test_providers_are_listed_as_set_and_survive_a_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert assert_ok(await post(stack, token, [BASIC])) == {}
    assert_ok(await post(stack, token, [BEARER]))
    # The official page shows GET returning the credentials as they were set.
    assert await providers(stack, token) == [BASIC, BEARER]
    await restart_core(stack)
    assert await providers(stack, token) == [BASIC, BEARER]


async def test_same_name_overwrites_in_place(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await post(stack, token, [BASIC]))
    assert_ok(await post(stack, token, [BEARER]))
    replaced = {**BASIC, "config": {"bearer": "new-token"}}
    assert_ok(await post(stack, token, [replaced]))
    assert await providers(stack, token) == [replaced, BEARER]
    await restart_core(stack)
    assert await providers(stack, token) == [replaced, BEARER]


async def test_names_are_case_sensitive_on_every_engine(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    upper = {**BEARER, "name": "Images"}
    lower = {**BEARER, "name": "images", "config": {"bearer": "other"}}
    assert_ok(await post(stack, token, [upper]))
    assert_ok(await post(stack, token, [lower]))
    assert await providers(stack, token) == [upper, lower]
    assert_ok(await stack.http.delete(f"{PATH}/images", headers=bearer(token)))
    await restart_core(stack)
    assert await providers(stack, token) == [upper]


async def test_delete_removes_the_provider(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await post(stack, token, [BASIC]))
    assert_ok(await post(stack, token, [BEARER]))
    response = await stack.http.delete(f"{PATH}/your-first-provider", headers=bearer(token))
    assert assert_ok(response) == {}
    assert await providers(stack, token) == [BEARER]
    await restart_core(stack)
    assert await providers(stack, token) == [BEARER]


async def test_delete_unknown_provider_is_not_found(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.delete(f"{PATH}/nobody", headers=bearer(token))
    assert_error(response, 404, 1006, "Media provider 'nobody' not found")


INVALID: list[tuple[object, int, int, str]] = [
    (BASIC, 400, 1025, "JSON array"),
    ([], 400, 1009, "set exactly one provider per request"),
    ([BASIC, BEARER], 400, 1009, "set exactly one provider per request"),
    (["www"], 400, 1009, "0: Input should be a valid dictionary"),
    ([{"type": "www", "config": {"bearer": "t"}}], 400, 1008, "0.name"),
    ([{**BEARER, "name": "my provider"}], 400, 1009, "0.name: only letters, digits"),
    ([{**BEARER, "name": "p" * 201}], 400, 1009, "0.name: must be at most 200"),
    ([{**BEARER, "name": ""}], 400, 1009, "0.name: must not be empty"),
    ([{**BEARER, "type": "s3"}], 400, 1009, "0.type: must be one of www"),
    ([{"name": "p", "type": "www"}], 400, 1008, "0.config"),
    ([{**BEARER, "config": {}}], 400, 1008, "0.config.basic or 0.config.bearer"),
    (
        [{**BEARER, "config": {"bearer": "t", "basic": {"username": "u", "password": "p"}}}],
        400,
        1009,
        "0.config: set either basic or bearer, not both",
    ),
    ([{**BEARER, "config": {"bearer": ""}}], 400, 1009, "0.config.bearer: must not be empty"),
    ([{**BEARER, "config": {"bearer": 42}}], 400, 1009, "0.config.bearer"),
    ([{**BEARER, "config": {"basic": {"username": "u"}}}], 400, 1008, "0.config.basic.password"),
    ([{**BEARER, "config": {"oauth": "x"}}], 400, 1010, "0.config.oauth"),
    ([{**BEARER, "url": "https://cdn.example.com"}], 400, 1010, "0.url"),
]


@pytest.mark.parametrize(
    ("data", "status", "code", "details"), INVALID, ids=[d for *_, d in INVALID]
)
async def test_invalid_provider_is_refused(
    sqlite_stack: InProcessStack, data: object, status: int, code: int, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_error(await post(sqlite_stack, token, data), status, code, details)
    assert await providers(sqlite_stack, token) == []


async def test_post_without_body_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.post(PATH, headers=bearer(token))
    assert_error(response, 400, 1008, "Request body is required")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", PATH), ("POST", PATH), ("DELETE", f"{PATH}/p")]
)
async def test_non_admin_is_refused_before_the_body_is_read(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.request(
        method, path, content=b"[{", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert_error(response, 403, 1005, "admin")


async def test_postman_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    requests = requests_for(PATH, f"{PATH}/my-provider")
    assert set(requests) == {
        "Get-Media-Providers",
        "Update-Media-Providers",
        "Delete-Media-Providers",
    }
    token = await sqlite_stack.api.admin_token()
    assert_ok(await send(sqlite_stack, requests["Update-Media-Providers"], token))
    got = assert_ok(await send(sqlite_stack, requests["Get-Media-Providers"], token))
    assert got["settings"]["application"]["media"]["providers"] == [
        {"name": "my-provider", "type": "www", "config": {"bearer": "bearer-token-123"}}
    ]
    assert_ok(await send(sqlite_stack, requests["Delete-Media-Providers"], token))
    assert await providers(sqlite_stack, token) == []
