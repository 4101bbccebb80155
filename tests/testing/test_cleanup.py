"""The plugin leaves nothing running (docs/testing.md#what-is-left-behind): after a session
whose test fails, after Ctrl-C (SIGINT) in the middle of a test, and after pytest is killed
outright, no emulator process of that session survives and its ports are free."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testing.sessions import (
    child_env,
    emulators,
    interrupt,
    leftovers,
    pytest_command,
    run_pytest,
    write_project,
)

pytestmark = pytest.mark.slow

FAILING = """
def test_fails_after_registering(waemu_business, waemu_customers):
    waemu_customers("Alice").send_text("hi")
    assert False, "this test fails on purpose"
"""

WAITING = """
import os, pathlib, time

def test_waits_to_be_interrupted(waemu_business, waemu_webhooks):
    pathlib.Path(os.environ["WAEMU_TEST_MARKER"]).write_text("running")
    time.sleep(120)
"""


def test_failing_test_leaves_no_process_or_port(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"test_failing.py": FAILING})
    basetemp = tmp_path / "basetemp"
    result = run_pytest(project, basetemp, "-q")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "this test fails on purpose" in result.stdout
    (emulator,) = emulators(basetemp)
    assert set(emulator["pids"]) == {"network", "coreapp", "webapp"}
    assert leftovers(basetemp) == []


@contextlib.contextmanager
def interrupted_session(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A session in the middle of a test that holds a registered business; killed at the end
    whatever the test did (its emulator then stops by the parent-death signal)."""
    project = write_project(tmp_path / "project", {"test_waiting.py": WAITING})
    basetemp, marker = tmp_path / "basetemp", tmp_path / "marker"
    process = subprocess.Popen(
        pytest_command(basetemp, "-q"),
        cwd=project,
        env=child_env(WAEMU_TEST_MARKER=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate(timeout=10)[0]
                raise AssertionError(f"the session never reached its test:\n{output[-3000:]}")
            time.sleep(0.1)
        assert len(emulators(basetemp)) == 1
        assert leftovers(basetemp) != []  # running now: the check sees them
        yield process, basetemp
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_interrupted_session_stops_the_emulator(tmp_path: Path) -> None:
    with interrupted_session(tmp_path) as (process, basetemp):
        code = interrupt(process, signal.SIGINT)
        output = process.communicate(timeout=10)[0]
        assert code == pytest.ExitCode.INTERRUPTED, output[-3000:]
        assert "KeyboardInterrupt" in output
        assert leftovers(basetemp) == []


def test_killed_pytest_takes_the_emulator_along(tmp_path: Path) -> None:
    with interrupted_session(tmp_path) as (process, basetemp):
        assert interrupt(process, signal.SIGKILL) == -signal.SIGKILL
        process.communicate(timeout=10)
        # No teardown ran: the kernel's parent-death signal stops the children.
        assert leftovers(basetemp, wait=30) == []
