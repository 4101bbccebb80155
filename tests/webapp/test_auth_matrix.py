"""Authentication before anything else, on every route of the app (spec §2.2, §4).

For each route walked from ``app.routes``: no token, a garbage token, a revoked token and a
deleted user's token all answer 401 in the envelope, even with a body, path and query
parameters that the route would refuse; a valid non-admin token answers 403 on the admin
nodes before anything is validated. Revocation and deletion are persisted, so this runs on
every engine. ``OPTIONS`` names exactly the methods of the path asked (RFC 9110 §15.5.6).
"""

from __future__ import annotations

import httpx
import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.helpers import api_routes, create_user
from tests.webapp.test_route_table import SPEC_ADMIN_NODES

# Values the routes refuse where they check them (wa_id and index are digits only).
PATH_VALUES = {
    "username": "someone-else",
    "message_id": "gBGGFlB5YjhvAgnhuF1qIUvCo7A",
    "media_id": "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68",
    "wa_id": "not-digits",
    "name": "provider",
    "pack_id": "4316843a-874b-4530-86a2-1ab55c53cd3f",
    "index": "not-an-index",
}
QUERY = "?format=bogus"  # stats and metrics refuse it with 400/1009
BAD_BODY = b'{"password": 1, "unexpected": true}'  # every JSON route refuses it with 400
# The admin nodes of spec §4 plus the compliance info, admin-only here as the profile is.
ADMIN_NODES = {
    *SPEC_ADMIN_NODES,
    ("GET", "/v1/settings/business/compliance_info"),
    ("POST", "/v1/settings/business/compliance_info"),
}


def _credentialed(stack: InProcessStack) -> list[tuple[str, str]]:
    """Every route that needs credentials: all of ``/v1`` but login, and ``/metrics``."""
    return [
        (method, path)
        for method, path in api_routes(stack.app)
        if (path.startswith("/v1/") or path == "/metrics") and path != "/v1/users/login"
    ]


async def _request(
    stack: InProcessStack, method: str, template: str, headers: dict[str, str]
) -> httpx.Response:
    url = template.format(**PATH_VALUES) + QUERY
    headers = {**headers, "Content-Type": "application/json"}
    return await stack.http.request(method, url, content=BAD_BODY, headers=headers)


async def _revoked_admin_token(stack: InProcessStack) -> str:
    token = await stack.api.admin_token()
    response = await stack.http.post("/v1/users/logout", headers=bearer(token))
    assert response.status_code == 200, response.text
    return token


async def _deleted_user_token(stack: InProcessStack) -> str:
    token = await create_user(stack, "goneuser")
    admin = bearer(await stack.api.admin_token())
    response = await stack.http.delete("/v1/users/goneuser", headers=admin)
    assert response.status_code == 200, response.text
    return token


async def test_every_route_answers_401_before_anything_else(stack: InProcessStack) -> None:
    routes = _credentialed(stack)
    assert len(routes) >= 60
    credentials = {
        "missing": ({}, "Authorization header is missing"),
        "garbage": (bearer("garbage.token.value"), "Invalid token"),
        "revoked": (bearer(await _revoked_admin_token(stack)), "revoked"),
        "deleted user": (bearer(await _deleted_user_token(stack)), "no longer exists"),
    }
    for kind, (headers, details) in credentials.items():
        for method, template in routes:
            response = await _request(stack, method, template, headers)
            try:
                assert_error(response, 401, 1005, details)
            except AssertionError as exc:
                raise AssertionError(f"{kind} token on {method} {template}: {exc}") from None


async def test_non_admin_token_answers_403_on_admin_routes_only(stack: InProcessStack) -> None:
    token = bearer(await create_user(stack, "plainuser"))
    for method, template in _credentialed(stack):
        if template == "/v1/users/logout":
            continue  # it would end the token for the routes after it
        response = await _request(stack, method, template, token)
        where = f"{method} {template}: {response.text}"
        if (method, template) in ADMIN_NODES:
            assert response.status_code == 403, where
            assert response.json()["errors"][0]["code"] == 1005, where
        else:
            assert response.status_code not in (401, 403), where


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/v1/users/login", "POST"),
        ("/v1/users/logout", "POST"),
        ("/v1/users/alice", "GET, PUT, DELETE"),
        ("/v1/users", "POST"),
    ],
)
async def test_options_allow_lists_the_methods_of_the_path_asked(
    sqlite_stack: InProcessStack, url: str, allowed: str
) -> None:
    response = await sqlite_stack.http.options(url)
    assert_error(response, 405, 1025, f"Method OPTIONS is not allowed on {url}")
    assert response.headers["allow"] == allowed
