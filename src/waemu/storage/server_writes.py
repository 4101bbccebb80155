"""The group-commit writer's transactions on PostgreSQL and MySQL/MariaDB: one held connection.

Taking a pooled connection for every batch costs a liveness ping, the pool's bookkeeping and
a rollback when it goes back, about a millisecond per commit on top of the commit itself. The
writer commits hundreds of times a second, so it keeps one connection of its own and runs its
statements on it directly (not through an ORM session). When the server drops it (a restart),
the writer runs the failed batch again on a fresh connection (storage/batch.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)


class ConnectionSession(AsyncSession):
    """What the writer's flushers see: an ``AsyncSession`` whose statements go straight to the
    writer's connection, inside its transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(bind=connection)
        self.connection_ = connection

    async def execute(  # type: ignore[override]
        self, statement: Any, params: Sequence[dict[str, Any]] | dict[str, Any] | None = None
    ) -> Result[Any]:
        result: Result[Any] = await self.connection_.execute(statement, params)
        return result

    async def connection(self, *args: Any, **kwargs: Any) -> AsyncConnection:
        return self.connection_

    async def scalar(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        return await self.connection_.scalar(statement, params)

    async def scalars(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        return await self.connection_.scalars(statement, params)


class ServerWrites:
    """The writer's own connection, opened on first use and again after it broke."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None
        self._session: ConnectionSession | None = None

    def start(self) -> None:
        """Nothing to do: the connection opens with the first batch."""

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """One transaction; committed when the block ends, rolled back if it raises."""
        if self._connection is None or self._connection.invalidated or self._session is None:
            await self.stop()
            self._connection = await self.engine.connect()
            self._session = ConnectionSession(self._connection)
        connection, session = self._connection, self._session
        session.sync_session.info.clear()
        try:
            async with connection.begin():
                yield session
        except BaseException as exc:
            # Broken, or cancelled half-way through a round trip: start afresh next time.
            if connection.invalidated or not isinstance(exc, Exception):
                log.info("the writer's database connection broke; opening a new one")
                await self.stop()
            raise

    async def stop(self) -> None:
        """Give the connection back."""
        connection, self._connection, self._session = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a broken connection closes with an error
                await connection.close()
