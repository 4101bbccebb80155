"""``/v1/certificates/external`` (spec §10.6): the uploaded HTTPS certificate of the webapp."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.conftest import running_processes
from tests.databases import free_port
from tests.stacks import ADMIN_PASSWORD, InProcessStack, bearer
from tests.webapp.assertions import assert_bare_404, assert_error, assert_ok
from tests.webapp.cert_bundles import encrypted_key, make_chain
from tests.webapp.helpers import create_user
from waemu.cli import _configure_logging
from waemu.settings import Settings
from waemu.webapp.certificate import select_certificate

UPLOAD = "/v1/certificates/external"
CA = "/v1/certificates/external/ca"
TEXT = {"Content-Type": "text/plain"}


async def post_pem(stack: InProcessStack, token: str, text: str) -> httpx.Response:
    """Upload ``text`` as the Postman request does (``text/plain``)."""
    return await stack.http.post(UPLOAD, content=text.encode(), headers={**TEXT, **bearer(token)})


async def test_upload_then_download_the_ca(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_bare_404(await stack.http.get(CA, headers=bearer(token)))
    chain = make_chain(now=stack.clock.now())
    assert assert_ok(await post_pem(stack, token, chain.bundle())) == {}
    user = await create_user(stack, "alice")
    for who in (token, user):
        response = await stack.http.get(CA, headers=bearer(who))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == chain.intermediate
    # A second upload replaces the first (the docs: "it is overwritten").
    other = make_chain(now=stack.clock.now())
    assert_ok(await post_pem(stack, token, other.bundle() + other.root))
    response = await stack.http.get(CA, headers=bearer(token))
    assert response.text == other.intermediate + other.root


async def test_missing_ca_is_a_bare_404_and_other_404s_keep_the_envelope(
    stack: InProcessStack,
) -> None:
    token = await stack.api.admin_token()
    user = await create_user(stack, "reader")
    # Meta's pages: "If no certificate is found, a 404 response code is returned with no body."
    assert_bare_404(await stack.http.get(CA, headers=bearer(user)))
    assert_bare_404(await stack.http.get("/v1/certificates/webhooks/ca", headers=bearer(token)))
    # Only those two: an unknown path or an unknown resource keeps the 404/1006 envelope.
    unknown = await stack.http.get(CA + "/extra", headers=bearer(token))
    assert_error(unknown, 404, 1006, "Unknown path")
    media = await stack.http.get(
        "/v1/media/f0f0f0f0-0000-4000-8000-000000000000", headers=bearer(token)
    )
    assert_error(media, 404, 1006, "")


async def test_bad_bundles_change_nothing(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await stack.api.admin_token()
    chain, stranger = make_chain(now=stack.clock.now()), make_chain(now=stack.clock.now())
    assert_ok(await post_pem(stack, token, chain.bundle()))
    cases = {
        "no PEM blocks": "hello",
        "does not match": stranger.key + chain.cert + chain.intermediate,
        "at least one intermediate": chain.key + chain.cert,
        "server certificate is missing": chain.key,
        "first block must be the private key": chain.cert + chain.key + chain.intermediate,
        "must not be encrypted": encrypted_key(chain) + chain.cert + chain.intermediate,
        "issued by": chain.key + chain.cert + stranger.root,
        "not signed by the next one": chain.key + chain.cert + stranger.intermediate,
        "not valid now": (expired := make_chain(now=stack.clock.now(), leaf_days=-1)).bundle(),
        "cannot be read": chain.key
        + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        + chain.intermediate,
    }
    assert expired.cert != chain.cert
    for details, text in cases.items():
        assert_error(await post_pem(stack, token, text), 400, 1009, details)
    assert_error(await post_pem(stack, token, "  "), 400, 1008, "certificate")
    as_json = await stack.http.post(UPLOAD, json={"pem": chain.bundle()}, headers=bearer(token))
    assert_error(as_json, 400, 1009, "Invalid")  # any body is read as PEM text
    response = await stack.http.get(CA, headers=bearer(token))
    assert response.text == chain.intermediate  # still the good upload


async def test_upload_needs_the_admin(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    await stack.api.admin_token()
    user = await create_user(stack, "alice")
    bundle = make_chain(now=stack.clock.now()).bundle()
    assert_error(await post_pem(stack, user, bundle), 403, 1005, "")
    assert_error(
        await stack.http.post(UPLOAD, content=bundle.encode(), headers=TEXT), 401, 1005, ""
    )
    assert_error(await stack.http.get(CA), 401, 1005, "")


def test_webapp_keeps_the_last_certificate_while_the_coreapp_is_away(tmp_path: Path) -> None:
    settings = replace(Settings.from_env({"WA_DATA_DIR": str(tmp_path)}), core_port=free_port())
    cert, key = select_certificate(settings, wait_seconds=0)
    assert cert.name == "webapp.crt"  # nothing uploaded, nothing cached: self-signed
    chain = make_chain()
    (tmp_path / "certs" / "external.crt").write_text(chain.cert + chain.intermediate)
    (tmp_path / "certs" / "external.key").write_text(chain.key)
    cert, key = select_certificate(settings, wait_seconds=0)
    assert (cert.name, key.name) == ("external.crt", "external.key")


def presented_certificate(port: int) -> bytes:
    """The DER certificate the server on ``port`` presents in the TLS handshake."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


