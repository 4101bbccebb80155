"""Apply the Alembic migrations in ``migrations/`` to the emulator's database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine


def migrations_dir() -> Path:
    """``WA_MIGRATIONS_DIR``, or the ``migrations/`` folder of the source tree."""
    configured = os.environ.get("WA_MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "migrations"


class MigrationsNotFound(RuntimeError):
    """The migrations folder is not where the emulator looks for it."""


def alembic_config() -> Config:
    """An Alembic configuration that needs no ini file."""
    location = migrations_dir()
    if not (location / "env.py").is_file():
        raise MigrationsNotFound(
            f"no migrations at {location}: set WA_MIGRATIONS_DIR to the source tree's "
            "migrations/ folder"
        )
    config = Config()
    config.set_main_option("script_location", str(location))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one connection."""

    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
