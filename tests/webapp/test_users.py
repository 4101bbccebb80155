"""``/v1/users``: create, read, change password, delete, and who may do each (spec §3.5–3.8).

Whatever reads or writes users runs on every engine; refusals decided by the webapp before
the coreapp is asked (403 before the body, body schema errors) run on SQLite only.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.stacks import ADMIN_PASSWORD, USER_PASSWORD, InProcessStack, basic, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user

NEW_PASSWORD = "N3w-Passw0rd!"


async def _admin(stack: InProcessStack) -> dict[str, str]:
    return bearer(await stack.api.admin_token())


# -- create ----------------------------------------------------------------------------------


async def test_create_user_answers_201_with_username(stack: InProcessStack) -> None:
    response = await stack.http.post(
        "/v1/users",
        json={"username": "alice", "password": USER_PASSWORD},
        headers=await _admin(stack),
    )
    assert assert_ok(response, 201) == {"users": [{"username": "alice"}]}
    assert await stack.api.login("alice", USER_PASSWORD)


async def test_create_user_answers_1014_when_name_exists(stack: InProcessStack) -> None:
    await create_user(stack, "alice")
    response = await stack.http.post(
        "/v1/users",
        json={"username": "alice", "password": NEW_PASSWORD},
        headers=await _admin(stack),
    )
    assert_error(response, 500, 1014, "Unable to create user. Already exist?")
    # The first user keeps its password.
    assert await stack.api.login("alice", USER_PASSWORD)


async def test_create_user_answers_1014_for_admin_name(stack: InProcessStack) -> None:
    response = await stack.http.post(
        "/v1/users",
        json={"username": "admin", "password": NEW_PASSWORD},
        headers=await _admin(stack),
    )
    assert_error(response, 500, 1014, "Unable to create user. Already exist?")


async def test_create_user_answers_1014_when_created_concurrently(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    body = {"username": "racer", "password": USER_PASSWORD}
    responses = await asyncio.gather(
        *(stack.http.post("/v1/users", json=body, headers=admin) for _ in range(4))
    )
    created = [r for r in responses if r.status_code == 201]
    assert len(created) == 1
    for response in responses:
        if response is not created[0]:
            assert_error(response, 500, 1014, "Unable to create user. Already exist?")


async def test_create_user_answers_403_for_non_admin(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    response = await stack.http.post(
        "/v1/users", json={"username": "bobby", "password": USER_PASSWORD}, headers=bearer(token)
    )
    assert_error(response, 403, 1005, "requires an admin user")
    assert_error(
        await stack.http.post("/v1/users/login", headers=basic("bobby", USER_PASSWORD)),
        401,
        1005,
        "Invalid username or password",
    )


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b"{}", b'{"username": 7}', b'{"username": "bob", "role": "x"}', b""],
)
async def test_create_user_answers_403_before_body_for_non_admin(
    sqlite_stack: InProcessStack, content: bytes
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.post(
        "/v1/users",
        content=content,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert_error(response, 403, 1005, "requires an admin user")


# -- read ------------------------------------------------------------------------------------


async def test_get_user_answers_roles_for_self(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    response = await stack.http.get("/v1/users/alice", headers=bearer(token))
    assert assert_ok(response) == {"users": [{"ROLES": "ROLE_USER", "username": "alice"}]}


async def test_get_user_answers_any_user_for_admin(stack: InProcessStack) -> None:
    await create_user(stack, "alice")
    admin = await _admin(stack)
    response = await stack.http.get("/v1/users/alice", headers=admin)
    assert assert_ok(response) == {"users": [{"ROLES": "ROLE_USER", "username": "alice"}]}
    itself = await stack.http.get("/v1/users/admin", headers=admin)
    assert assert_ok(itself) == {"users": [{"ROLES": "ROLE_ADMIN", "username": "admin"}]}


async def test_get_user_answers_403_for_other_user(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    await create_user(stack, "bobby")
    for name in ("bobby", "admin"):
        response = await stack.http.get(f"/v1/users/{name}", headers=bearer(token))
        assert_error(response, 403, 1005, "Only the admin user or the user itself")


async def test_get_user_answers_403_not_404_for_unknown_name_as_user(
    stack: InProcessStack,
) -> None:
    # A non-admin learns nothing about which names exist.
    token = await create_user(stack, "alice")
    response = await stack.http.get("/v1/users/nobody", headers=bearer(token))
    assert_error(response, 403, 1005, "Only the admin user or the user itself")


async def test_get_user_answers_404_for_unknown_name(stack: InProcessStack) -> None:
    response = await stack.http.get("/v1/users/nobody", headers=await _admin(stack))
    assert_error(response, 404, 1006, "User 'nobody' not found")


# -- change password -------------------------------------------------------------------------


async def test_update_user_by_admin_changes_password_and_keeps_tokens(
    stack: InProcessStack,
) -> None:
    old_token = await create_user(stack, "alice")
    response = await stack.http.put(
        "/v1/users/alice", json={"password": NEW_PASSWORD}, headers=await _admin(stack)
    )
    assert assert_ok(response) == {"users": [{"username": "alice"}]}
    assert_ok(await stack.http.get("/v1/users/alice", headers=bearer(old_token)))
    old = await stack.http.post("/v1/users/login", headers=basic("alice", USER_PASSWORD))
    assert_error(old, 401, 1005, "Invalid username or password")
    assert await stack.api.login("alice", NEW_PASSWORD)


async def test_update_user_by_self_changes_password_and_keeps_tokens(
    stack: InProcessStack,
) -> None:
    token = await create_user(stack, "alice")
    response = await stack.http.put(
        "/v1/users/alice", json={"password": NEW_PASSWORD}, headers=bearer(token)
    )
    assert assert_ok(response) == {"users": [{"username": "alice"}]}
    assert_ok(await stack.http.get("/v1/users/alice", headers=bearer(token)))
    old = await stack.http.post("/v1/users/login", headers=basic("alice", USER_PASSWORD))
    assert_error(old, 401, 1005, "Invalid username or password")
    assert await stack.api.login("alice", NEW_PASSWORD)


async def test_update_admin_by_admin_changes_password(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    response = await stack.http.put(
        "/v1/users/admin", json={"password": NEW_PASSWORD}, headers=admin
    )
    assert assert_ok(response) == {"users": [{"username": "admin"}]}
    assert_ok(await stack.http.get("/v1/users/admin", headers=admin))
    old = await stack.http.post("/v1/users/login", headers=basic("admin", ADMIN_PASSWORD))
    assert_error(old, 401, 1005, "Invalid username or password")
    assert await stack.api.login("admin", NEW_PASSWORD)


async def test_update_user_answers_403_for_other_user(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    await create_user(stack, "bobby")
    for name in ("bobby", "admin"):
        response = await stack.http.put(
            f"/v1/users/{name}", json={"password": NEW_PASSWORD}, headers=bearer(token)
        )
        assert_error(response, 403, 1005, "Only the admin user or the user itself")
    assert await stack.api.login("bobby", USER_PASSWORD)


@pytest.mark.parametrize("content", [b"{not json", b"{}", b'{"password": "weak"}', b""])
async def test_update_user_answers_403_before_body_for_other_user(
    sqlite_stack: InProcessStack, content: bytes
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.put(
        "/v1/users/admin",
        content=content,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert_error(response, 403, 1005, "Only the admin user or the user itself")


async def test_update_user_answers_404_for_unknown_name(stack: InProcessStack) -> None:
    response = await stack.http.put(
        "/v1/users/nobody", json={"password": NEW_PASSWORD}, headers=await _admin(stack)
    )
    assert_error(response, 404, 1006, "User 'nobody' not found")


async def test_update_user_answers_1009_for_weak_password(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    response = await stack.http.put(
        "/v1/users/alice", json={"password": "alllowercase1!"}, headers=bearer(token)
    )
    assert_error(response, 400, 1009, "complexity requirements")
    assert await stack.api.login("alice", USER_PASSWORD)


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: password"),
        ({"password": NEW_PASSWORD, "username": "x"}, 1010, "Unexpected parameter: username"),
        ({"password": 12345678}, 1009, "Invalid value for password"),
    ],
)
async def test_update_user_answers_body_errors(
    sqlite_stack: InProcessStack, body: dict[str, object], code: int, details: str
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.put("/v1/users/alice", json=body, headers=bearer(token))
    assert_error(response, 400, code, details)


# -- delete ----------------------------------------------------------------------------------


async def test_delete_user_answers_200_and_ends_tokens(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    admin = await _admin(stack)
    response = await stack.http.delete("/v1/users/alice", headers=admin)
    assert assert_ok(response) == {"users": [{"username": "alice"}]}
    assert_error(
        await stack.http.get("/v1/health", headers=bearer(token)), 401, 1005, "no longer exists"
    )
    assert_error(
        await stack.http.post("/v1/users/login", headers=basic("alice", USER_PASSWORD)),
        401,
        1005,
        "Invalid username or password",
    )
    assert_error(await stack.http.get("/v1/users/alice", headers=admin), 404, 1006, "not found")


async def test_delete_user_answers_403_for_admin(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    response = await stack.http.delete("/v1/users/admin", headers=admin)
    assert_error(response, 403, 1005, "The admin user cannot be deleted")
    assert_ok(await stack.http.get("/v1/users/admin", headers=admin))


async def test_delete_user_answers_404_for_unknown_name(stack: InProcessStack) -> None:
    response = await stack.http.delete("/v1/users/nobody", headers=await _admin(stack))
    assert_error(response, 404, 1006, "User 'nobody' not found")


async def test_delete_user_answers_403_for_non_admin(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    await create_user(stack, "bobby")
    for name in ("bobby", "alice", "admin"):
        response = await stack.http.delete(f"/v1/users/{name}", headers=bearer(token))
        assert_error(response, 403, 1005, "requires an admin user")
    assert await stack.api.login("bobby", USER_PASSWORD)


async def test_delete_user_answers_404_to_concurrent_repeats(stack: InProcessStack) -> None:
    await create_user(stack, "alice")
    admin = await _admin(stack)
    responses = await asyncio.gather(
        *(stack.http.delete("/v1/users/alice", headers=admin) for _ in range(3))
    )
    deleted = [r for r in responses if r.status_code == 200]
    assert len(deleted) == 1
    for response in responses:
        if response is not deleted[0]:
            assert_error(response, 404, 1006, "User 'alice' not found")


async def test_deleted_user_can_be_created_again(stack: InProcessStack) -> None:
    await create_user(stack, "alice")
    admin = await _admin(stack)
    assert_ok(await stack.http.delete("/v1/users/alice", headers=admin))
    token = await create_user(stack, "alice", NEW_PASSWORD)
    response = await stack.http.get("/v1/users/alice", headers=bearer(token))
    assert assert_ok(response) == {"users": [{"ROLES": "ROLE_USER", "username": "alice"}]}


# -- what a user may do ----------------------------------------------------------------------


async def test_health_answers_gateway_status_for_user(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    response = await stack.http.get("/v1/health", headers=bearer(token))
    assert assert_ok(response) == {"health": {"gateway_status": "unregistered"}}


async def test_logout_answers_meta_for_user(stack: InProcessStack) -> None:
    token = await create_user(stack, "alice")
    assert assert_ok(await stack.http.post("/v1/users/logout", headers=bearer(token))) == {}
    assert_error(
        await stack.http.get("/v1/users/alice", headers=bearer(token)), 401, 1005, "revoked"
    )
