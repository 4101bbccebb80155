"""Import directions between packages (STYLE.md: webapp → storage, storage → fastapi and
anything → webapp are forbidden), checked by importing each package in a fresh interpreter."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from importlib import import_module

import pytest

# Run in the child: import the modules one by one and record what each one pulled in first.
IMPORTER = """
import importlib, json, sys
pulled = {}
for name in json.loads(sys.argv[1]):
    before = set(sys.modules)
    importlib.import_module(name)
    pulled[name] = sorted(set(sys.modules) - before)
print(json.dumps(pulled))
"""

WEB_STACK = ("fastapi", "starlette", "uvicorn")
DATABASE = ("sqlalchemy", "alembic", "asyncpg", "aiomysql", "aiosqlite")
SERVERS = (*WEB_STACK, *DATABASE, "waemu.webapp", "waemu.coreapp", "waemu.storage")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "waemu.webapp": (*DATABASE, "waemu.storage", "waemu.coreapp"),
    "waemu.storage": (*WEB_STACK, "waemu.webapp"),
    "waemu.protocol": ("sqlalchemy", "fastapi", "waemu.webapp", "waemu.coreapp", "waemu.storage"),
    "waemu.errors": ("sqlalchemy", "fastapi", "waemu.webapp", "waemu.coreapp", "waemu.storage"),
    # A user's test process loads the client and the plugin, never the emulator's servers.
    "waemu.network.client": SERVERS,
    "waemu.testing": SERVERS,
}
# Running ``python -m waemu`` is not importing it: importing __main__ starts the command.
NOT_IMPORTABLE = {"waemu.__main__"}


def modules_of(package: str) -> list[str]:
    """``package`` and every module below it, parents before children."""
    pkg = import_module(package)
    names = [package]
    if hasattr(pkg, "__path__"):
        walked = pkgutil.walk_packages(pkg.__path__, prefix=f"{package}.")
        names += [info.name for info in walked]
    return [name for name in names if name not in NOT_IMPORTABLE]


def import_fresh(modules: list[str]) -> dict[str, list[str]]:
    """Import ``modules`` in order in a new interpreter; what each import added to sys.modules."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORTER, json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"importing {modules} failed:\n{result.stderr}"
    pulled: dict[str, list[str]] = json.loads(result.stdout)
    return pulled


def matches(name: str, prefix: str) -> bool:
    """Whether module ``name`` is ``prefix`` or inside it."""
    return name == prefix or name.startswith(f"{prefix}.")


def violations(pulled: dict[str, list[str]], forbidden: tuple[str, ...]) -> list[str]:
    """One line per forbidden module, naming the module whose import brought it in."""
    found = []
    for module, added in pulled.items():
        for prefix in forbidden:
            hits = [name for name in added if matches(name, prefix)]
            if hits:
                found.append(f"{module} imports {prefix} (pulled in {', '.join(hits[:3])})")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_avoids_forbidden_imports_when_loaded_in_fresh_interpreter(package: str) -> None:
    modules = modules_of(package)
    assert len(modules) > 1, f"found no modules in {package}"
    pulled = import_fresh(modules)
    assert set(pulled) == set(modules)
    problems = violations(pulled, FORBIDDEN[package])
    assert not problems, f"{package} breaks the layering:\n" + "\n".join(problems)


def test_nothing_outside_webapp_imports_webapp_when_loaded_in_fresh_interpreter() -> None:
    # cli and supervisor start the webapp, but only import it inside functions, so importing
    # the modules themselves must not load it either.
    modules = [name for name in modules_of("waemu") if not matches(name, "waemu.webapp")]
    assert {"waemu.cli", "waemu.supervisor", "waemu.coreapp.app"} <= set(modules)
    pulled = import_fresh(modules)
    problems = violations(pulled, ("waemu.webapp",))
    assert not problems, "modules outside the webapp import it:\n" + "\n".join(problems)


def test_layering_check_names_offender_when_a_forbidden_import_happens() -> None:
    # The check itself must be able to fail: storage.engine does pull in sqlalchemy.
    pulled = import_fresh(["waemu.settings", "waemu.storage.engine"])
    problems = violations(pulled, ("sqlalchemy", "waemu.webapp"))
    assert len(problems) == 1
    assert problems[0].startswith("waemu.storage.engine imports sqlalchemy (pulled in ")
