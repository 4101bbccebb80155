"""The README's walkthrough, run as written against the real processes (SQLite, HTTPS)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import running_processes
from tests.databases import database_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PASSWORD = "N3w-Passw0rd!"  # the password the Quick start's first login sets


def walkthrough() -> str:
    """The shell block under the README's walkthrough heading."""
    text = README.read_text()
    section = text.split("## Walkthrough", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match is not None, "the walkthrough has no sh block"
    return match.group(1)


def documents(text: str) -> list[dict[str, object]]:
    """The JSON documents curl printed back to back."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


@pytest.mark.skipif(shutil.which("jq") is None, reason="the walkthrough uses jq")
def test_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    with running_processes(database_env("sqlite", tmp_path), tmp_path, tls=True) as running:
        with running.client() as http:
            first = http.post(
                "/v1/users/login", auth=("admin", "secret"), json={"new_password": PASSWORD}
            )
            assert first.status_code == 200, first.text
        script = walkthrough()
        script = script.replace("https://localhost:9090", running.base_url)
        script = script.replace("http://localhost:9190", running.control_url)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        answers = documents(result.stdout)
        assert answers[0] == {
            "account": [{"vname": "Acme Shop"}],
            "meta": {"api_status": "stable", "version": "v2.53.2"},
        }
        assert set(answers[1]) == {"meta"}  # verified
        assert answers[2]["health"]["gateway_status"] in ("connecting", "connected")
        statuses = {c["input"]: c["status"] for c in answers[3]["contacts"]}
        assert statuses == {"+1 631-555-1001": "valid", "16315550000": "invalid"}
        assert set(answers[4]) == {"meta"}  # webhook URL set


def test_readme_cert_command_runs_as_written_from_the_repository(tmp_path: Path) -> None:
    (line,) = [
        line for line in README.read_text().splitlines() if line.startswith(".venv/bin/waemu cert")
    ]
    env = {"PATH": "/usr/bin:/bin", "WA_DATA_DIR": str(tmp_path)}  # no activated environment
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", line],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) > 100 and "\n" not in result.stdout.strip()
