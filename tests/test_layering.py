"""Import directions between packages (STYLE.md: webapp → storage, storage → fastapi and
anything → webapp are forbidden), checked by importing each package in a fresh interpreter."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path

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
    # The outbox and its dispatcher sit below the coreapp's services, which wire them up.
    "waemu.webhooks": (*WEB_STACK, "waemu.webapp", "waemu.coreapp"),
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


def module_sources(src: Path) -> dict[str, str]:
    """Every module under ``src`` by dotted name, with its source."""
    found = {}
    for path in src.rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path.read_text()
    return found


def import_graph(sources: dict[str, str], package: str) -> dict[str, set[str]]:
    """Which of ``package``'s modules each one imports, ``TYPE_CHECKING`` imports included
    (a circle hidden behind them is still a circle in the design)."""
    graph: dict[str, set[str]] = {name: set() for name in sources}
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [t if t in sources else node.module for t in targets]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {
                t for t in targets if t in sources and t != name and matches(t, package)
            }
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_the_package_imports_itself_around_a_circle() -> None:
    src = Path(__file__).resolve().parents[1] / "src"
    graph = import_graph(module_sources(src), "waemu")
    assert len(graph) > 150
    assert circles(graph) == []


def test_circle_check_finds_a_circle_behind_type_checking() -> None:
    sources = {
        "waemu.a": "from waemu import b",
        "waemu.b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from waemu.c import C",
        "waemu.c": "import waemu.a\nfrom waemu.d import D",
        "waemu.d": "",
    }
    assert circles(import_graph(sources, "waemu")) == [["waemu.a", "waemu.b", "waemu.c"]]
