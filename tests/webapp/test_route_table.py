"""Every route of the webapp, walked from its route table: credentials and roles (spec §2.2, §4).

The table is read from ``create_app(...).routes``, so a route added later is checked without
editing this file: with no ``Authorization`` header every ``/v1`` node except login (and
``/metrics``) answers 401 in the envelope; a user token on each admin node of the spec's §4
inventory answers 403 before the body is read; ``Apikey`` opens only the nodes of spec §2.2;
a method the path does not serve answers 405.
Engine-independent (the webapp refuses before the coreapp is asked), so SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error
from tests.webapp.helpers import PATH_VALUES, StackFactory, create_user
from waemu.settings import Settings
from waemu.webapp.app import create_app

# Spec §4: the nodes whose Auth column says "admin" (GET /v1/users/{username} is "admin
# (self: [R])": another user's name is refused like an admin node).
SPEC_ADMIN_NODES = [
    ("POST", "/v1/users"),
    ("GET", "/v1/users/{username}"),
    ("PUT", "/v1/users/{username}"),
    ("DELETE", "/v1/users/{username}"),
    ("POST", "/v1/account"),
    ("POST", "/v1/account/verify"),
    ("POST", "/v1/account/shards"),
    ("GET", "/v1/account/shards"),
    ("POST", "/v1/settings/account/two-step"),
    ("DELETE", "/v1/settings/account/two-step"),
    ("GET", "/v1/settings/application"),
    ("PATCH", "/v1/settings/application"),
    ("DELETE", "/v1/settings/application"),
    ("GET", "/v1/settings/application/media/providers"),
    ("POST", "/v1/settings/application/media/providers"),
    ("DELETE", "/v1/settings/application/media/providers/{name}"),
    ("GET", "/v1/settings/profile/about"),
    ("PATCH", "/v1/settings/profile/about"),
    ("GET", "/v1/settings/profile/photo"),
    ("POST", "/v1/settings/profile/photo"),
    ("DELETE", "/v1/settings/profile/photo"),
    ("GET", "/v1/settings/business/profile"),
    ("POST", "/v1/settings/business/profile"),
    ("POST", "/v1/settings/backup"),
    ("POST", "/v1/settings/restore"),
    ("PUT", "/v1/services/message/gc"),
    ("PUT", "/v1/services/media/gc"),
    ("POST", "/v1/certificates/external"),
    ("GET", "/v1/certificates/webhooks/ca"),
    ("POST", "/v1/certificates/webhooks/ca"),
    ("DELETE", "/v1/certificates/webhooks/ca"),
    ("POST", "/v1/stickerpacks"),
    ("PATCH", "/v1/stickerpacks/{pack_id}"),
    ("DELETE", "/v1/stickerpacks/{pack_id}"),
    ("POST", "/v1/stickerpacks/{pack_id}/stickers"),
    ("PATCH", "/v1/stickerpacks/{pack_id}/stickers/{index}"),
    ("DELETE", "/v1/stickerpacks/{pack_id}/stickers/{index}"),
]
PUBLIC_PATHS = {"/v1/users/login"}
# Spec §2.2: the nodes that also take ``Authorization: Apikey <WA_API_KEY>`` (the /internal
# stats variants and the /v1/metrics alias are the emulator's, with the same rule).
APIKEY_PATHS = {
    "/v1/health",
    "/metrics",
    "/v1/metrics",
    "/v1/stats/app",
    "/v1/stats/app/internal",
    "/v1/stats/db",
    "/v1/stats/db/internal",
}
API_KEY = "route-table-api-key-0123"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _route_table() -> list[tuple[str, str]]:
    """``(method, path template)`` of every API route of a freshly built webapp."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            contexts = getattr(route, "effective_route_contexts", None)  # included routers
            if contexts is not None:
                yield from contexts()
            elif hasattr(route, "dependant"):
                yield route

    app = create_app(Settings.from_env({}))
    return sorted({(m, r.path) for r in flat(app.routes) for m in r.methods if m != "HEAD"})


ROUTES = _route_table()
CREDENTIALED = [
    (method, path)
    for method, path in ROUTES
    if (path.startswith("/v1/") or path == "/metrics") and path not in PUBLIC_PATHS
]


def _url(template: str) -> str:
    return template.format(**PATH_VALUES)


def _id(case: tuple[str, str]) -> str:
    return f"{case[0]} {case[1]}"


def test_the_table_holds_every_node_of_the_spec_inventory() -> None:
    missing = [node for node in SPEC_ADMIN_NODES if node not in ROUTES]
    assert missing == []
    assert len(CREDENTIALED) >= 60  # the walk found the routes of every router


@pytest.mark.parametrize("route", CREDENTIALED, ids=_id)
async def test_no_credentials_answer_401(
    sqlite_stack: InProcessStack, route: tuple[str, str]
) -> None:
    method, template = route
    response = await sqlite_stack.http.request(method, _url(template), json={})
    assert_error(response, 401, 1005, "Authorization header is missing")


@pytest.mark.parametrize("route", SPEC_ADMIN_NODES, ids=_id)
async def test_user_token_on_admin_node_answers_403(
    sqlite_stack: InProcessStack, route: tuple[str, str]
) -> None:
    token = await create_user(sqlite_stack, "plainuser")
    method, template = route
    # A body every admin node would refuse if it read it: 403 shows the role came first.
    response = await sqlite_stack.http.request(
        method, _url(template), content=b'{"password": 1}', headers=bearer(token)
    )
    assert_error(response, 403, 1005, "")


@pytest.mark.parametrize("route", CREDENTIALED, ids=_id)
async def test_api_key_only_where_the_spec_takes_it(
    make_stack: StackFactory, route: tuple[str, str]
) -> None:
    method, template = route
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        key = {"Authorization": f"Apikey {API_KEY}"}
        response = await stack.http.request(method, _url(template), json={}, headers=key)
    if template in APIKEY_PATHS:
        assert response.status_code == 200, response.text
        assert "meta" in response.json()
    else:
        assert_error(response, 401, 1005, "Bearer token required")


@pytest.mark.parametrize("path", sorted({path for _m, path in CREDENTIALED}))
async def test_unserved_method_answers_405(sqlite_stack: InProcessStack, path: str) -> None:
    url = _url(path)
    # /v1/users/logout also matches {username}, but a literal path shadows the template: the
    # methods are those of the path's own routes.
    served = {method for method, template in ROUTES if template == path}
    unserved = [m for m in METHODS if m not in served]
    response = await sqlite_stack.http.request(unserved[0], url, json={})
    assert_error(response, 405, 1025, f"Method {unserved[0]} is not allowed on {url}")
    assert set(response.headers["allow"].split(", ")) == served
