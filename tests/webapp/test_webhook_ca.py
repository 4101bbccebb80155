"""The webhook CA (spec §10.6): ``/v1/certificates/webhooks/ca`` and HTTPS receivers verified
against the system's CAs plus the uploaded one, applied without a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.messaging import ALICE, customer_writes, eventually, ready, until
from tests.receiver import Receiver
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_bare_404, assert_error, assert_ok
from tests.webapp.helpers import create_user
from tests.webapp.restarts import restart_core
from tests.webapp.test_webhooks import set_webhook
from tests.webhook_tls import TlsReceiver, make_pki, server_context

CA_PATH = "/v1/certificates/webhooks/ca"
PEM_TYPE = {"Content-Type": "text/plain"}


def auth(token: str, **extra: str) -> dict[str, str]:
    return {**bearer(token), **extra}


async def journal(stack: InProcessStack, **query: Any) -> dict[str, Any]:
    response = await stack.control.get(f"/businesses/{WA_ID}/webhooks/attempts", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pending(stack: InProcessStack) -> int:
    """Notifications waiting in the outbox, per the journal endpoint."""
    count: int = (await journal(stack))["pending"]
    return count


async def test_upload_read_and_delete_the_webhook_ca(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_bare_404(await stack.http.get(CA_PATH, headers=bearer(token)))
    pem = make_pki().ca_pem + make_pki("Second CA").ca_pem  # a bundle of two
    uploaded = await stack.http.post(CA_PATH, content=pem, headers=auth(token, **PEM_TYPE))
    assert assert_ok(uploaded) == {}
    read = await stack.http.get(CA_PATH, headers=bearer(token))
    assert read.status_code == 200
    assert read.headers["content-type"].startswith("text/plain")
    assert read.text == pem

    await restart_core(stack)  # kept in the database
    assert (await stack.http.get(CA_PATH, headers=bearer(token))).text == pem

    assert assert_ok(await stack.http.delete(CA_PATH, headers=bearer(token))) == {}
    assert_bare_404(await stack.http.get(CA_PATH, headers=bearer(token)))
    # Deleting when there is none is not an error: the resource is a singleton.
    assert assert_ok(await stack.http.delete(CA_PATH, headers=bearer(token))) == {}
    await restart_core(stack)
    assert_bare_404(await stack.http.get(CA_PATH, headers=bearer(token)))


async def test_webhook_ca_is_admin_only(sqlite_stack: InProcessStack) -> None:
    user = await create_user(sqlite_stack, "webhookuser")
    pem = make_pki().ca_pem
    for method in ("GET", "POST", "DELETE"):
        response = await sqlite_stack.http.request(
            method, CA_PATH, content=pem if method == "POST" else None, headers=bearer(user)
        )
        assert_error(response, 403, 1005, "")
    assert_error(await sqlite_stack.http.get(CA_PATH), 401, 1005, "")


async def test_webhook_ca_body_must_be_certificates(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    pki = make_pki()

    async def post(content: bytes, content_type: str = "text/plain") -> Any:
        headers = auth(token, **{"Content-Type": content_type})
        return await sqlite_stack.http.post(CA_PATH, content=content, headers=headers)

    assert_error(await post(b"not a certificate"), 400, 1009, "PEM-encoded X.509")
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert_error(await post(broken), 400, 1009, "PEM-encoded X.509")
    with_key = (pki.server_pem + pki.server_key_pem).encode()
    assert_error(await post(with_key), 400, 1009, "private key")
    assert_error(await post(b""), 400, 1008, "PEM certificate body")
    assert_error(await post(b"\xff\xfe" + pki.ca_pem.encode()), 400, 1009, "UTF-8")
    too_big = pki.ca_pem.encode() + b"#" * (1024 * 1024)
    assert_error(await post(too_big), 413, 1025, "larger than the limit")
    # Nothing was stored by the refused uploads.
    assert_bare_404(await sqlite_stack.http.get(CA_PATH, headers=bearer(token)))
    # Any content type is read as PEM text (curl --data-binary sends a form type).
    commented = "# our private CA\n" + pki.ca_pem
    assert_ok(await post(commented.encode(), "application/x-www-form-urlencoded"))
    assert (await sqlite_stack.http.get(CA_PATH, headers=bearer(token))).text == commented


async def test_https_receiver_is_verified_against_the_uploaded_ca(
    stack: InProcessStack, tmp_path: Path
) -> None:
    pki = make_pki()
    async with TlsReceiver(server_context(pki, tmp_path)) as receiver:
        token = await ready(stack)
        await set_webhook(stack, token, receiver.url)
        dispatcher = stack.core.webhooks
        assert dispatcher is not None
        first_id = await customer_writes(stack, ALICE, "over TLS?")

        # Unknown issuer: the handshake fails, the attempt is journalled and retried.
        async def refused() -> list[dict[str, Any]]:
            return [a for a in (await journal(stack))["attempts"] if a["error"]]

        for _ in range(500):
            if await refused():
                break
            await asyncio.sleep(0.02)
        (failed,) = await refused()
        assert "CERTIFICATE_VERIFY_FAILED" in failed["error"], failed
        assert failed["status_code"] is None and failed["url"] == receiver.url
        assert failed["next_retry_at"] is not None
        assert receiver.attempts == []  # no HTTP request got through

        uploaded = await stack.http.post(
            CA_PATH, content=pki.ca_pem, headers=auth(token, **PEM_TYPE)
        )
        assert_ok(uploaded)
        stack.clock.advance(3)  # the first retry is due 3 s after the failure
        dispatcher.kick()
        await eventually(lambda: len(receiver.bodies) == 1)
        assert receiver.bodies[0]["messages"][0]["id"] == first_id
        await until(lambda: pending(stack), 0)

        # Without the CA the receiver is refused again, from the next attempt on.
        assert_ok(await stack.http.delete(CA_PATH, headers=bearer(token)))
        await customer_writes(stack, ALICE, "still there?")
        for _ in range(500):
            if len(await refused()) == 2:
                break
            await asyncio.sleep(0.02)
        assert len(await refused()) == 2
        assert len(receiver.bodies) == 1
        assert await pending(stack) == 1


async def test_plain_http_receivers_do_not_need_a_ca(sqlite_stack: InProcessStack) -> None:
    async with Receiver() as receiver:
        token = await ready(sqlite_stack)
        await set_webhook(sqlite_stack, token, receiver.url)
        pem = make_pki().ca_pem
        assert_ok(
            await sqlite_stack.http.post(CA_PATH, content=pem, headers=auth(token, **PEM_TYPE))
        )
        inbound = await customer_writes(sqlite_stack, ALICE)
        await eventually(lambda: len(receiver.bodies) == 1)
    assert receiver.bodies[0]["messages"][0]["id"] == inbound


async def test_oversized_pem_is_refused_without_reading_it_whole(
    sqlite_stack: InProcessStack,
) -> None:
    token = await sqlite_stack.api.admin_token()
    pulled = 0

    async def four_mebibytes() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(64):  # sent chunked: no Content-Length for the edge to judge
            pulled += 1
            yield b"#" * 65536

    for path in (CA_PATH, "/v1/certificates/external"):
        pulled = 0
        response = await sqlite_stack.http.post(
            path, content=four_mebibytes(), headers=auth(token, **{"Content-Type": "text/plain"})
        )
        assert_error(response, 413, 1025, "larger than the limit of 1048576 bytes")
        assert pulled <= 17  # 1 MiB is 16 chunks: reading stopped at the limit
    assert_bare_404(await sqlite_stack.http.get(CA_PATH, headers=bearer(token)))
