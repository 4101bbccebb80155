"""U+0000 in text: 400/1009 naming the field on every engine (webapp/nul.py, docs/security.md).

PostgreSQL text cannot hold U+0000 while SQLite and MariaDB store it, so these run on all three
engines: the same request must get the same answer everywhere, and a 500 nowhere.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.messaging import ready
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import PATH_VALUES, api_routes, create_user
from tests.webapp.test_stickerpacks import PACK, create_pack

CUSTOMER = "16315551001"
NUL_DETAILS = "text may not contain NUL (U+0000)"


def _refused(response: Any, field: str) -> None:
    assert_error(response, 400, 1009, f"Invalid value for {field}: {NUL_DETAILS}")


def _text(to: str, body: str = "Hello") -> dict[str, Any]:
    return {"to": to, "type": "text", "text": {"body": body}}


# -- JSON bodies ------------------------------------------------------------------------------


async def test_nul_in_json_text_answers_1009_on_every_engine(stack: InProcessStack) -> None:
    token = await ready(stack, CUSTOMER)
    admin = bearer(token)
    pack_id = await create_pack(stack, token)
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/v1/messages", _text("1631555\x001001"), "to"),
        ("POST", "/v1/messages", _text(CUSTOMER, "Hel\x00lo"), "text.body"),
        (
            "POST",
            "/v1/messages",
            {"to": CUSTOMER, "type": "sticker", "sticker": {"id": "a\x00b"}},
            "sticker.id",
        ),
        ("POST", "/v1/messages", {"to\x00": CUSTOMER, "type": "text"}, "to\\u0000"),
        (
            "POST",
            "/v1/contacts",
            {"blocking": "wait", "contacts": ["+1", "+1631\x00"]},
            "contacts.1",
        ),
        ("POST", "/v1/stickerpacks", {**PACK, "name": "Acme\x00faces"}, "name"),
        ("PATCH", f"/v1/stickerpacks/{pack_id}", {"name": "\x00"}, "name"),
        ("POST", "/v1/users", {"username": "bob\x00by", "password": "x"}, "username"),
        ("PATCH", "/v1/settings/profile/about", {"text": "\x00"}, "text"),
    ]
    for method, path, body, field in cases:
        response = await stack.http.request(method, path, json=body, headers=admin)
        _refused(response, field)
    # Nothing was stored, and the same nodes take legitimate bodies.
    found = await stack.http.get(f"/v1/stickerpacks/{pack_id}", headers=admin)
    assert assert_ok(found)["stickerpacks"][0]["name"] == PACK["name"]
    sent = await stack.http.post("/v1/messages", json=_text(CUSTOMER), headers=admin)
    assert assert_ok(sent, 201)["messages"][0]["id"]


async def test_escaped_backslash_before_u0000_is_plain_text(stack: InProcessStack) -> None:
    # The raw body holds the bytes \u0000, but as an escaped backslash and "u0000": no NUL.
    token = await ready(stack, CUSTOMER)
    admin = bearer(token)
    body = b'{"to": "16315551001", "type": "text", "text": {"body": "C:\\\\u0000"}}'
    response = await stack.http.post(
        "/v1/messages", content=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert assert_ok(response, 201)["messages"][0]["id"]
    pack = {**PACK, "name": "back\\u0000slash"}
    pack_id = await create_pack(stack, token, pack)
    found = await stack.http.get(f"/v1/stickerpacks/{pack_id}", headers=admin)
    assert assert_ok(found)["stickerpacks"][0]["name"] == "back\\u0000slash"


# -- path and query parameters ----------------------------------------------------------------


def _parameterised(stack: InProcessStack) -> list[tuple[str, str, str]]:
    """``(method, template, parameter)`` for each path parameter of each route of the API
    (FastAPI's own documentation pages left out)."""
    return [
        (method, template, name)
        for method, template in api_routes(stack.app)
        if not template.startswith("/docs")
        for name in re.findall(r"{(\w+)}", template)
    ]


async def test_nul_in_every_path_parameter_answers_1009(stack: InProcessStack) -> None:
    admin = bearer(await stack.api.admin_token())
    cases = _parameterised(stack)
    assert len(cases) >= 15  # messages, media, users, providers, contacts, stickerpacks…
    for method, template, name in cases:
        url = template.format(**{**PATH_VALUES, name: "ab%00cd"})
        if name == "photo_file":
            url = template.format(photo_file="ab%00cd.jpg")
        response = await stack.http.request(method, url, json={"status": "read"}, headers=admin)
        _refused(response, name)


async def test_nul_in_query_parameter_answers_1009(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    admin = bearer(token)
    pack_id = await create_pack(stack, token)
    for url, field in [
        ("/v1/stickerpacks?namespace=%00", "namespace"),
        (f"/v1/stickerpacks/{pack_id}?namespace=x%00y", "namespace"),
        (f"/v1/stickerpacks/{pack_id}/stickers?other=1&namespace=%00", "namespace"),
        ("/v1/stats/db?format=json%00", "format"),
        ("/v1/health?x%00y=1", "x\\u0000y"),
    ]:
        _refused(await stack.http.get(url, headers=admin), field)
    # "%2500" is the three characters %00, not a NUL.
    literal = await stack.http.get("/v1/stickerpacks?namespace=%2500", headers=admin)
    assert NUL_DETAILS not in literal.text


# -- authentication first ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("PUT", "/v1/messages/%00"), ("GET", "/v1/stickerpacks/%00"), ("POST", "/v1/messages")],
)
async def test_nul_is_checked_after_authentication(
    sqlite_stack: InProcessStack, method: str, url: str
) -> None:
    body = _text("\x00")
    response = await sqlite_stack.http.request(method, url, json=body)
    assert_error(response, 401, 1005, "Authorization header is missing")
    token = await create_user(sqlite_stack, "plainuser")
    await sqlite_stack.http.post("/v1/users/logout", headers=bearer(token))
    response = await sqlite_stack.http.request(method, url, json=body, headers=bearer(token))
    assert_error(response, 401, 1005, "revoked")
