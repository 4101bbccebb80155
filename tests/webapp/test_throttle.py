"""The login throttle: repeated failures lock a username out (docs/security.md).

The throttle lives in the coreapp's memory, not the database, so SQLite is enough; time moves
only through the stack's ManualClock.
"""

from __future__ import annotations

import httpx

from tests.stacks import USER_PASSWORD, InProcessStack, basic
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory, create_user

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
