"""CoreApp.run: serving while the database is awaited, giving up, stopping, and restarting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.databases import free_port
from tests.stacks import ADMIN_PASSWORD, FAST_ENV, USER_PASSWORD
from waemu.clock import ManualClock
from waemu.coreapp.app import CoreApp
from waemu.coreapp.readiness import Phase
from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.protocol.client import CoreClient
from waemu.settings import Settings
from waemu.storage.engine import drop_database

HOST = "127.0.0.1"


def user_principal(
    username: str, role: str, generation: str, jti: str, expires: int
) -> dict[str, Any]:
    """The principal the webapp sends for a verified user token."""
    return {"user": username, "role": role, "gen": generation, "jti": jti, "exp": expires}


SOME_USER = user_principal("admin", "ROLE_ADMIN", "g", "j", 2_000_000_000)


async def wait_listening(app: CoreApp, run: asyncio.Task[int]) -> int:
    """The coreapp's socket port, once it listens."""
    async with asyncio.timeout(10):
        while app.server.port == 0:
            assert not run.done(), f"coreapp exited with {run.result()}"
            await asyncio.sleep(0.01)
    return app.server.port


async def wait_ready(app: CoreApp, run: asyncio.Task[int]) -> None:
    """Wait until the coreapp has its database (migrated and loaded)."""
    async with asyncio.timeout(60):
        while not app.readiness.database_ready:
            assert not run.done(), f"coreapp exited with {run.result()}"
            await asyncio.sleep(0.02)


def unreachable_db_settings(tmp_path: Path, wait_seconds: str) -> Settings:
    """A PostgreSQL database on a port where nothing listens."""
    return Settings.from_env(
        {
            **FAST_ENV,
            "WA_DATA_DIR": str(tmp_path),
            "WA_DB_ENGINE": "PGSQL",
            "WA_DB_PORT": str(free_port()),
            "WA_DB_WAIT_SECONDS": wait_seconds,
            "WACORE_PORT": "0",
        }
    )


@dataclass
class Launched:
    """A coreapp running as a task, its stop event, and a client of its socket."""

    app: CoreApp
    run: asyncio.Task[int]
    stop: asyncio.Event
    client: CoreClient


@asynccontextmanager
async def launched(settings: Settings, clock: ManualClock | None = None) -> AsyncIterator[Launched]:
    """Run a coreapp until the block ends (then stop it and wait for it)."""
    app = CoreApp(settings, clock=clock)
    stop = asyncio.Event()
    run = asyncio.create_task(app.run(stop), name="coreapp-under-test")
    try:
        port = await wait_listening(app, run)
        client = CoreClient(HOST, port, call_timeout=30, connect_timeout=1)
        try:
            yield Launched(app, run, stop, client)
        finally:
            await client.close()
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await asyncio.gather(run, return_exceptions=True)


async def test_run_returns_1_when_database_never_answers(tmp_path: Path) -> None:
    async with launched(unreachable_db_settings(tmp_path, "1")) as core:
        # While it waits, the socket is served; a user token cannot be checked yet.
        with pytest.raises(ApiError) as waiting:
            await core.client.call(ops.HEALTH, principal=SOME_USER)
        assert core.app.readiness.phase is Phase.UNINITIALIZED
        async with asyncio.timeout(10):
            code = await core.run
        # The socket is closed once the coreapp has given up.
        with pytest.raises(ApiError) as gone:
            await core.client.call(ops.HEALTH, principal={"apikey": True})
    assert (waiting.value.code, waiting.value.http_status) == (1011, 503)
    assert waiting.value.details == "Coreapp is initializing its database"
    assert code == 1
    assert core.app.readiness.phase is Phase.STOPPING
    assert gone.value.code == 1014
    assert gone.value.details.endswith(f"{HOST}:{core.app.server.port}")


async def test_health_answers_uninitialized_to_apikey_when_database_never_answers(
    tmp_path: Path,
) -> None:
    async with launched(unreachable_db_settings(tmp_path, "1")) as core:
        assert await core.client.call(ops.HEALTH, principal={"apikey": True}) == {
            "gateway_status": "uninitialized"
        }


async def test_run_returns_promptly_when_stopped_during_database_wait(tmp_path: Path) -> None:
    async with launched(unreachable_db_settings(tmp_path, "60")) as core:
        with pytest.raises(ApiError) as waiting:
            await core.client.call(ops.HEALTH, principal=SOME_USER)
        assert waiting.value.code == 1011
        assert not core.run.done()
        core.stop.set()
        async with asyncio.timeout(5):
            code = await core.run
    assert code == 0
    assert core.app.readiness.phase is Phase.STOPPING
    assert core.app.engine is None


@asynccontextmanager
async def running_core(settings: Settings, clock: ManualClock) -> AsyncIterator[CoreClient]:
    """A coreapp on ``settings``, ready for requests, until the block ends."""
    async with launched(settings, clock) as core:
        await wait_ready(core.app, core.run)
        yield core.client
        core.stop.set()
        async with asyncio.timeout(30):
            assert await core.run == 0


async def test_admin_signing_key_and_revocation_survive_restart_on_every_engine(
    db_env: dict[str, str],
) -> None:
    settings = Settings.from_env({**FAST_ENV, **db_env, "WACORE_PORT": "0"})
    clock = ManualClock()
    expires = int((clock.now() + timedelta(days=7)).timestamp())
    try:
        async with running_core(settings, clock) as core:
            key = await core.call(ops.SIGNING_KEY)
            login = {"username": "admin", "password": "secret", "new_password": ADMIN_PASSWORD}
            admin = await core.call(ops.USERS_LOGIN, login)
            generation = admin["generation"]
            revoked = user_principal("admin", admin["role"], generation, "jti-revoked", expires)
            kept = user_principal("admin", admin["role"], generation, "jti-kept", expires)
            await core.call(
                ops.USERS_CREATE, {"username": "alice", "password": USER_PASSWORD}, kept
            )
            await core.call(ops.USERS_LOGOUT, principal=revoked)
            with pytest.raises(ApiError) as before:
                await core.call(ops.USERS_GET, {"username": "admin"}, revoked)
            assert "revoked" in before.value.details

        async with running_core(settings, ManualClock()) as core:
            assert await core.call(ops.SIGNING_KEY) == key
            again = await core.call(
                ops.USERS_LOGIN, {"username": "admin", "password": ADMIN_PASSWORD}
            )
            assert again == {"username": "admin", "role": "ROLE_ADMIN", "generation": generation}
            with pytest.raises(ApiError) as old_password:
                await core.call(ops.USERS_LOGIN, {"username": "admin", "password": "secret"})
            alice = await core.call(
                ops.USERS_LOGIN, {"username": "alice", "password": USER_PASSWORD}
            )
            assert await core.call(ops.USERS_GET, {"username": "admin"}, kept) == {
                "ROLES": "ROLE_ADMIN",
                "username": "admin",
            }
            with pytest.raises(ApiError) as after:
                await core.call(ops.USERS_GET, {"username": "admin"}, revoked)
    finally:
        await drop_database(settings.db)
    assert (old_password.value.code, old_password.value.http_status) == (1005, 401)
    assert alice["role"] == "ROLE_USER"
    assert (after.value.code, after.value.http_status) == (1005, 401)
    assert after.value.details == "Invalid token: the token was revoked by logout"
