"""Database engines for the three supported servers, and the bounded wait for them.

``WA_DB_ENGINE`` picks SQLite (embedded default), PostgreSQL (asyncpg) or MySQL/MariaDB
(aiomysql). On a server the coreapp creates its database itself, as the real client does
(spec §1.6), named after ``WA_DB_NAME_PREFIX``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from waemu.settings import DatabaseSettings
from waemu.storage.server_writes import ServerWrites
from waemu.storage.sqlite_writes import SqliteWrites, connection_pragmas

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database server did not answer within the allowed wait."""


def sqlite_path(db: DatabaseSettings) -> Path:
    """The embedded database's file."""
    return db.sqlite_dir / f"{db.database_name}.db"


def database_url(db: DatabaseSettings, *, database: str | None = None) -> URL:
    """The SQLAlchemy URL of the emulator's database (or of ``database`` on the server)."""
    name = database if database is not None else db.database_name
    if db.engine == "SQLITE":
        return URL.create("sqlite+aiosqlite", database=str(db.sqlite_dir / f"{name}.db"))
    driver = "postgresql+asyncpg" if db.engine == "PGSQL" else "mysql+aiomysql"
    query = {"charset": "utf8mb4"} if db.engine == "MYSQL" else {}
    return URL.create(
        driver,
        username=db.username or None,
        password=db.password or None,
        host=db.hostname,
        port=db.port or None,
        database=name,
        query=query,
    )


def _server_url(db: DatabaseSettings) -> URL:
    """A URL to the server itself, for creating and dropping the emulator's database."""
    return database_url(db, database="postgres" if db.engine == "PGSQL" else "")


def _quote(db: DatabaseSettings, name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"database name {name!r} must be letters, digits and underscores")
    return f'"{name}"' if db.engine == "PGSQL" else f"`{name}`"


async def _on_server(db: DatabaseSettings, statements: list[str], check: str | None) -> None:
    engine = create_async_engine(_server_url(db), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if check is not None:
                exists = (await conn.execute(sa.text(check))).first() is not None
                if exists:
                    return
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _exists(db: DatabaseSettings, check: str) -> bool:
    engine = create_async_engine(_server_url(db), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(check))).first() is not None
    finally:
        await engine.dispose()


async def wait_and_create_database(db: DatabaseSettings, *, clock: Any = time) -> None:
    """Wait (at most ``wait_seconds``) for the server, then create the database if missing."""
    if db.engine == "SQLITE":
        db.sqlite_dir.mkdir(parents=True, exist_ok=True)
        return
    name = db.database_name
    if db.engine == "PGSQL":
        check = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - checked name
        create = [f"CREATE DATABASE {_quote(db, name)}"]
    else:
        check = None
        create = [
            f"CREATE DATABASE IF NOT EXISTS {_quote(db, name)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ]
    _quote(db, name)
    deadline = clock.monotonic() + db.wait_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            await _on_server(db, create, check)
            return
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError) as exc:
            # PostgreSQL: another node of a cluster created it between the check and ours
            # ("already exists", or the unique index of pg_database while both insert).
            if check is None or not await _exists(db, check):
                raise
            log.debug("database %s created by another node: %s", name, exc)
            return
        except (OSError, sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            if clock.monotonic() >= deadline:
                raise DatabaseUnavailable(
                    f"{db.engine} at {db.hostname}:{db.port} did not answer within "
                    f"{db.wait_seconds:g}s: {exc}"
                ) from exc
            if attempt == 1 or attempt % 10 == 0:
                log.info("waiting for %s at %s:%s: %s", db.engine, db.hostname, db.port, exc)
            await asyncio.sleep(0.5)


async def drop_database(db: DatabaseSettings) -> None:
    """Remove the emulator's database (used by the tests)."""
    if db.engine == "SQLITE":
        for suffix in ("", "-wal", "-shm"):
            (db.sqlite_dir / f"{db.database_name}.db{suffix}").unlink(missing_ok=True)
        return
    name = _quote(db, db.database_name)
    force = " WITH (FORCE)" if db.engine == "PGSQL" else ""
    await _on_server(db, [f"DROP DATABASE IF EXISTS {name}{force}"], None)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    connection_pragmas(dbapi_conn, busy_ms=5000, autocheckpoint=True)


def create_engine(db: DatabaseSettings) -> AsyncEngine:
    """The coreapp's engine: WAL on SQLite, a pool on the servers."""
    url = database_url(db)
    if db.engine == "SQLITE":
        engine = create_async_engine(url)
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def writer_transactions(db: DatabaseSettings, engine: AsyncEngine) -> SqliteWrites | ServerWrites:
    """The group-commit writer's own connection: synchronous on SQLite, held on a server."""
    if db.engine == "SQLITE":
        return SqliteWrites(sqlite_path(db))
    return ServerWrites(engine)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions that keep loaded attributes after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
