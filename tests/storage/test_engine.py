"""Database URLs, creating and dropping the database, migrations and UtcDateTime, per engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.databases import engine_param, free_port
from waemu.settings import DatabaseSettings, Settings
from waemu.storage import migrate
from waemu.storage.base import Base, UtcDateTime
from waemu.storage.engine import (
    DatabaseUnavailable,
    create_engine,
    database_url,
    drop_database,
    wait_and_create_database,
)
from waemu.storage.tables import ConfigRow

SERVERS = [engine_param("postgres"), engine_param("mysql")]


@pytest.fixture
async def db(db_env: dict[str, str]) -> AsyncIterator[DatabaseSettings]:
    """The settings of a fresh database on the engine under test; dropped afterwards."""
    settings = Settings.from_env(db_env).db
    yield settings
    await drop_database(settings)


@pytest.fixture
async def sql(db: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
    """The emulator's engine on a created (not yet migrated) database."""
    await wait_and_create_database(db)
    engine = create_engine(db)
    yield engine
    await engine.dispose()


async def database_exists(db: DatabaseSettings) -> bool:
    """Whether the emulator's database exists, asked of the server (or the file system)."""
    if db.engine == "SQLITE":
        return (db.sqlite_dir / f"{db.database_name}.db").exists()
    if db.engine == "PGSQL":
        url = database_url(db, database="postgres")
        query = "SELECT 1 FROM pg_database WHERE datname = :name"
    else:
        url = database_url(db, database="")
        query = "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"
    server = create_async_engine(url)
    try:
        async with server.connect() as conn:
            row = (await conn.execute(sa.text(query), {"name": db.database_name})).first()
    finally:
        await server.dispose()
    return row is not None


# -- URLs ----------------------------------------------------------------------------------


def test_database_url_points_at_file_in_data_dir_when_sqlite() -> None:
    db = DatabaseSettings(engine="SQLITE", sqlite_dir=Path("/srv/wa"), name_prefix="p_")
    url = database_url(db)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == "/srv/wa/p_waent.db"
    assert (url.host, url.username, url.password) == (None, None, None)


def test_database_url_uses_asyncpg_when_pgsql() -> None:
    db = DatabaseSettings(engine="PGSQL", hostname="db", port=5432, username="postgres")
    url = database_url(db)
    assert (
        url.render_as_string(hide_password=False) == "postgresql+asyncpg://postgres@db:5432/waent"
    )


def test_database_url_uses_aiomysql_with_utf8mb4_when_mysql() -> None:
    db = DatabaseSettings(
        engine="MYSQL", hostname="db", port=3306, username="root", name_prefix="x_"
    )
    url = database_url(db)
    assert (
        url.render_as_string(hide_password=False)
        == "mysql+aiomysql://root@db:3306/x_waent?charset=utf8mb4"
    )


def test_database_url_carries_password_when_set() -> None:
    db = DatabaseSettings(engine="PGSQL", hostname="db", port=6543, username="wa", password="pw")
    url = database_url(db)
    assert (url.username, url.password, url.port) == ("wa", "pw", 6543)


def test_database_url_names_other_database_when_asked() -> None:
    db = DatabaseSettings(engine="PGSQL", hostname="db", port=5432, username="postgres")
    assert database_url(db, database="postgres").database == "postgres"


def test_database_url_has_no_port_when_port_is_zero() -> None:
    db = DatabaseSettings(engine="MYSQL", hostname="db", port=0, username="root")
    assert database_url(db).port is None


# -- creating and dropping -----------------------------------------------------------------


@pytest.mark.parametrize("engine", SERVERS, indirect=True)
async def test_wait_and_create_database_creates_it_when_missing(db: DatabaseSettings) -> None:
    assert not await database_exists(db)
    await wait_and_create_database(db)
    assert await database_exists(db)


@pytest.mark.parametrize("engine", SERVERS, indirect=True)
async def test_wait_and_create_database_keeps_data_when_database_exists(
    db: DatabaseSettings,
) -> None:
    await wait_and_create_database(db)
    engine = create_engine(db)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE kept (n INTEGER)"))
            await conn.execute(sa.text("INSERT INTO kept (n) VALUES (42)"))
        await wait_and_create_database(db)
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT n FROM kept"))).scalar_one() == 42
    finally:
        await engine.dispose()


@pytest.mark.parametrize("engine", SERVERS, indirect=True)
async def test_drop_database_removes_it_when_it_exists(db: DatabaseSettings) -> None:
    await wait_and_create_database(db)
    assert await database_exists(db)
    await drop_database(db)
    assert not await database_exists(db)
    await drop_database(db)  # dropping what is gone is not an error


async def test_wait_and_create_database_makes_data_dir_when_sqlite(tmp_path: Path) -> None:
    db = DatabaseSettings(engine="SQLITE", sqlite_dir=tmp_path / "a" / "b")
    await wait_and_create_database(db)
    assert db.sqlite_dir.is_dir()
    await wait_and_create_database(db)


