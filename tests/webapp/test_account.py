"""``/v1/account``, ``/v1/account/verify``, ``/v1/account/shards`` and two-step verification
against the in-process simulated network (spec §5, §10.1).

What the coreapp stores (the registration, the shard count, the two-step flag) runs on every
engine; body validation, certificate checks and the link's reactions to the network run on
SQLite only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import create_user
from waemu.errors import ApiError
from waemu.network.accounts import CODE_LIFETIME_SECONDS, MAX_CODE_ATTEMPTS
from waemu.network.certificates import CertificateAuthority
from waemu.protocol.peer import Peer

CC, PHONE, VNAME = "1", "6315550100", "Acme Shop"
WA_ID = CC + PHONE
OTHER_PHONE, OTHER_VNAME = "6315550177", "Acme Outlet"
OTHER_WA_ID = CC + OTHER_PHONE
PIN = "123456"
REG_BLOCKED = "Unknown error: biz_link_on_prem_reg_blocked"


# -- helpers -------------------------------------------------------------------------------


async def _admin(stack: InProcessStack) -> dict[str, str]:
    return bearer(await stack.api.admin_token())


async def _cert(stack: InProcessStack, phone: str = PHONE, vname: str = VNAME) -> str:
    """A certificate from the network's control API, as a user gets one from Meta."""
    response = await stack.control.post(
        "/certificates", json={"cc": CC, "phone_number": phone, "vname": vname}
    )
    assert response.status_code == 200, response.text
    cert: str = response.json()["cert"]
    return cert


def _body(cert: str, phone: str = PHONE, **extra: Any) -> dict[str, Any]:
    return {"cc": CC, "phone_number": phone, "method": "sms", "cert": cert, **extra}


async def _request_code(
    stack: InProcessStack, admin: dict[str, str], phone: str = PHONE, **extra: Any
) -> httpx.Response:
    vname = VNAME if phone == PHONE else OTHER_VNAME
    body = _body(await _cert(stack, phone, vname), phone, **extra)
    return await stack.http.post("/v1/account", json=body, headers=admin)


async def _code(stack: InProcessStack, wa_id: str = WA_ID) -> str:
    """The code the network "sent by SMS", read back through the control API."""
    response = await stack.control.get(f"/accounts/{wa_id}/code")
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def _verify(stack: InProcessStack, admin: dict[str, str], code: str) -> httpx.Response:
    return await stack.http.post("/v1/account/verify", json={"code": code}, headers=admin)


async def _gateway(stack: InProcessStack, admin: dict[str, str]) -> str:
    response = await stack.http.get("/v1/health", headers=admin)
    status: str = assert_ok(response)["health"]["gateway_status"]
    return status


async def _wait_gateway(
    stack: InProcessStack, admin: dict[str, str], status: str, timeout: float = 10.0
) -> None:
    """Poll ``/v1/health`` until it reports ``status`` (the network is in-process: fast)."""
    deadline = time.monotonic() + timeout
    seen = await _gateway(stack, admin)
    while seen != status:
        assert time.monotonic() < deadline, f"gateway_status stayed {seen!r}, not {status!r}"
        await asyncio.sleep(0.01)
        seen = await _gateway(stack, admin)


