"""Running pytest sessions that use the plugin, in a child process, as a user's project does
(the plugin comes from the installed package's entry point), and looking at what they left."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Every run is bounded below the suite's 180 s per test.
RUN_SECONDS = 150.0
# A project of the user's: warnings are errors, so the plugin must not cause any.
INI = "[pytest]\nfilterwarnings = error\n"


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without pytest's own variables (a worker id of an outer
    ``pytest -n`` would leak into the child's emulator), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(extra)
    return env


def write_project(folder: Path, files: dict[str, str]) -> Path:
    """A small test project: ``pytest.ini`` and the given files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pytest.ini").write_text(INI)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def pytest_command(basetemp: Path, *args: str) -> list[str]:
    """``python -m pytest`` with a known basetemp, no cache, no asyncio plugin noise."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:asyncio",
        f"--basetemp={basetemp}",
        *args,
    ]


def run_pytest(
    folder: Path, basetemp: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``folder``; bounded by ``RUN_SECONDS``."""
    return subprocess.run(
        pytest_command(basetemp, *args),
        cwd=folder,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )


def emulators(basetemp: Path) -> list[dict[str, Any]]:
    """The ``emulator.json`` of every emulator a session under ``basetemp`` started, with
    its folder."""
    found = []
    for path in sorted(basetemp.rglob("emulator.json")):
        description = json.loads(path.read_text())
        description["data_dir"] = str(path.parent)
        found.append(description)
    return found


def living_processes(folder: Path) -> list[int]:
    """Processes (zombies aside) whose ``WA_DATA_DIR`` is ``folder``: an emulator's."""
    marker = f"WA_DATA_DIR={folder}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in environ and state != "Z":
            found.append(int(entry.name))
    return found


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def leftovers(basetemp: Path, wait: float = 0.0) -> list[str]:
    """What the emulators under ``basetemp`` left running: processes and listening ports
    (after waiting up to ``wait`` seconds for them to go)."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for emulator in emulators(basetemp):
            pids = living_processes(Path(emulator["data_dir"]))
            found += [f"process {pid}" for pid in pids]
            for pid in emulator["pids"].values():
                if pid in pids:
                    continue
                if _alive(pid) and _is_waemu(pid):
                    found.append(f"process {pid}")
            found += [f"port {p}" for p in emulator["ports"].values() if listening(p)]
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _is_waemu(pid: int) -> bool:
    try:
        return b"waemu" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def interrupt(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> int:
    """Send ``sig`` and wait (bounded) for the process to end; its exit code."""
    process.send_signal(sig)
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        raise AssertionError(f"pytest did not end within 60 s of signal {sig}") from None
