"""How the test emulator is started: the database, HTTPS, extra variables (docs/testing.md).

Read from the command line (``--waemu-*``), then the ini file (``waemu_*`` keys in
``pytest.ini``/``pyproject.toml``), then the environment (``WAEMU_DB``, ``WAEMU_DB_URL``),
then the defaults: embedded SQLite, plain HTTP, 60 seconds to start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

ENGINES = {"sqlite": "SQLITE", "postgres": "PGSQL", "mysql": "MYSQL"}
URL_SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pgsql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}
DEFAULT_START_SECONDS = 60.0


class OptionError(ValueError):
    """An option of the plugin has a value it cannot use."""


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Everything that decides how one emulator runs."""

    engine: str = "sqlite"  # sqlite, postgres or mysql
    db_url: str | None = None  # where the PostgreSQL/MySQL server is; None: WA_DB_* or defaults
    tls: bool = False  # HTTPS with a self-signed certificate instead of plain HTTP
    start_seconds: float = DEFAULT_START_SECONDS
    env: Mapping[str, str] = field(default_factory=dict)  # extra WA_* variables
    worker: str = "main"  # the pytest-xdist worker id (gw0, gw1, ...) or "main"

    def database_env(self) -> dict[str, str]:
        """The ``WA_DB_*`` variables: the engine, the server (from ``db_url``) and a name
        prefix of its own, so several emulators share one server (one per xdist worker)."""
        if self.engine not in ENGINES:
            raise OptionError(f"--waemu-db must be one of {', '.join(ENGINES)}, not {self.engine}")
        worker = "".join(c for c in self.worker if c.isalnum()).lower() or "main"
        env = {
            "WA_DB_ENGINE": ENGINES[self.engine],
            "WA_DB_NAME_PREFIX": f"waemu_{worker}_{secrets.token_hex(4)}_",
        }
        if self.engine != "sqlite" and self.db_url:
            env.update(_server_env(self.db_url))
        return env


def _server_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise OptionError(f"--waemu-db-url needs a host: {url!r}")
    env = {"WA_DB_HOSTNAME": parts.hostname}
    if parts.port is not None:
        env["WA_DB_PORT"] = str(parts.port)
    if parts.username:
        env["WA_DB_USERNAME"] = unquote(parts.username)
    env["WA_DB_PASSWORD"] = unquote(parts.password or "")
    return env


def engine_of_url(url: str) -> str:
    """The engine a database URL names by its scheme (``postgresql://``, ``mysql://`` …)."""
    scheme = urlsplit(url).scheme.split("+", 1)[0].lower()
    if scheme not in URL_SCHEMES:
        raise OptionError(f"--waemu-db-url must be a postgresql:// or mysql:// URL, not {url!r}")
    return URL_SCHEMES[scheme]


def parse_env(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a mapping."""
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise OptionError(f"--waemu-env takes NAME=VALUE, not {pair!r}")
        env[name.strip()] = value
    return env


def resolve(
    *,
    engine: str | None,
    db_url: str | None,
    tls: bool,
    start_seconds: float | None,
    env: Mapping[str, str],
    worker: str,
    environ: Mapping[str, str] | None = None,
) -> EmulatorOptions:
    """The options from what the command line and ini file gave, the environment filling
    the gaps."""
    environ = os.environ if environ is None else environ
    db_url = db_url or environ.get("WAEMU_DB_URL") or None
    engine = engine or environ.get("WAEMU_DB") or None
    if engine is None:
        engine = engine_of_url(db_url) if db_url else "sqlite"
    engine = engine.lower()
    if engine not in ENGINES:
        raise OptionError(f"--waemu-db must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine != "sqlite" and db_url and engine_of_url(db_url) != engine:
        raise OptionError(f"--waemu-db={engine} does not match --waemu-db-url {db_url!r}")
    seconds = DEFAULT_START_SECONDS if start_seconds is None else float(start_seconds)
    if seconds <= 0:
        raise OptionError("--waemu-start-timeout must be a positive number of seconds")
    return EmulatorOptions(engine, db_url, tls, seconds, dict(env), worker)