async def _wait_for(predicate: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def _register(
    stack: InProcessStack, admin: dict[str, str], phone: str = PHONE, **extra: Any
) -> None:
    """Request a code, read it from the network, verify it and wait until connected."""
    assert_ok(await _request_code(stack, admin, phone, **extra), 202)
    assert_ok(await _verify(stack, admin, await _code(stack, CC + phone)), 201)
    await _wait_gateway(stack, admin, "connected")


async def _network_account(stack: InProcessStack, wa_id: str = WA_ID) -> dict[str, Any] | None:
    response = await stack.control.get("/accounts")
    assert response.status_code == 200, response.text
    found = [a for a in response.json()["accounts"] if a["wa_id"] == wa_id]
    return found[0] if found else None


async def _network_sessions(stack: InProcessStack) -> list[dict[str, Any]]:
    response = await stack.control.get("/health")
    assert response.status_code == 200, response.text
    sessions: list[dict[str, Any]] = response.json()["sessions"]
    return sessions


async def _refuse(op: str, _args: dict[str, Any]) -> Any:
    raise ApiError(1014, f"this test client does not handle {op!r}")


class OtherClient:
    """A second coreapp (another client id) speaking the network protocol directly."""

    def __init__(self, peer: Peer, reader: asyncio.Task[None]) -> None:
        self.peer = peer
        self.reader = reader

    async def call(self, op: str, args: dict[str, Any]) -> Any:
        return await self.peer.call(op, args, 5)

    async def register(self, stack: InProcessStack, phone: str = PHONE, **extra: Any) -> str:
        """Take ``phone`` for this client; returns the login secret."""
        cert = stack.world.ca.issue(CC + phone, VNAME)
        args = {"cc": CC, "phone_number": phone, "method": "sms", "cert": cert, **extra}
        answer = await self.call("account.request_code", args)
        assert answer["registered"] is False
        code = await _code(stack, CC + phone)
        verified = await self.call(
            "account.verify", {"cc": CC, "phone_number": phone, "code": code}
        )
        secret: str = verified["secret"]
        return secret


@contextlib.asynccontextmanager
async def other_client(stack: InProcessStack, client_id: str) -> AsyncIterator[OtherClient]:
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.network.port)
    peer = Peer(reader, writer, _refuse, name="other-client")
    task = asyncio.create_task(peer.run(), name="other-client-reader")
    try:
        await peer.call("hello", {"client_id": client_id}, 5)
        yield OtherClient(peer, task)
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)


# -- POST /v1/account ----------------------------------------------------------------------


async def test_request_code_answers_202_with_vname(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    response = await _request_code(stack, admin)
    assert assert_ok(response, 202) == {"account": [{"vname": VNAME}]}
    assert await _network_account(stack) == {
        "wa_id": WA_ID,
        "vname": VNAME,
        "registered": False,
        "two_step": False,
        "code_pending": True,
    }
    assert len(await _code(stack)) == 6
    # A code alone changes nothing on this client.
    assert await _gateway(stack, admin) == "unregistered"


async def test_request_code_records_voice_method(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin, method="voice"), 202)
    response = await sqlite_stack.control.get(f"/accounts/{WA_ID}/code")
    assert response.json()["method"] == "voice"


