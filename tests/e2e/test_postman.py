"""Meta's Postman collection (v2.37), run unchanged with newman against the real processes.

The collection file is only read (its sha256 is checked before and after). The setup makes its
values real (tests/e2e/postman_setup.py), ``conformance/run-postman.js`` replaces the
placeholders in memory and adds the assertions the collection lacks: every request must answer
2xx in the On-Premises envelope, or the error listed below with its reason (docs/postman.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_processes
from tests.databases import database_env
from tests.e2e.postman_setup import (
    CONFORMANCE,
    SHARED,
    VALUES_FILE,
    make_values_real,
    newman_ready,
)
from tests.receiver import Receiver
from tests.webapp.postman import COLLECTION, require_collection
from waemu.settings import Settings
from waemu.storage.engine import drop_database

pytestmark = pytest.mark.slow

COLLECTION_SHA256 = "b5dd5386f244516534c75773c130003cb4cf04a625fc33c060649425a00c2f8b"
REQUESTS = 93  # every request of the collection, in its order

# Requests that fail by nature when the collection runs in its order on a fresh instance:
# name → (HTTP status, error code, reason). Anything else failing is a bug of the emulator.
EXPECTED_FAILURES: dict[str, tuple[int, int, str]] = {
    "Login-User": (401, 1005, "the user does not exist yet: Create-User comes after it"),
    "Set-Shards": (
        400,
        1008,
        "the collection (v2.37) sends no cert; the emulated v2.53 requires it, as every "
        "version from v2.45 does (spec 5.3)",
    ),
    "Delete-Media-Providers": (
        404,
        1006,
        "it comes before Update-Media-Providers: no provider of that name exists yet",
    ),
    "Restore-Settings": (
        403,
        1005,
        "a restore needs an unregistered client (spec 9.7); the number is registered",
    ),
    "Get-Profile-Photo-Binary": (404, 1006, "it comes before Set-Profile-Photo: no photo yet"),
    "Get-Profile-Photo-URL": (404, 1006, "it comes before Set-Profile-Photo: no photo yet"),
    "Register-Account": (
        403,
        1005,
        "the number was registered before the run (01-Settings and the webhook message id "
        "need it), so Request-Code answers 201 and no code is pending to verify",
    ),
    # Delete-Third-Party-Stickerpack comes before the requests on that pack's stickers.
    **{
        name: (404, 1006, "the pack was deleted by Delete-Third-Party-Stickerpack before it")
        for name in (
            "Get-Third-Party-Stickerpack-Info",
            "Create-Third-Party-Stickers",
            "Get-Third-Party-Stickers",
            "Update-Third-Party-Sticker",
            "Delete-Third-Party-Sticker",
            "Get-Third-Party-Sticker-Info",
        )
    },
}


def expectations() -> dict[str, Any]:
    """What the runner asserts per request name (2xx when absent)."""
    return {
        name: {"status": status, "code": code}
        for name, (status, code, _) in EXPECTED_FAILURES.items()
    }


def require_newman() -> None:
    """Skip (or on CI, fail) when node is missing; install newman when it is not yet."""
    require_collection()
    missing = newman_ready()
    if missing and os.environ.get("CI"):
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)


def collection_digest() -> str:
    return hashlib.sha256(COLLECTION.read_bytes()).hexdigest()


def runner() -> list[str]:
    """The runner's command with the collection and the values shared by every emulator."""
    return [
        "node",
        str(CONFORMANCE / "run-postman.js"),
        "--collection",
        str(COLLECTION),
        "--values",
        str(VALUES_FILE),
    ]


async def run_newman(folder: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Run the collection with the shared and the run's own values; the runner's report."""
    run_values, expect, report = (folder / n for n in ("values.json", "expect.json", "report.json"))
    run_values.write_text(json.dumps(values))
    expect.write_text(json.dumps(expectations()))
    process = await asyncio.create_subprocess_exec(
        *runner(),
        "--values",
        str(run_values),
        "--expect",
        str(expect),
        "--report",
        str(report),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(120):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert report.exists(), output.decode()
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def test_runner_names_every_value_an_instance_must_give_when_only_shared_values() -> None:
    require_newman()
    done = subprocess.run(
        runner(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lacking = {line.strip().split(": ")[0] for line in done.stderr.splitlines()[1:]}
    assert lacking == {
        *(f"placeholder {json.dumps(key)}" for key in SHARED["examples"]),
        *(
            f"environment variable {name}"
            for name in (
                "URL",
                "AdminPassword",
                "Test-Media-Id",
                "Test-1P-Stickerpack-Id",
                "Test-Sticker-Index",
            )
        ),
        "a file for the body (files)",
    }
    assert collection_digest() == COLLECTION_SHA256


def describe(request: dict[str, Any]) -> str:
    failed = [a["error"] for a in request["assertions"] if not a["passed"]]
    why = request["error"] or "; ".join(failed) or "no assertion ran"
    return (
        f"{request['folder']} / {request['name']}: {request['method']} {request['url']} -> "
        f"{request['status']} ({why})\n    {request['body']}"
    )


async def test_postman_collection_runs_green_against_the_real_processes(tmp_path: Path) -> None:
    require_newman()
    assert collection_digest() == COLLECTION_SHA256
    running = start_processes(database_env("sqlite", tmp_path), tmp_path)
    try:
        async with Receiver() as receiver:
            values = await make_values_real(running, receiver, tmp_path)
            report = await run_newman(tmp_path, values)
    finally:
        running.stop_all()
        await drop_database(Settings.from_env(running.env).db)
    assert collection_digest() == COLLECTION_SHA256  # the run read the file, never wrote it
    names = [r["name"] for r in report["requests"]]
    assert len(names) == REQUESTS, names
    failures = [describe(r) for r in report["requests"] if not r["passed"]]
    assert not failures, "\n".join(failures)
