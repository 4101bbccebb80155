"""The login throttle: repeated failures lock a username out for the client address they came
from (docs/security.md).

The throttle lives in the coreapp's memory, not the database, so SQLite is enough; time moves
only through the stack's ManualClock.
"""

from __future__ import annotations

import httpx
import pytest

from tests.stacks import ADMIN_PASSWORD, USER_PASSWORD, InProcessStack, basic
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory, create_user
from waemu.coreapp.services.users import LoginThrottle

MAX_FAILURES = 3
LOCKOUT = 60
THROTTLED = {"WA_LOGIN_MAX_FAILURES": str(MAX_FAILURES), "WA_LOGIN_LOCKOUT_SECONDS": str(LOCKOUT)}


async def _login(stack: InProcessStack, password: str, username: str = "alice") -> httpx.Response:
    return await stack.http.post("/v1/users/login", headers=basic(username, password))


async def _fail(stack: InProcessStack, times: int, username: str = "alice") -> None:
    for _ in range(times):
        response = await _login(stack, "Wr0ng-Passw0rd!", username)
        assert_error(response, 401, 1005, "Invalid username or password")


def _assert_locked(response: httpx.Response, seconds: int) -> None:
    assert_error(response, 429, 1015, f"retry in {seconds} seconds")
    assert "Too many failed login attempts for this user" in response.json()["errors"][0]["details"]


async def test_login_answers_429_after_max_failures_even_with_right_password(
    make_stack: StackFactory,
) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES)
        _assert_locked(await _login(stack, USER_PASSWORD), LOCKOUT)
        _assert_locked(await _login(stack, "Wr0ng-Passw0rd!"), LOCKOUT)


async def test_login_succeeds_when_lock_has_passed(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES)
        stack.clock.advance(LOCKOUT - 1)
        _assert_locked(await _login(stack, USER_PASSWORD), 1)
        stack.clock.advance(1)
        assert assert_ok(await _login(stack, USER_PASSWORD))["users"][0]["token"]


async def test_login_lock_never_reports_zero_seconds_left(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES)
        stack.clock.advance(LOCKOUT - 0.4)
        _assert_locked(await _login(stack, USER_PASSWORD), 1)


async def test_login_below_max_failures_is_not_locked(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES - 1)
        assert_ok(await _login(stack, USER_PASSWORD))


async def test_login_success_resets_failure_count(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES - 1)
        assert_ok(await _login(stack, USER_PASSWORD))
        await _fail(stack, MAX_FAILURES - 1)
        assert_ok(await _login(stack, USER_PASSWORD))
        # The count starts again after a success, so the first lock is the base lock again.
        await _fail(stack, MAX_FAILURES)
        _assert_locked(await _login(stack, USER_PASSWORD), LOCKOUT)


async def test_login_lock_doubles_on_further_failures(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES)
        stack.clock.advance(LOCKOUT)
        await _fail(stack, 1)
        _assert_locked(await _login(stack, USER_PASSWORD), 2 * LOCKOUT)
        stack.clock.advance(2 * LOCKOUT)
        await _fail(stack, 1)
        _assert_locked(await _login(stack, USER_PASSWORD), 4 * LOCKOUT)
        stack.clock.advance(4 * LOCKOUT - 1)
        _assert_locked(await _login(stack, USER_PASSWORD), 1)
        stack.clock.advance(1)
        assert_ok(await _login(stack, USER_PASSWORD))


async def test_login_lock_is_capped_at_fifteen_minutes(make_stack: StackFactory) -> None:
    async with make_stack(WA_LOGIN_MAX_FAILURES="2", WA_LOGIN_LOCKOUT_SECONDS="600") as stack:
        await create_user(stack, "alice")
        await _fail(stack, 2)
        _assert_locked(await _login(stack, USER_PASSWORD), 600)
        stack.clock.advance(600)
        await _fail(stack, 1)
        _assert_locked(await _login(stack, USER_PASSWORD), 900)


