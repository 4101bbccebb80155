"""``/v1/settings/backup`` and ``/v1/settings/restore`` (spec §9.7): settings and registration
moved to a fresh stack that uses the same (simulated) WhatsApp network."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image

from tests.databases import database_env
from tests.registration import register
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from waemu.network.server import NetworkServer
from waemu.storage.tables import ConfigRow

BACKUP, RESTORE = "/v1/settings/backup", "/v1/settings/restore"
PASSWORD = "correct horse battery staple"
# What a backup carries, each read back with its GET.
READS = (
    "/v1/settings/application",
    "/v1/settings/application/media/providers",
    "/v1/settings/profile/about",
    "/v1/settings/business/profile",
    "/v1/settings/business/compliance_info",
    "/v1/settings/profile/photo?format=link",
    "/v1/account/shards",
)


class _SharedNetwork:
    """Another stack's running network: started and stopped by that stack."""

    def __init__(self, network: NetworkServer) -> None:
        self._network = network
        self.port = network.port

    async def start(self) -> None:
        """Already running."""

    async def stop(self) -> None:
        """Stopped by its owner."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._network, name)


class SecondMachine(InProcessStack):
    """A fresh coreapp and webapp (own database) on the network of ``first``."""

    def __init__(self, env: Mapping[str, str], first: InProcessStack) -> None:
        super().__init__(env)
        self.world = first.world
        self.network = _SharedNetwork(first.network)  # type: ignore[assignment]


def jpeg() -> bytes:
    """A 256×256 photo."""
    out = io.BytesIO()
    Image.new("RGB", (256, 256), "orange").save(out, "JPEG")
    return out.getvalue()


async def configure(stack: InProcessStack, token: str) -> None:
    """Change every setting a backup carries away from its default."""
    headers = bearer(token)
    changes = [
        await stack.http.patch(
            "/v1/settings/application",
            json={
                "callback_backoff_delay_ms": 5000,
                "webhooks": {"url": "http://127.0.0.1:9/hook", "message": {"sent": True}},
            },
            headers=headers,
        ),
        await stack.http.post(
            "/v1/settings/application/media/providers",
            json=[{"name": "cdn", "type": "www", "config": {"bearer": "abc"}}],
            headers=headers,
        ),
        await stack.http.patch(
            "/v1/settings/profile/about", json={"text": "Butterflies"}, headers=headers
        ),
        await stack.http.post(
            "/v1/settings/business/profile",
            json={"description": "We sell butterflies", "vertical": "Other"},
            headers=headers,
        ),
        await stack.http.post(
            "/v1/settings/profile/photo",
            content=jpeg(),
            headers={**headers, "Content-Type": "image/jpeg"},
        ),
        await stack.http.post(
            "/v1/settings/account/two-step", json={"pin": "123456"}, headers=headers
        ),
    ]
    for response in changes:
        assert response.status_code in (200, 201), response.text


async def snapshot(stack: InProcessStack, token: str) -> dict[str, Any]:
    """Everything the backup carries, as the API shows it."""
    found: dict[str, Any] = {}
    for path in READS:
        response = await stack.http.get(path, headers=bearer(token))
        found[path] = (response.status_code, response.json())
    photo = await stack.http.get("/v1/settings/profile/photo", headers=bearer(token))
    found["photo"] = photo.content if photo.status_code == 200 else photo.status_code
    return found


async def stored(stack: InProcessStack, key: str) -> str | None:
    """A value of the coreapp's ``config`` table."""
    assert stack.core.engine is not None
    async with stack.core.engine.connect() as conn:
        value = await conn.scalar(sa.select(ConfigRow.value).where(ConfigRow.key == key))
    return None if value is None else str(value)


async def gateway_status(stack: InProcessStack, token: str) -> str:
    """``/v1/health``'s status."""
    health = assert_ok(await stack.http.get("/v1/health", headers=bearer(token)))
    status: str = health["health"]["gateway_status"]
    return status


async def backup(stack: InProcessStack, token: str, password: str = PASSWORD) -> str:
    """A backup's data."""
    response = await stack.http.post(BACKUP, json={"password": password}, headers=bearer(token))
    body = assert_ok(response)
    assert set(body) == {"settings"} and set(body["settings"]) == {"data"}
    data: str = body["settings"]["data"]
    return data