async def test_drop_database_removes_file_and_wal_when_sqlite(tmp_path: Path) -> None:
    db = DatabaseSettings(engine="SQLITE", sqlite_dir=tmp_path, name_prefix="t_")
    await wait_and_create_database(db)
    engine = create_engine(db)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (n INTEGER)"))
    finally:
        await engine.dispose()
    (tmp_path / "t_waent.db-wal").touch()
    (tmp_path / "t_waent.db-shm").touch()
    assert await database_exists(db)
    await drop_database(db)
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", ["PGSQL", "MYSQL"])
async def test_wait_and_create_database_raises_unavailable_when_server_never_answers(
    engine: str,
) -> None:
    port = free_port()
    db = DatabaseSettings(engine=engine, port=port, username="root", wait_seconds=0)
    with pytest.raises(DatabaseUnavailable) as caught:
        await wait_and_create_database(db)
    assert str(caught.value).startswith(f"{engine} at 127.0.0.1:{port} did not answer within 0s")


@pytest.mark.parametrize("engine", ["PGSQL", "MYSQL"])
@pytest.mark.parametrize("prefix", ["bad-name_", "x`; DROP DATABASE y; --", "a b_"])
async def test_wait_and_create_database_refuses_name_when_prefix_is_unsafe(
    engine: str, prefix: str
) -> None:
    db = DatabaseSettings(engine=engine, port=free_port(), name_prefix=prefix, wait_seconds=0)
    with pytest.raises(ValueError, match="must be letters, digits and underscores"):
        await wait_and_create_database(db)


# -- migrations ----------------------------------------------------------------------------


def head_revision() -> str | None:
    """The newest revision in migrations/."""
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


async def test_migrations_create_tables_when_upgraded(sql: AsyncEngine) -> None:
    await migrate.upgrade(sql)

    def inspect(conn: Any) -> dict[str, Any]:
        inspector = sa.inspect(conn)
        return {
            "tables": set(inspector.get_table_names()),
            "users": {c["name"] for c in inspector.get_columns("users")},
            "indexes": {i["name"] for i in inspector.get_indexes("revoked_tokens")},
        }

    async with sql.connect() as conn:
        found = await conn.run_sync(inspect)
        version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).all()
    assert {"users", "revoked_tokens", "config", "alembic_version"} <= found["tables"]
    assert found["users"] == {
        "id",
        "username",
        "password_hash",
        "role",
        "must_change_password",
        "generation",
        "created_at",
        "updated_at",
    }
    assert "ix_revoked_tokens_expires_at" in found["indexes"]
    assert version == [(head_revision(),)]


async def test_migrations_match_table_models_when_upgraded(sql: AsyncEngine) -> None:
    await migrate.upgrade(sql)

    def differences(conn: Any) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with sql.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_migrations_change_nothing_when_upgraded_twice(sql: AsyncEngine) -> None:
    await migrate.upgrade(sql)
    async with sql.begin() as conn:
        await conn.execute(sa.insert(ConfigRow).values(key="kept", value='"yes"'))
    await migrate.upgrade(sql)
    async with sql.connect() as conn:
        rows = (await conn.execute(sa.select(ConfigRow.key, ConfigRow.value))).all()
        version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).all()
    assert rows == [("kept", '"yes"')]
    assert version == [(head_revision(),)]


# -- UtcDateTime ---------------------------------------------------------------------------

stamps_metadata = sa.MetaData()
stamps = sa.Table(
    "stamps",
    stamps_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=True),
)


@pytest.fixture
async def stamps_table(sql: AsyncEngine) -> AsyncEngine:
    async with sql.begin() as conn:
        await conn.run_sync(stamps_metadata.create_all)
    return sql


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
        datetime(2026, 3, 4, 10, 36, 7, 654321, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-8))),
        datetime(2026, 1, 1, tzinfo=UTC),
    ],
    ids=["utc", "plus-0530", "minus-0800", "no-microseconds"],
)
async def test_utc_datetime_round_trips_microseconds_when_value_is_aware(
    stamps_table: AsyncEngine, value: datetime
) -> None:
    async with stamps_table.begin() as conn:
        await conn.execute(stamps.insert().values(id=1, at=value))
    async with stamps_table.connect() as conn:
        stored = (await conn.execute(sa.select(stamps.c.at))).scalar_one()
        later = (
            await conn.execute(
                sa.select(sa.func.count()).where(stamps.c.at > value - timedelta(microseconds=1))
            )
        ).scalar_one()
    assert stored == value
    assert stored.tzinfo is UTC
    assert stored.utcoffset() == timedelta(0)
    assert stored.microsecond == value.microsecond
    assert later == 1


async def test_utc_datetime_returns_none_when_none_is_stored(stamps_table: AsyncEngine) -> None:
    async with stamps_table.begin() as conn:
        await conn.execute(stamps.insert().values(id=1, at=None))
    async with stamps_table.connect() as conn:
        assert (await conn.execute(sa.select(stamps.c.at))).scalar_one() is None


async def test_utc_datetime_raises_when_value_is_naive(stamps_table: AsyncEngine) -> None:
    with pytest.raises(sa.exc.StatementError) as caught:
        async with stamps_table.begin() as conn:
            await conn.execute(stamps.insert().values(id=1, at=datetime(2026, 3, 4, 5, 6, 7)))
    assert isinstance(caught.value.orig, ValueError)
    assert "naive datetimes are not stored" in str(caught.value)
    async with stamps_table.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(stamps))).scalar() == 0