async def test_request_code_again_sends_a_new_code(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    first = await _code(sqlite_stack)
    # Retry until the random code differs, so the old one is known to be replaced.
    for _ in range(5):
        assert_ok(await _request_code(sqlite_stack, admin), 202)
        second = await _code(sqlite_stack)
        if second != first:
            break
    assert second != first
    assert_error(await _verify(sqlite_stack, admin, first), 403, 1005, "incorrect")
    assert_ok(await _verify(sqlite_stack, admin, second), 201)


async def test_request_code_answers_201_when_registered_here(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    await _register(stack, admin)
    response = await _request_code(stack, admin)
    assert assert_ok(response, 201) == {}
    # Nothing else to do: no code was sent, the link stays up.
    assert (await stack.control.get(f"/accounts/{WA_ID}/code")).status_code == 404
    assert await _gateway(stack, admin) == "connected"


async def test_request_code_vname_follows_new_certificate(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    body = _body(await _cert(sqlite_stack, PHONE, "Acme Renamed"))
    response = await sqlite_stack.http.post("/v1/account", json=body, headers=admin)
    assert assert_ok(response, 202) == {"account": [{"vname": "Acme Renamed"}]}


def _without(name: str) -> dict[str, Any]:
    body = _body("Y2VydA==")
    del body[name]
    return body


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: cc"),
        (_without("cc"), 1008, "Missing required parameter: cc"),
        (_without("phone_number"), 1008, "Missing required parameter: phone_number"),
        (_without("method"), 1008, "Missing required parameter: method"),
        (_without("cert"), 1008, "Missing required parameter: cert"),
        (_body("Y2VydA==", vname="Acme"), 1010, "Unexpected parameter: vname"),
        ({**_body("Y2VydA=="), "cc": "+1"}, 1009, "Invalid value for cc"),
        ({**_body("Y2VydA=="), "cc": "01"}, 1009, "Invalid value for cc"),
        ({**_body("Y2VydA=="), "cc": "1234"}, 1009, "Invalid value for cc"),
        ({**_body("Y2VydA=="), "cc": 1}, 1009, "Invalid value for cc"),
        ({**_body("Y2VydA=="), "phone_number": "631-555-0100"}, 1009, "phone_number"),
        ({**_body("Y2VydA=="), "phone_number": "+16315550100"}, 1009, "phone_number"),
        ({**_body("Y2VydA=="), "phone_number": "123"}, 1009, "phone_number"),
        ({**_body("Y2VydA=="), "phone_number": 6315550100}, 1009, "phone_number"),
        ({**_body("Y2VydA=="), "method": "email"}, 1009, "Invalid value for method"),
        ({**_body("Y2VydA=="), "method": "SMS"}, 1009, "Invalid value for method"),
        ({**_body("Y2VydA=="), "cert": ""}, 1009, "Invalid value for cert"),
        ({**_body("Y2VydA=="), "cert": 12}, 1009, "Invalid value for cert"),
        (_body("Y2VydA==", pin="12345"), 1009, "Invalid value for pin"),
        (_body("Y2VydA==", pin="12345a"), 1009, "Invalid value for pin"),
        (_body("Y2VydA==", pin=123456), 1009, "Invalid value for pin"),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
async def test_request_code_rejects_invalid_body(
    sqlite_stack: InProcessStack, body: dict[str, Any], code: int, details: str
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/account", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, code, details)
    assert await _network_account(sqlite_stack) is None


async def test_request_code_answers_1008_without_body(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post("/v1/account", headers=await _admin(sqlite_stack))
    assert_error(response, 400, 1008, "Request body is required")


async def test_request_code_answers_1025_for_non_object(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.post(
        "/v1/account", json=[_body("Y2VydA==")], headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, 1025, "must be a JSON object")


def _foreign_cert(tmp_path: Path) -> str:
    """A well-formed certificate signed by an authority the network does not know."""
    return CertificateAuthority.load_or_create(tmp_path / "other-ca").issue(WA_ID, VNAME)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("forge", "details"),
    [
        (lambda _p: "not base64 at all!", "cannot be decoded"),
        (lambda _p: _b64(b"\x00\xffgarbage\x10"), "cannot be decoded"),
        (lambda _p: _b64(b'{"hello": "world"}'), "cannot be decoded"),
        (lambda _p: _b64(b'["details", "signature"]'), "cannot be decoded"),
        (lambda _p: _b64(b'{"details": 5, "signature": 7}'), "cannot be decoded"),
        (
            lambda _p: _b64(orjson.dumps({"details": _b64(b"{}"), "signature": _b64(b"x" * 64)})),
            "signature does not verify",
        ),
        (_foreign_cert, "signature does not verify"),
        (lambda _p: "Y2VydGlmaWNhdMOpé", "cannot be decoded"),
        (lambda _p: "证书", "cannot be decoded"),
    ],
    ids=[
        "not-base64",
        "base64-garbage",
        "json-without-fields",
        "json-array",
        "fields-not-text",
        "bad-signature",
        "other-authority",
        "non-ascii",
        "not-latin",
    ],
)
async def test_request_code_answers_1009_for_forged_certificate(
    sqlite_stack: InProcessStack, tmp_path: Path, forge: Any, details: str
) -> None:
    body = _body(forge(tmp_path))
    response = await sqlite_stack.http.post(
        "/v1/account", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, 1009, f"Invalid certificate: {details}")
    assert await _network_account(sqlite_stack) is None


async def test_request_code_answers_1009_for_certificate_of_other_number(
    sqlite_stack: InProcessStack,
) -> None:
    body = _body(await _cert(sqlite_stack, OTHER_PHONE, OTHER_VNAME))
    response = await sqlite_stack.http.post(
        "/v1/account", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, 1009, "Invalid certificate: issued for another phone number")
    assert await _network_account(sqlite_stack) is None


async def test_request_code_answers_1005_when_registration_blocked(
    stack: InProcessStack,
) -> None:
    admin = await _admin(stack)
    blocked = await stack.control.put("/registration/blocked", json={"active": True})
    assert blocked.json() == {"blocked": True}
    response = await _request_code(stack, admin)
    assert_error(response, 403, 1005, REG_BLOCKED)
    assert response.json()["errors"][0]["details"] == REG_BLOCKED
    await stack.control.put("/registration/blocked", json={"active": False})
    assert_ok(await _request_code(stack, admin), 202)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/account", _body("Y2VydA==")),
        ("POST", "/v1/account/verify", {"code": "123456"}),
        ("GET", "/v1/account/shards", None),
        ("POST", "/v1/account/shards", {"cc": CC, "phone_number": PHONE, "shards": 2}),
        ("POST", "/v1/settings/account/two-step", {"pin": PIN}),
        ("DELETE", "/v1/settings/account/two-step", None),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_account_nodes_answer_403_for_non_admin(
    sqlite_stack: InProcessStack, method: str, path: str, body: dict[str, Any] | None
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.request(method, path, json=body, headers=bearer(token))
    assert_error(response, 403, 1005, "requires an admin user")
    assert await _network_account(sqlite_stack) is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/account"),
        ("POST", "/v1/account/verify"),
        ("GET", "/v1/account/shards"),
        ("POST", "/v1/account/shards"),
        ("POST", "/v1/settings/account/two-step"),
        ("DELETE", "/v1/settings/account/two-step"),
    ],
)
async def test_account_nodes_answer_401_without_token(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    response = await sqlite_stack.http.request(method, path)
    assert_error(response, 401, 1005, "Authorization header is missing")


async def test_request_code_answers_1011_when_network_unreachable(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    cert = await _cert(sqlite_stack)
    link = sqlite_stack.core.link
    assert link is not None
    await _wait_for(lambda: link.connected, "the link to connect")
    await sqlite_stack.network.stop()
    await _wait_for(lambda: not link.connected, "the link to notice the network is gone")
    response = await sqlite_stack.http.post("/v1/account", json=_body(cert), headers=admin)
    assert_error(response, 503, 1011, "not connected to the WhatsApp network")
    assert await _gateway(sqlite_stack, admin) == "unregistered"


async def test_verify_answers_1011_when_network_unreachable(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    code = await _code(sqlite_stack)
    link = sqlite_stack.core.link
    assert link is not None
    await sqlite_stack.network.stop()
    await _wait_for(lambda: not link.connected, "the link to notice the network is gone")
    assert_error(await _verify(sqlite_stack, admin, code), 503, 1011, "not connected")
    assert await _gateway(sqlite_stack, admin) == "unregistered"


# -- POST /v1/account/verify ---------------------------------------------------------------


async def test_verify_connects_and_health_follows(
    stack: InProcessStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="waemu.coreapp.readiness")
    admin = await _admin(stack)
    assert await _gateway(stack, admin) == "unregistered"
    assert_ok(await _request_code(stack, admin), 202)
    response = await _verify(stack, admin, await _code(stack))
    assert assert_ok(response, 201) == {}
    assert await _gateway(stack, admin) in ("connecting", "connected")
    await _wait_gateway(stack, admin, "connected")
    for _ in range(250):  # then the startup of spec §12: templates, nothing held offline
        if stack.core.readiness.ready:
            break
        await asyncio.sleep(0.02)
    phases = [
        r.getMessage().removeprefix("coreapp phase: ")
        for r in caplog.records
        if r.getMessage().startswith("coreapp phase: ")
    ]
    assert phases[-3:] == [
        "unregistered -> connecting",
        "connecting -> loading_templates",
        "loading_templates -> connected",
    ]
    assert await _network_account(stack) == {
        "wa_id": WA_ID,
        "vname": VNAME,
        "registered": True,
        "two_step": False,
        "code_pending": False,
    }
    assert stack.core.link is not None
    sessions = await _network_sessions(stack)
    assert {"client_id": stack.core.link.client_id, "wa_id": WA_ID} in sessions


async def test_verify_accepts_dashed_code(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    code = await _code(sqlite_stack)
    assert_ok(await _verify(sqlite_stack, admin, f"{code[:3]}-{code[3:]}"), 201)
    await _wait_gateway(sqlite_stack, admin, "connected")


async def test_verify_answers_1005_for_wrong_code(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    code = await _code(sqlite_stack)
    response = await _verify(sqlite_stack, admin, _wrong(code))
    assert_error(response, 403, 1005, "Error checking code (incorrect)")
    assert await _gateway(sqlite_stack, admin) == "unregistered"
    # One mistake does not spend the code.
    assert_ok(await _verify(sqlite_stack, admin, code), 201)
    await _wait_gateway(sqlite_stack, admin, "connected")


async def test_verify_invalidates_code_after_five_wrong_codes(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    code = await _code(sqlite_stack)
    for _ in range(MAX_CODE_ATTEMPTS - 1):
        response = await _verify(sqlite_stack, admin, _wrong(code))
        assert_error(response, 403, 1005, "Error checking code (incorrect)")
    response = await _verify(sqlite_stack, admin, _wrong(code))
    assert_error(response, 403, 1005, "Error checking code (too many attempts)")
    # The right code no longer helps: it is gone from the network.
    response = await _verify(sqlite_stack, admin, code)
    assert_error(response, 403, 1005, "Error checking code (missing)")
    assert (await sqlite_stack.control.get(f"/accounts/{WA_ID}/code")).status_code == 404
    # A new code can be requested and works.
    await _register(sqlite_stack, admin)


async def test_verify_answers_1005_for_expired_code(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    code = await _code(sqlite_stack)
    # The network reads time.time(): move the code's issue time back instead of sleeping.
    account = sqlite_stack.world.accounts.get(WA_ID)
    assert account is not None
    account.code_issued_at -= CODE_LIFETIME_SECONDS + 1
    response = await _verify(sqlite_stack, admin, code)
    assert_error(response, 403, 1005, "Error checking code (expired)")
    assert (await sqlite_stack.control.get(f"/accounts/{WA_ID}/code")).status_code == 404
    assert_error(await _verify(sqlite_stack, admin, code), 403, 1005, "(missing)")


async def test_verify_answers_1005_without_requested_code(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    response = await _verify(stack, admin, "123456")
    assert_error(response, 403, 1005, "Error checking code (missing)")
    assert await _gateway(stack, admin) == "unregistered"


async def test_verify_answers_1005_when_other_client_requested_the_code_since(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    async with other_client(sqlite_stack, "other-client") as other:
        cert = sqlite_stack.world.ca.issue(WA_ID, VNAME)
        await other.call("account.request_code", _body(cert))
        code = await _code(sqlite_stack)
        # The code now belongs to the other client's request.
        response = await _verify(sqlite_stack, admin, code)
        assert_error(response, 403, 1005, "Error checking code (missing)")


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: code"),
        ({"code": "12345"}, 1009, "Invalid value for code"),
        ({"code": "1234567"}, 1009, "Invalid value for code"),
        ({"code": "12a456"}, 1009, "Invalid value for code"),
        ({"code": "12-3456"}, 1009, "Invalid value for code"),
        ({"code": 123456}, 1009, "Invalid value for code"),
        ({"code": "123456", "method": "sms"}, 1010, "Unexpected parameter: method"),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
async def test_verify_rejects_invalid_body(
    sqlite_stack: InProcessStack, body: dict[str, Any], code: int, details: str
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/account/verify", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, code, details)


# -- another number, another client ----------------------------------------------------------


async def test_registering_other_number_logs_in_with_it(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    await _register(stack, admin)
    response = await _request_code(stack, admin, OTHER_PHONE)
    assert assert_ok(response, 202) == {"account": [{"vname": OTHER_VNAME}]}
    # Until verified, the client keeps its number and its connection.
    assert await _gateway(stack, admin) == "connected"
    assert_ok(await _verify(stack, admin, await _code(stack, OTHER_WA_ID)), 201)
    await _wait_gateway(stack, admin, "connected")
    sessions = await _network_sessions(stack)
    assert [s["wa_id"] for s in sessions] == [OTHER_WA_ID]
    other = await _network_account(stack, OTHER_WA_ID)
    assert other is not None
    assert other["registered"] is True
    # The new number is the one this client holds now.
    assert_ok(await _request_code(stack, admin, OTHER_PHONE), 201)


async def test_registering_previous_number_again_needs_a_code(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    await _register(sqlite_stack, admin, OTHER_PHONE)
    # The client gave up the first number when it took the second: back needs a new code.
    assert_ok(await _request_code(sqlite_stack, admin), 202)
    await _register(sqlite_stack, admin)
    sessions = await _network_sessions(sqlite_stack)
    assert [s["wa_id"] for s in sessions] == [WA_ID]


async def test_number_taken_by_other_client_makes_this_one_unregistered(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    async with other_client(sqlite_stack, "other-client") as other:
        secret = await other.register(sqlite_stack)
        # The network closed this coreapp's connection; on reconnecting its login is refused.
        await _wait_gateway(sqlite_stack, admin, "unregistered")
        assert await other.call("account.login", {"wa_id": WA_ID, "secret": secret})
        sessions = await _network_sessions(sqlite_stack)
        assert {"client_id": "other-client", "wa_id": WA_ID} in sessions
        link = sqlite_stack.core.link
        assert link is not None
        assert {"client_id": link.client_id, "wa_id": None} in sessions

        # Registering again takes the number back (a new code: another client held it).
        await _register(sqlite_stack, admin)
        await _wait_for(lambda: other.peer.closed.is_set(), "the other client to be dropped")
    sessions = await _network_sessions(sqlite_stack)
    assert sessions == [{"client_id": link.client_id, "wa_id": WA_ID}]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/settings/account/two-step"),
        ("DELETE", "/v1/settings/account/two-step"),
        ("POST", "/v1/account/shards"),
    ],
)
async def test_number_taken_by_other_client_answers_1011(
    sqlite_stack: InProcessStack, method: str, path: str
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    cert = await _cert(sqlite_stack)
    async with other_client(sqlite_stack, "other-client") as other:
        await other.register(sqlite_stack)
        await _wait_gateway(sqlite_stack, admin, "unregistered")
        body = {"pin": PIN} if path.endswith("two-step") else _shards(cert)
        response = await sqlite_stack.http.request(
            method, path, json=body if method == "POST" else None, headers=admin
        )
        assert_error(response, 503, 1011, "no longer registered for the number")


# -- two-step verification -------------------------------------------------------------------


async def test_two_step_pin_is_needed_to_register_again(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    await _register(stack, admin)
    enabled = await stack.http.post(
        "/v1/settings/account/two-step", json={"pin": PIN}, headers=admin
    )
    assert assert_ok(enabled) == {}
    account = await _network_account(stack)
    assert account is not None
    assert account["two_step"] is True

    response = await _request_code(stack, admin)
    assert_error(response, 403, 1005, "Two-step verification is enabled for this number: PIN")
    assert "PIN required" in response.json()["errors"][0]["details"]
    response = await _request_code(stack, admin, pin="654321")
    assert_error(response, 403, 1005, "PIN incorrect")
    assert_ok(await _request_code(stack, admin, pin=PIN), 201)

    disabled = await stack.http.delete("/v1/settings/account/two-step", headers=admin)
    assert assert_ok(disabled) == {}
    account = await _network_account(stack)
    assert account is not None
    assert account["two_step"] is False
    assert_ok(await _request_code(stack, admin), 201)


async def test_two_step_pin_of_other_client_is_needed_to_take_number(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    async with other_client(sqlite_stack, "other-client") as other:
        secret = await other.register(sqlite_stack)
        await other.call("account.login", {"wa_id": WA_ID, "secret": secret})
        await other.call("account.set_pin", {"pin": PIN})

        assert_error(await _request_code(sqlite_stack, admin), 403, 1005, "PIN required")
        response = await _request_code(sqlite_stack, admin, pin="000000")
        assert_error(response, 403, 1005, "PIN incorrect")
        response = await _request_code(sqlite_stack, admin, pin=PIN)
        assert assert_ok(response, 202) == {"account": [{"vname": VNAME}]}
        assert_ok(await _verify(sqlite_stack, admin, await _code(sqlite_stack)), 201)
        await _wait_gateway(sqlite_stack, admin, "connected")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_two_step_answers_1011_when_unregistered(
    sqlite_stack: InProcessStack, method: str
) -> None:
    body = {"pin": PIN} if method == "POST" else None
    response = await sqlite_stack.http.request(
        method, "/v1/settings/account/two-step", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 503, 1011, "No phone number is registered on this client")


async def test_two_step_answers_1011_when_network_unreachable(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    await sqlite_stack.network.stop()
    await _wait_gateway(sqlite_stack, admin, "disconnected")
    response = await sqlite_stack.http.post(
        "/v1/settings/account/two-step", json={"pin": PIN}, headers=admin
    )
    assert_error(response, 503, 1011, "not connected to the WhatsApp network")
    account = await _network_account(sqlite_stack)
    assert account is not None
    assert account["two_step"] is False


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({}, 1008, "Missing required parameter: pin"),
        ({"pin": "12345"}, 1009, "Invalid value for pin"),
        ({"pin": "1234567"}, 1009, "Invalid value for pin"),
        ({"pin": "12345x"}, 1009, "Invalid value for pin"),
        ({"pin": 123456}, 1009, "Invalid value for pin"),
        ({"pin": PIN, "code": "1"}, 1010, "Unexpected parameter: code"),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
async def test_two_step_rejects_invalid_body(
    sqlite_stack: InProcessStack, body: dict[str, Any], code: int, details: str
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/settings/account/two-step", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, code, details)


# -- shards ----------------------------------------------------------------------------------


def _shards(cert: str | None, shards: Any = 2, phone: str = PHONE, **extra: Any) -> dict[str, Any]:
    body = {"cc": CC, "phone_number": phone, "shards": shards, **extra}
    if cert is not None:
        body["cert"] = cert
    return body


async def test_get_shards_answers_one_by_default(stack: InProcessStack) -> None:
    response = await stack.http.get("/v1/account/shards", headers=await _admin(stack))
    assert assert_ok(response) == {"account": {"shards": 1}}


async def test_set_shards_answers_201_and_get_shows_it(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    await _register(stack, admin)
    body = _shards(await _cert(stack), 4)
    response = await stack.http.post("/v1/account/shards", json=body, headers=admin)
    assert assert_ok(response, 201) == {}
    got = await stack.http.get("/v1/account/shards", headers=admin)
    assert assert_ok(got) == {"account": {"shards": 4}}


async def test_set_shards_accepts_every_documented_count(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    cert = await _cert(sqlite_stack)
    for count in (32, 16, 8, 2, 1):
        body = _shards(cert, count)
        response = await sqlite_stack.http.post("/v1/account/shards", json=body, headers=admin)
        assert_ok(response, 201)
        got = await sqlite_stack.http.get("/v1/account/shards", headers=admin)
        assert assert_ok(got) == {"account": {"shards": count}}


@pytest.mark.parametrize("count", [0, 3, 64, -1])
async def test_set_shards_answers_1009_for_invalid_count(
    sqlite_stack: InProcessStack, count: int
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    body = _shards(await _cert(sqlite_stack), count)
    response = await sqlite_stack.http.post("/v1/account/shards", json=body, headers=admin)
    assert_error(response, 400, 1009, "shards must be one of 1, 2, 4, 8, 16, 32")
    got = await sqlite_stack.http.get("/v1/account/shards", headers=admin)
    assert assert_ok(got) == {"account": {"shards": 1}}


async def test_set_shards_answers_1009_for_other_number(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    body = _shards(await _cert(sqlite_stack, OTHER_PHONE), phone=OTHER_PHONE)
    response = await sqlite_stack.http.post("/v1/account/shards", json=body, headers=admin)
    assert_error(response, 400, 1009, "cc and phone_number must be the registered number")


async def test_set_shards_answers_1008_without_cert(sqlite_stack: InProcessStack) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    response = await sqlite_stack.http.post("/v1/account/shards", json=_shards(None), headers=admin)
    assert_error(response, 400, 1008, "Missing required parameter: cert")


async def test_set_shards_answers_1009_for_forged_cert(
    sqlite_stack: InProcessStack, tmp_path: Path
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    response = await sqlite_stack.http.post(
        "/v1/account/shards", json=_shards(_foreign_cert(tmp_path)), headers=admin
    )
    assert_error(response, 400, 1009, "Invalid certificate: signature does not verify")
    wrong_number = _shards(await _cert(sqlite_stack, OTHER_PHONE))
    response = await sqlite_stack.http.post("/v1/account/shards", json=wrong_number, headers=admin)
    assert_error(response, 400, 1009, "Invalid certificate: issued for another phone number")
    for non_ascii in ("Y2VydGlmaWNhdMOpé", "证书"):
        response = await sqlite_stack.http.post(
            "/v1/account/shards", json=_shards(non_ascii), headers=admin
        )
        assert_error(response, 400, 1009, "Invalid certificate: cannot be decoded")


async def test_set_shards_answers_1011_when_unregistered(sqlite_stack: InProcessStack) -> None:
    body = _shards(await _cert(sqlite_stack))
    response = await sqlite_stack.http.post(
        "/v1/account/shards", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 503, 1011, "No phone number is registered on this client")


async def test_set_shards_answers_1011_when_network_unreachable(
    sqlite_stack: InProcessStack,
) -> None:
    admin = await _admin(sqlite_stack)
    await _register(sqlite_stack, admin)
    cert = await _cert(sqlite_stack)
    await sqlite_stack.network.stop()
    await _wait_gateway(sqlite_stack, admin, "disconnected")
    response = await sqlite_stack.http.post("/v1/account/shards", json=_shards(cert), headers=admin)
    assert_error(response, 503, 1011, "not connected to the WhatsApp network")
    # What the coreapp keeps is still readable.
    got = await sqlite_stack.http.get("/v1/account/shards", headers=admin)
    assert assert_ok(got) == {"account": {"shards": 1}}


async def test_set_shards_needs_two_step_pin(stack: InProcessStack) -> None:
    admin = await _admin(stack)
    await _register(stack, admin)
    cert = await _cert(stack)
    enabled = await stack.http.post(
        "/v1/settings/account/two-step", json={"pin": PIN}, headers=admin
    )
    assert_ok(enabled)
    response = await stack.http.post("/v1/account/shards", json=_shards(cert), headers=admin)
    assert_error(response, 403, 1005, "Two-step verification is enabled for this number")
    body = _shards(cert, pin="111111")
    response = await stack.http.post("/v1/account/shards", json=body, headers=admin)
    assert_error(response, 403, 1005, "PIN incorrect")
    got = await stack.http.get("/v1/account/shards", headers=admin)
    assert assert_ok(got) == {"account": {"shards": 1}}
    body = _shards(cert, pin=PIN)
    assert_ok(await stack.http.post("/v1/account/shards", json=body, headers=admin), 201)
    got = await stack.http.get("/v1/account/shards", headers=admin)
    assert assert_ok(got) == {"account": {"shards": 2}}


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({"cc": CC, "phone_number": PHONE, "cert": "Y2VydA=="}, 1008, "parameter: shards"),
        ({"phone_number": PHONE, "shards": 2, "cert": "Y2VydA=="}, 1008, "parameter: cc"),
        ({"cc": CC, "shards": 2, "cert": "Y2VydA=="}, 1008, "parameter: phone_number"),
        (_shards("Y2VydA==", "2"), 1009, "Invalid value for shards"),
        (_shards("Y2VydA==", 2.5), 1009, "Invalid value for shards"),
        (_shards("Y2VydA==", True), 1009, "Invalid value for shards"),
        (_shards("Y2VydA==", None), 1009, "Invalid value for shards"),
        (_shards("Y2VydA==", [2]), 1009, "Invalid value for shards"),
        (_shards("Y2VydA==", cc="x1"), 1009, "Invalid value for cc"),
        (_shards("Y2VydA==", phone="12"), 1009, "Invalid value for phone_number"),
        (_shards("Y2VydA==", pin="1234"), 1009, "Invalid value for pin"),
        (_shards("Y2VydA==", method="sms"), 1010, "Unexpected parameter: method"),
    ],
    ids=lambda v: None if isinstance(v, dict) else str(v),
)
async def test_set_shards_rejects_invalid_body(
    sqlite_stack: InProcessStack, body: dict[str, Any], code: int, details: str
) -> None:
    response = await sqlite_stack.http.post(
        "/v1/account/shards", json=body, headers=await _admin(sqlite_stack)
    )
    assert_error(response, 400, code, details)
