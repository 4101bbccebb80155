"""The example project examples/hello-bot runs its own test suite, written with the plugin
only, as its user would: ``pytest`` in its folder, with its own configuration and the plugin
from the installed package (docs/testing.md). On SQLite, on PostgreSQL, and under
``pytest -n 2`` with one emulator per worker.

Why a child run and not ``examples`` in the suite's ``testpaths``: collected from here, the
example would run under this project's configuration and rootdir (its own ``pythonpath`` and
options ignored, this suite's fixtures beside it), so it would no longer show that the folder
works on its own — which is what a user copying it needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.databases import ENGINES, engine_param, require_server
from tests.testing.sessions import ROOT, emulators, leftovers, run_pytest

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "hello-bot"
TESTS = 5


def _passed(output: str) -> int:
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("engine", [engine_param(e) for e in ENGINES if e != "mysql"])
def test_example_suite_passes(engine: str, tmp_path: Path) -> None:
    require_server(engine)
    basetemp = tmp_path / "basetemp"
    result = run_pytest(EXAMPLE, basetemp, f"--waemu-db={engine}", "-q")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert _passed(result.stdout) == TESTS
    (emulator,) = emulators(basetemp)
    assert emulator["engine"] == engine
    assert leftovers(basetemp) == []


def test_example_suite_passes_with_one_emulator_per_xdist_worker(tmp_path: Path) -> None:
    basetemp = tmp_path / "basetemp"
    result = run_pytest(EXAMPLE, basetemp, "-n", "2", "-v")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert _passed(result.stdout) == TESTS
    workers = set(re.findall(r"\[(gw\d+)\]", result.stdout))
    started = emulators(basetemp)
    assert len(started) == len(workers) >= 1
    assert all(f"popen-{w}" in e["data_dir"] for e in started for w in [_worker(e)])
    ports = [port for e in started for port in e["ports"].values()]
    assert len(set(ports)) == len(ports)  # no two workers share a port
    assert len({e["database_prefix"] for e in started}) == len(started)
    assert leftovers(basetemp) == []


def _worker(emulator: dict[str, object]) -> str:
    found = re.search(r"waemu_(gw\d+)_", str(emulator["database_prefix"]))
    assert found, emulator
    return found.group(1)
