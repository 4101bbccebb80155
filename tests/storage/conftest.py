"""Fixtures of the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from waemu.settings import Settings
from waemu.storage import migrate
from waemu.storage.engine import create_engine, drop_database, wait_and_create_database


@pytest.fixture
async def database(db_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """A fresh, migrated database on the engine under test; dropped afterwards."""
    db = Settings.from_env(db_env).db
    await wait_and_create_database(db)
    created = create_engine(db)
    await migrate.upgrade(created)
    try:
        yield created
    finally:
        await created.dispose()
        await drop_database(db)