def damaged(data: str) -> str:
    """``data`` with one byte of the ciphertext changed."""
    raw = bytearray(base64.b64decode(data))
    raw[-5] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


async def test_restore_moves_settings_and_registration_to_a_fresh_stack(
    stack: InProcessStack, engine: str, tmp_path: Path
) -> None:
    token = await stack.api.admin_token()
    wa_id = await register(stack, token)
    await configure(stack, token)
    before = await snapshot(stack, token)
    data = await backup(stack, token)
    assert wa_id.encode() not in base64.b64decode(data)  # encrypted, not encoded
    assert await backup(stack, token) != data  # a fresh salt and nonce each time
    await stack.stop_core()  # the old machine goes away, as when moving to a new server

    env = database_env(engine, tmp_path / "second")
    async with SecondMachine(env, stack) as fresh:
        admin = await fresh.api.admin_token()
        defaults = await snapshot(fresh, admin)
        for password, blob, details in (
            ("wrong password", data, "wrong password"),
            (PASSWORD, damaged(data), "damaged"),
            (PASSWORD, "bm90IGEgYmFja3Vw", "not a backup"),
            (PASSWORD, "%%%", "bad base64"),
        ):
            refused = await fresh.http.post(
                RESTORE, json={"password": password, "data": blob}, headers=bearer(admin)
            )
            assert_error(refused, 400, 1009, details)
        assert await snapshot(fresh, admin) == defaults  # nothing changed
        assert await gateway_status(fresh, admin) == "unregistered"

        restored = await fresh.http.post(
            RESTORE, json={"password": PASSWORD, "data": data}, headers=bearer(admin)
        )
        assert assert_ok(restored) == {}
        for _ in range(250):  # the coreapp logs in with the restored registration
            if await gateway_status(fresh, admin) == "connected":
                break
            await asyncio.sleep(0.02)
        assert await gateway_status(fresh, admin) == "connected"
        after = await snapshot(fresh, admin)
        assert after == before
        assert after != defaults
        assert all(after[path][0] == 200 for path in READS), after
        assert await stored(fresh, "account.two_step") == "true"  # no GET shows it
        settings = after["/v1/settings/application"][1]["settings"]["application"]
        assert settings["wa_id"] == wa_id
        # The restored client holds the number: a second restore is refused.
        again = await fresh.http.post(
            RESTORE, json={"password": PASSWORD, "data": data}, headers=bearer(admin)
        )
        assert_error(again, 403, 1005, "unregistered client")


async def test_backup_needs_a_registered_number(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    refused = await stack.http.post(BACKUP, json={"password": PASSWORD}, headers=bearer(token))
    assert_error(refused, 503, 1011, "No phone number is registered")


async def test_backup_and_restore_need_the_admin(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    user = await create_user(stack, "alice")
    for path, body in ((BACKUP, {"password": "x"}), (RESTORE, {"password": "x", "data": "y"})):
        assert_error(await stack.http.post(path, json=body, headers=bearer(user)), 403, 1005, "")
        assert_error(await stack.http.post(path, json=body), 401, 1005, "")
    missing = await stack.http.post(RESTORE, json={"password": "x"}, headers=bearer(token))
    assert_error(missing, 400, 1008, "data")
    extra = await stack.http.post(
        BACKUP, json={"password": "x", "cipher": "des"}, headers=bearer(token)
    )
    assert_error(extra, 400, 1010, "cipher")


async def test_concurrent_restores_restore_once(
    sqlite_stack: InProcessStack, tmp_path: Path
) -> None:
    token = await sqlite_stack.api.admin_token()
    await register(sqlite_stack, token)
    data = await backup(sqlite_stack, token)
    env = database_env("sqlite", tmp_path / "second")
    async with SecondMachine(env, sqlite_stack) as fresh:
        admin = await fresh.api.admin_token()
        body = {"password": PASSWORD, "data": data}
        answers = await asyncio.gather(
            *(fresh.http.post(RESTORE, json=body, headers=bearer(admin)) for _ in range(3))
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 403, 403], [a.text for a in answers]
        for refused in (a for a in answers if a.status_code == 403):
            assert_error(refused, 403, 1005, "unregistered client")