@pytest.mark.slow
def test_restarted_webapp_serves_the_uploaded_certificate(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    with running_processes(db_env, tmp_path, tls=True) as running:
        port = int(running.env["WA_WEB_PORT"])
        self_signed = presented_certificate(port)
        chain = make_chain()
        with running.client() as http:
            login = http.post(
                "/v1/users/login",
                auth=("admin", "secret"),
                json={"new_password": ADMIN_PASSWORD},
            )
            token = login.json()["users"][0]["token"]
            uploaded = http.post(
                UPLOAD, content=chain.bundle().encode(), headers={**TEXT, **bearer(token)}
            )
            assert uploaded.status_code == 200, uploaded.text
        assert presented_certificate(port) == self_signed  # takes effect on restart only
        running.webapp.stop()
        running.webapp.start()
        running.wait_ready()
        assert presented_certificate(port) == chain.cert_der
        # A client trusting only the uploaded chain's root verifies the webapp.
        root = tmp_path / "root.pem"
        root.write_text(chain.root)
        context = ssl.create_default_context(cafile=str(root))
        with httpx.Client(base_url=running.base_url, verify=context) as trusting:
            ca = trusting.get(CA, headers=bearer(token))
        assert ca.status_code == 200
        assert ca.text == chain.intermediate


async def test_webapp_writes_the_uploaded_key_for_its_owner_only(
    sqlite_stack: InProcessStack, tmp_path: Path
) -> None:
    token = await sqlite_stack.api.admin_token()
    chain = make_chain(now=sqlite_stack.clock.now())
    assert (await post_pem(sqlite_stack, token, chain.bundle())).status_code == 200
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "external.key").write_text("an older key")
    (certs / "external.key").chmod(0o644)
    settings = replace(
        sqlite_stack.settings, data_dir=tmp_path, core_port=sqlite_stack.core.server.port
    )
    cert, key = await asyncio.to_thread(select_certificate, settings, wait_seconds=0)
    assert (cert.name, key.name) == ("external.crt", "external.key")
    assert key.stat().st_mode & 0o777 == 0o600
    assert cert.stat().st_mode & 0o777 == 0o600
    assert key.read_text() == chain.key
    assert cert.read_text() == chain.cert + chain.intermediate
    assert sorted(p.name for p in certs.iterdir()) == ["external.crt", "external.key"]


def test_webapp_does_not_serve_a_cached_key_of_another_certificate(tmp_path: Path) -> None:
    settings = replace(Settings.from_env({"WA_DATA_DIR": str(tmp_path)}), core_port=free_port())
    (tmp_path / "certs").mkdir()
    first, second = make_chain(), make_chain()
    (tmp_path / "certs" / "external.crt").write_text(first.cert + first.intermediate)
    (tmp_path / "certs" / "external.key").write_text(second.key)  # e.g. a crash between files
    cert, key = select_certificate(settings, wait_seconds=0)
    assert (cert.name, key.name) == ("webapp.crt", "webapp.key")


async def test_the_private_key_is_never_shown(
    sqlite_stack: InProcessStack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    quiet = logging.getLogger("aiosqlite")
    level = quiet.level
    _configure_logging("coreapp", "DEBUG")  # as WA_LOG_LEVEL=DEBUG does
    caplog.set_level(logging.DEBUG)
    try:
        await upload_fail_and_read(sqlite_stack, tmp_path, caplog)
    finally:
        quiet.setLevel(level)


async def upload_fail_and_read(
    sqlite_stack: InProcessStack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Upload a bundle, a broken one, start a webapp on it, read the answers: no key shown."""
    token = await sqlite_stack.api.admin_token()
    chain = make_chain(now=sqlite_stack.clock.now())
    key_body = chain.key.splitlines()[1]  # a line of the base64 key material
    assert (await post_pem(sqlite_stack, token, chain.bundle())).status_code == 200
    broken = chain.key.replace(key_body, key_body[::-1]) + chain.cert + chain.intermediate
    refused = await post_pem(sqlite_stack, token, broken)
    assert_error(refused, 400, 1009, "the private key cannot be read")
    settings = replace(
        sqlite_stack.settings, data_dir=tmp_path, core_port=sqlite_stack.core.server.port
    )
    await asyncio.to_thread(select_certificate, settings, wait_seconds=0)
    answers = [
        refused.text,
        (await sqlite_stack.http.get(CA, headers=bearer(token))).text,
        (await sqlite_stack.http.get("/v1/support", headers=bearer(token))).text,
    ]
    for text in [*answers, caplog.text]:
        assert "PRIVATE KEY" not in text
        assert key_body not in text and key_body[::-1] not in text
