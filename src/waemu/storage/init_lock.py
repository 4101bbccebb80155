"""One node at a time: the database's own named lock around a cluster node's start.

Several nodes of a cluster start against one database together. The first start creates the
schema and the rows every node then shares (the client identity, the default admin, the
signing keys); run by two nodes at once, both would create them. PostgreSQL's advisory locks
and MySQL's ``GET_LOCK`` are held by a connection and let go when it closes, so a node killed
while holding one does not block the others.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

NAME = "waemu.init"


@contextlib.asynccontextmanager
async def held(engine: AsyncEngine, wait_seconds: float, name: str = NAME) -> AsyncIterator[None]:
    """Hold the lock ``name`` for the block (waits up to ``wait_seconds`` for it)."""
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "mysql", "mariadb"):
        yield  # one process per SQLite file: nothing to share
        return
    async with engine.connect() as conn:
        if dialect == "postgresql":
            key = zlib.crc32(name.encode())
            await conn.execute(sa.text(f"SET lock_timeout = {int(wait_seconds * 1000)}"))
            await conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await conn.commit()
        else:
            got = await conn.scalar(
                sa.text("SELECT GET_LOCK(:name, :wait)"), {"name": name, "wait": wait_seconds}
            )
            if got != 1:
                raise TimeoutError(f"another node held {name} for {wait_seconds:g}s")
            try:
                yield
            finally:
                await conn.scalar(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
