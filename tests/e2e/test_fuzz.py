"""schemathesis over ``/openapi.json`` against the real processes, on each engine.

The document (webapp/openapi.py) must describe what the server does: every status an
operation answers, every payload's schema, which bodies it takes and which it refuses.
schemathesis generates valid and invalid requests from the document and runs all of its
checks on the answers (tests/e2e/schemathesis.toml lists the few per-operation settings,
each with its reason). The run is deterministic (a fixed seed) and bounded (a few examples
per operation, a hard timeout); a failing check fails the test with schemathesis's report.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Processes, drop_env_database, start_processes
from tests.databases import database_env
from tests.e2e.postman_setup import CUSTOMER, admin_token, certificates, image, ok, register
from tests.stacks import bearer

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SEED = 20260101
MAX_EXAMPLES = 25
RUN_SECONDS = 150  # the hard bound of one engine's run (it takes far less, see docs/openapi.md)
LOGIN_USER, LOGIN_PASSWORD = "fuzzlogin", "Fuzz-Passw0rd!"
# Paths the run leaves out (each serves one method), and why: each would make the rest of
# the run meaningless.
EXCLUDED = {
    "/v1/users/logout": "revokes the token every other request of the run carries",
}
FUZZ_ENV = {
    # Fuzzed webhook URLs get one short attempt, not the default 20 s of each.
    "WA_WEBHOOK_TIMEOUT_SECONDS": "1",
    # Fuzzed contact checks with "blocking": "wait" wait this long at most.
    "WA_CONTACTS_WAIT_SECONDS": "2",
}


async def prepare(running: Processes, folder: Path) -> dict[str, str]:
    """A registered, connected number and what the run needs; the WAEMU_FUZZ_* values."""
    async with (
        httpx.AsyncClient(base_url=running.base_url, timeout=30) as http,
        httpx.AsyncClient(base_url=running.control_url, timeout=30) as control,
    ):
        token = await admin_token(http)
        admin = bearer(token)
        await register(http, control, token)
        user = {"username": LOGIN_USER, "password": LOGIN_PASSWORD}
        await ok(await http.post("/v1/users", json=user, headers=admin), 201)
        # Something to read back: a profile photo and both certificates.
        photo = {**admin, "Content-Type": "image/jpeg"}
        await ok(
            await http.post("/v1/settings/profile/photo", content=image("JPEG", 640), headers=photo)
        )
        ca_file, bundle_file = certificates(folder)
        pem = {**admin, "Content-Type": "text/plain"}
        await ok(
            await http.post(
                "/v1/certificates/webhooks/ca", content=ca_file.read_bytes(), headers=pem
            )
        )
        await ok(
            await http.post(
                "/v1/certificates/external", content=bundle_file.read_bytes(), headers=pem
            )
        )
        message = await customer_message(http, control, admin)
    basic = base64.b64encode(f"{LOGIN_USER}:{LOGIN_PASSWORD}".encode()).decode()
    return {
        "WAEMU_FUZZ_TOKEN": token,
        "WAEMU_FUZZ_BASIC": basic,
        "WAEMU_FUZZ_CUSTOMER": CUSTOMER,
        "WAEMU_FUZZ_MESSAGE": message,
    }


async def customer_message(
    http: httpx.AsyncClient, control: httpx.AsyncClient, admin: dict[str, str]
) -> str:
    """The id of a message the customer sent, once the coreapp has stored it."""
    sent = await control.post(
        f"/customers/{CUSTOMER}/messages", json={"type": "text", "text": {"body": "Hi!"}}
    )
    message_id = str((await ok(sent))["id"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        read = await http.put(f"/v1/messages/{message_id}", json={"status": "read"}, headers=admin)
        if read.status_code == 200:
            return message_id
        await asyncio.sleep(0.1)
    raise AssertionError(f"the customer's message {message_id} never arrived")


def schemathesis(
    base_url: str, values: dict[str, str], folder: Path
) -> subprocess.CompletedProcess[str]:
    """One bounded, deterministic run over the document; its output."""
    excluded = [arg for path in sorted(EXCLUDED) for arg in ("--exclude-path", path)]
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--no-color",
        *excluded,
    ]
    env = {**os.environ, **values}
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=RUN_SECONDS
    )


@pytest.mark.timeout(300)
def test_openapi_document_holds_when_fuzzed_against_the_server(engine: str, tmp_path: Path) -> None:
    env = {**database_env(engine, tmp_path), **FUZZ_ENV}
    running = start_processes(env, tmp_path)
    try:
        values = asyncio.run(prepare(running, tmp_path))
        result = schemathesis(running.base_url, values, tmp_path)
        report = result.stdout + result.stderr
        assert result.returncode == 0, report
        assert "Tested: " in report, report
    finally:
        for process in reversed(running.all()):
            process.stop()
        drop_env_database(running.env)
