"""A clone without Meta's Postman collection beside it: the suite collects and the tests that
read the collection are skipped, saying where to put it; on CI they fail instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = [
    "tests/webapp/test_message_validation_postman.py",
    "tests/webapp/test_stickerpacks_postman.py",
    "tests/e2e/test_postman.py",
]


def pytest_run(*args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["WAEMU_POSTMAN_COLLECTION"] = str(ROOT / "no-such-folder" / "collection.json")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_whole_suite_collects_without_the_collection() -> None:
    result = pytest_run("--collect-only", "tests", ci=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_collection_readers_skip_with_where_to_put_it_when_missing() -> None:
    result = pytest_run(*READERS, ci=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "skipped" in result.stdout and "failed" not in result.stdout
    assert "set WAEMU_POSTMAN_COLLECTION to the path of its collection.json" in result.stdout


def test_collection_readers_fail_on_ci_when_missing() -> None:
    result = pytest_run(*READERS, ci=True)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "skipped" not in result.stdout.splitlines()[-1]
    assert "Postman collection (v2.37) is not at" in result.stdout
