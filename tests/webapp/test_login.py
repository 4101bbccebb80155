"""``POST /v1/users/login`` and ``/logout`` (spec §3.3, §3.4), on every engine."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.stacks import ADMIN_PASSWORD, InProcessStack, basic, bearer
from tests.webapp.assertions import assert_error


async def test_first_admin_login_without_new_password_is_refused(stack: InProcessStack) -> None:
    response = await stack.http.post("/v1/users/login", headers=basic("admin", "secret"))
    assert_error(response, 401, 1024, "Password must be changed")


async def test_first_admin_login_with_new_password_returns_token(stack: InProcessStack) -> None:
    response = await stack.http.post(
        "/v1/users/login",
        headers=basic("admin", "secret"),
        json={"new_password": ADMIN_PASSWORD},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"api_status": "stable", "version": "v2.53.2"}
    (entry,) = body["users"]
    expires = datetime.strptime(entry["expires_after"], "%Y-%m-%d %H:%M:%S+00:00")
    issued = stack.clock.now().replace(tzinfo=None, microsecond=0)
    assert expires - issued == timedelta(days=7)
    # The old password no longer works, the new one does without new_password.
    old = await stack.http.post("/v1/users/login", headers=basic("admin", "secret"))
    assert_error(old, 401, 1005, "Invalid username or password")
    assert await stack.api.login("admin", ADMIN_PASSWORD)


async def test_weak_new_password_is_refused_and_changes_nothing(stack: InProcessStack) -> None:
    response = await stack.http.post(
        "/v1/users/login", headers=basic("admin", "secret"), json={"new_password": "short"}
    )
    assert_error(response, 400, 1009, "complexity requirements")
    again = await stack.http.post("/v1/users/login", headers=basic("admin", "secret"))
    assert_error(again, 401, 1024, "Password must be changed")


async def test_logout_revokes_only_that_token(stack: InProcessStack) -> None:
    first = await stack.api.admin_token()
    second = await stack.api.login("admin", ADMIN_PASSWORD)
    response = await stack.http.post("/v1/users/logout", headers=bearer(first))
    assert response.status_code == 200
    assert response.json() == {"meta": {"api_status": "stable", "version": "v2.53.2"}}
    revoked = await stack.http.get("/v1/health", headers=bearer(first))
    assert_error(revoked, 401, 1005, "revoked")
    still = await stack.http.get("/v1/health", headers=bearer(second))
    assert still.status_code == 200


async def test_token_expires_after_seven_days(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    stack.clock.advance(7 * 24 * 3600 - 1)
    assert (await stack.http.get("/v1/health", headers=bearer(token))).status_code == 200
    stack.clock.advance(1)
    assert_error(await stack.http.get("/v1/health", headers=bearer(token)), 401, 1005, "expired")
