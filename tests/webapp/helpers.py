"""Steps the webapp tests share: creating users and forging tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jwt
from fastapi import FastAPI

from tests.stacks import USER_PASSWORD, InProcessStack, bearer

StackFactory = Callable[..., InProcessStack]
"""Starts an in-process stack with extra environment variables (the ``make_stack`` fixture)."""


async def create_user(stack: InProcessStack, username: str, password: str = USER_PASSWORD) -> str:
    """Create ``username`` as admin and return a token of the new user."""
    admin = await stack.api.admin_token()
    response = await stack.http.post(
        "/v1/users", json={"username": username, "password": password}, headers=bearer(admin)
    )
    assert response.status_code == 201, response.text
    return await stack.api.login(username, password)


async def signing_key(stack: InProcessStack) -> str:
    """The key the webapp signs tokens with (generated and kept by the coreapp)."""
    key: str = await stack.app.state.services.tokens.keys.get()
    return key


# Valid values for every path parameter of the API (the username is not the caller's own).
PATH_VALUES = {
    "username": "someone-else",
    "message_id": "gBGGFlB5YjhvAgnhuF1qIUvCo7A",
    "media_id": "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68",
    "wa_id": "16315551234",
    "name": "provider",
    "pack_id": "4316843a-874b-4530-86a2-1ab55c53cd3f",
    "index": "0",
    "photo_file": "abc.jpg",
}


def claims_of(token: str) -> dict[str, Any]:
    """The claims of ``token``, unverified (to build forged variants of a real token)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    """A token with ``claims`` signed with ``key``."""
    return jwt.encode(claims, key, algorithm)


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """``(method, path template)`` of every route of ``app``, walked from ``app.routes``
    (FastAPI nests included routers: their routes come from ``effective_route_contexts``)."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            contexts = getattr(route, "effective_route_contexts", None)
            if contexts is not None:
                yield from contexts()
            elif hasattr(route, "dependant"):
                yield route

    return sorted({(m, r.path) for r in flat(app.routes) for m in r.methods if m != "HEAD"})
