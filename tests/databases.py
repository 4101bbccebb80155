"""The three database engines the suite runs on, each with its own throw-away database."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

ENGINES = ("sqlite", "postgres", "mysql")
SERVER_PORTS = {"postgres": 5432, "mysql": 3306}


def server_reachable(engine: str) -> bool:
    """Whether the local server for ``engine`` accepts connections."""
    port = SERVER_PORTS.get(engine)
    if port is None:
        return True
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def require_server(engine: str) -> None:
    """Skip (or on CI, fail) when the engine's local server is not running."""
    if server_reachable(engine):
        return
    message = f"{engine} server on 127.0.0.1:{SERVER_PORTS[engine]} is not reachable"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def engine_param(engine: str) -> object:
    """A pytest parameter for ``engine`` carrying its marker."""
    marks = {"postgres": [pytest.mark.postgres], "mysql": [pytest.mark.mysql]}.get(engine, [])
    return pytest.param(engine, marks=marks, id=engine)


def database_env(engine: str, data_dir: Path) -> dict[str, str]:
    """``WA_DB_*`` variables for a fresh database on ``engine`` (unique name prefix)."""
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    env = {"WA_DATA_DIR": str(data_dir), "WA_DB_NAME_PREFIX": prefix}
    if engine == "sqlite":
        env["WA_DB_ENGINE"] = "SQLITE"
    elif engine == "postgres":
        env.update(
            WA_DB_ENGINE="PGSQL",
            WA_DB_HOSTNAME="127.0.0.1",
            WA_DB_PORT="5432",
            WA_DB_USERNAME="postgres",
            WA_DB_PASSWORD="",
        )
    else:
        env.update(
            WA_DB_ENGINE="MYSQL",
            WA_DB_HOSTNAME="127.0.0.1",
            WA_DB_PORT="3306",
            WA_DB_USERNAME="root",
            WA_DB_PASSWORD="",
        )
    return env


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