async def test_login_attempts_while_locked_do_not_extend_lock(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await _fail(stack, MAX_FAILURES)
        stack.clock.advance(LOCKOUT / 2)
        for _ in range(5):
            _assert_locked(await _login(stack, "Wr0ng-Passw0rd!"), LOCKOUT // 2)
        stack.clock.advance(LOCKOUT / 2)
        assert_ok(await _login(stack, USER_PASSWORD))


async def test_login_lock_is_per_username(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await create_user(stack, "alice")
        await create_user(stack, "bobby")
        await _fail(stack, MAX_FAILURES)
        _assert_locked(await _login(stack, USER_PASSWORD), LOCKOUT)
        assert_ok(await _login(stack, USER_PASSWORD, "bobby"))


async def test_login_lock_applies_to_unknown_username(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await _fail(stack, MAX_FAILURES, "ghost")
        _assert_locked(await _login(stack, USER_PASSWORD, "ghost"), LOCKOUT)


async def test_login_locks_after_five_failures_by_default(sqlite_stack: InProcessStack) -> None:
    await create_user(sqlite_stack, "alice")
    await _fail(sqlite_stack, 4)
    assert_ok(await _login(sqlite_stack, USER_PASSWORD))
    await _fail(sqlite_stack, 5)
    _assert_locked(await _login(sqlite_stack, USER_PASSWORD), 60)


# -- per client address, bounded memory -------------------------------------------------------

ATTACKER = "203.0.113.7"


def _client_at(stack: InProcessStack, address: str) -> httpx.AsyncClient:
    """A client of the stack's webapp connecting from ``address`` (the ASGI ``client``)."""
    transport = httpx.ASGITransport(app=stack.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://webapp")


async def test_login_lock_is_per_client_address(make_stack: StackFactory) -> None:
    async with make_stack(**THROTTLED) as stack:
        await stack.api.admin_token()
        async with _client_at(stack, ATTACKER) as attacker:
            for _ in range(MAX_FAILURES):
                response = await attacker.post(
                    "/v1/users/login", headers=basic("admin", "Wr0ng-Passw0rd!")
                )
                assert_error(response, 401, 1005, "Invalid username or password")
            locked = await attacker.post("/v1/users/login", headers=basic("admin", ADMIN_PASSWORD))
            _assert_locked(locked, LOCKOUT)
            # The owner, from another address, is not locked out by the attacker's failures.
            owner = await stack.http.post("/v1/users/login", headers=basic("admin", ADMIN_PASSWORD))
            assert assert_ok(owner)["users"][0]["token"]
            # ...and the owner's success does not lift the attacker's lock.
            again = await attacker.post("/v1/users/login", headers=basic("admin", ADMIN_PASSWORD))
            _assert_locked(again, LOCKOUT)


async def test_login_throttle_forgets_oldest_locks_beyond_its_bound(
    make_stack: StackFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = 10
    monkeypatch.setattr(LoginThrottle, "MAX_TRACKED", bound)
    async with make_stack(WA_LOGIN_MAX_FAILURES="2", WA_LOGIN_LOCKOUT_SECONDS="600") as stack:
        await create_user(stack, "alice")
        # An attacker rotating addresses: each address gets its own lock...
        addresses = [f"198.51.100.{n}" for n in range(3 * bound)]
        for address in addresses:
            async with _client_at(stack, address) as client:
                for _ in range(2):
                    failed = await client.post(
                        "/v1/users/login", headers=basic("alice", "Wr0ng-1!")
                    )
                    assert_error(failed, 401, 1005, "Invalid username or password")
        # ...but only the last ``bound`` are remembered: the oldest made room, so the first
        # address logs in long before its 600 s are over...
        async with _client_at(stack, addresses[0]) as first:
            response = await first.post("/v1/users/login", headers=basic("alice", USER_PASSWORD))
            assert assert_ok(response)["users"][0]["token"]
        # ...while the most recent one is still locked.
        async with _client_at(stack, addresses[-1]) as last:
            response = await last.post("/v1/users/login", headers=basic("alice", USER_PASSWORD))
            _assert_locked(response, 600)
