"""The key/value configuration store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import ConfigRow


async def get(session: AsyncSession, key: str) -> Any:
    """The value stored under ``key``, or None."""
    row = await session.get(ConfigRow, key)
    return None if row is None else orjson.loads(row.value)


async def put(session: AsyncSession, key: str, value: Any) -> None:
    """Store ``value`` under ``key``."""
    encoded = orjson.dumps(value).decode()
    row = await session.get(ConfigRow, key)
    if row is None:
        session.add(ConfigRow(key=key, value=encoded))
    else:
        row.value = encoded


async def delete(session: AsyncSession, key: str) -> None:
    """Remove ``key`` if present."""
    row = await session.get(ConfigRow, key)
    if row is not None:
        await session.delete(row)


async def get_or_create(session: AsyncSession, key: str, make: Callable[[], str]) -> str:
    """The string stored under ``key``; stores ``make()`` there first if there is none.

    Two cluster nodes may both find nothing: the second insert fails and the first one's
    value is the one both use."""
    stored = await get(session, key)
    if isinstance(stored, str):
        return stored
    created = make()
    try:
        async with session.begin_nested():
            session.add(ConfigRow(key=key, value=orjson.dumps(created).decode()))
    except IntegrityError:
        winner = await get(session, key)
        if isinstance(winner, str):
            return winner
        raise
    return created
