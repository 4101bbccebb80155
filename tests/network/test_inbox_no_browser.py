"""Without Chromium the web inbox's browser tests are skipped, saying how to install it; on
CI they fail instead (tests/network/inbox_server.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS = "tests/network/test_inbox_browser.py"
HINT = "apt-get install -y chromium chromium-driver"


def pytest_run(*, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["WAEMU_CHROMIUM"] = str(ROOT / "no-such-folder" / "chromium")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rsE", BROWSER_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_browser_tests_skip_without_chromium_and_say_how_to_install_it() -> None:
    result = pytest_run(ci=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " skipped" in result.stdout and " failed" not in result.stdout
    assert HINT in result.stdout


def test_browser_tests_fail_without_chromium_on_ci() -> None:
    result = pytest_run(ci=True)
    assert result.returncode != 0
    assert HINT in result.stdout and " passed" not in result.stdout
