"""The group-commit writer's transactions on PostgreSQL and MySQL/MariaDB: one held connection,
one round trip per batch.

Taking a pooled connection for every batch costs a liveness ping, the pool's bookkeeping and
a rollback when it goes back, about a millisecond per commit on top of the commit itself. The
writer commits hundreds of times a second, so it keeps one connection of its own and runs its
statements on it directly (not through an ORM session). When the server drops it (a restart),
the writer runs the failed batch again on a fresh connection (storage/batch.py).

The statements of write-only flushers (storage/batch.py) are not sent one by one: they are
queued and, when the flushers are done, written out into one script with the commit
(storage/sql_script.py). On PostgreSQL the script is one simple query, which the server runs
as one transaction; on MySQL/MariaDB it ends with ``COMMIT`` and the writer's connection is
opened with multi-statements on. A batch of sends and receipts went from five or six round
trips (``BEGIN``, each statement, ``COMMIT``) to one. A flusher that reads (or a statement
that cannot be written out) turns the rest of the transaction back to the plain way: the
queue runs first, in order, then everything goes statement by statement.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import sqlalchemy as sa
from pymysql.constants import CLIENT  # type: ignore[import-untyped]
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from waemu.storage.batch import WRITES_ONLY, ConnectionLost
from waemu.storage.sql_script import ScriptRenderer, pg_literal

log = logging.getLogger(__name__)

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


def _plain_write(statement: Any) -> bool:
    """Whether ``statement`` writes and returns nothing anyone reads."""
    if isinstance(statement, sa.Insert | sa.Update | sa.Delete):
        return not getattr(statement, "_returning", ())
    if isinstance(statement, sa.TextClause):
        return statement.text.lstrip()[:6].upper().startswith(_WRITE_VERBS)
    return False


class Script:
    """Writes a transaction's queued statements out and runs them in one round trip."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self.connection = connection
        self.driver = driver  # the driver's own connection (asyncpg or aiomysql)
        self.postgres = connection.dialect.name == "postgresql"
        literal = pg_literal if self.postgres else driver.escape
        self.renderer = ScriptRenderer(connection.dialect, literal)

    @classmethod
    async def open(cls, connection: AsyncConnection) -> Script:
        raw = await connection.get_raw_connection()
        script = cls(connection, raw.driver_connection)
        if script.postgres:
            # pg_literal doubles quotes and leaves backslashes alone: only right with this on.
            await script.driver.execute("SET standard_conforming_strings = on")
        return script

    async def run(self, statements: list[str]) -> None:
        """Run ``statements`` as one transaction and commit it."""
        try:
            if self.postgres:
                # One simple query of several statements is one implicit transaction.
                await self.driver.execute(";\n".join(statements))
            else:
                await self._run_mysql(statements)
        except Exception as exc:
            if self._closed():
                await self.connection.invalidate()
                raise ConnectionLost("the writer's connection broke") from exc
            raise

    async def _run_mysql(self, statements: list[str]) -> None:
        cursor = await self.driver.cursor()
        try:
            # MySQL stops at a failing statement; the rest, COMMIT included, do not run.
            await cursor.execute(";\n".join([*statements, "COMMIT"]))
            while await cursor.nextset():
                pass
        except Exception:
            if not self._closed():
                with contextlib.suppress(Exception):
                    await self.driver.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                await cursor.close()

    def _closed(self) -> bool:
        if self.postgres:
            return bool(self.driver.is_closed())
        return bool(self.driver.closed)


class ConnectionSession(AsyncSession):
    """What the writer's flushers see: an ``AsyncSession`` whose statements go to the writer's
    connection, queued for the transaction's script while the flusher is write-only."""

    def __init__(self, connection: AsyncConnection, script: Script) -> None:
        super().__init__(bind=connection)
        self.connection_ = connection
        self.script = script
        # What each queued write runs the plain way, and its SQL written out.
        self._queued: list[tuple[Callable[[], Awaitable[Any]], list[str]]] = []
        self._direct = False

    def start_transaction(self) -> None:
        """Ready for a new transaction."""
        self.sync_session.info.clear()
        self._queued = []
        self._direct = False

    async def execute(  # type: ignore[override]
        self, statement: Any, params: Sequence[dict[str, Any]] | dict[str, Any] | None = None
    ) -> Result[Any] | None:
        if self._scripting() and _plain_write(statement):
            try:
                written = self.script.renderer.render(statement, params)
            except (KeyError, TypeError, ValueError, sa.exc.SQLAlchemyError):
                pass  # cannot be written out: it runs the plain way
            else:
                self._queued.append((lambda: self.connection_.execute(statement, params), written))
                return None
        await self._plain()
        result: Result[Any] = await self.connection_.execute(statement, params)
        return result

    async def exec_driver_sql(self, sql: str, params: tuple[Any, ...]) -> None:
        """A write in the driver's own SQL (MySQL's ``%s`` placeholders)."""
        if self._scripting() and not self.script.postgres:
            written = sql % tuple(self.script.driver.escape(value) for value in params)
            self._queued.append((lambda: self.connection_.exec_driver_sql(sql, params), [written]))
            return
        await self._plain()
        await self.connection_.exec_driver_sql(sql, params)

    def _scripting(self) -> bool:
        return not self._direct and bool(self.sync_session.info.get(WRITES_ONLY))

    async def connection(self, *args: Any, **kwargs: Any) -> AsyncConnection:
        await self._plain()
        return self.connection_

    async def scalar(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        await self._plain()
        return await self.connection_.scalar(statement, params)

    async def scalars(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        await self._plain()
        return await self.connection_.scalars(statement, params)

    async def _plain(self) -> None:
        """From here on, statement by statement: what was queued runs first."""
        if self._direct:
            return
        self._direct = True
        queued, self._queued = self._queued, []
        for run_plain, _written in queued:
            await run_plain()

    async def finish(self) -> None:
        """Commit: the queued script in one round trip, or the plain transaction."""
        if not self._direct:
            statements = [sql for _run_plain, written in self._queued for sql in written]
            self._queued = []
            if statements:
                await self.script.run(statements)
        elif self.connection_.in_transaction():
            await self.connection_.commit()

    async def abandon(self) -> None:
        """Roll back what the plain way began (a failed script rolled itself back)."""
        self._queued = []
        if self.connection_.in_transaction() and not self.connection_.invalidated:
            await self.connection_.rollback()


class ServerWrites:
    """The writer's own connection, opened on first use and again after it broke."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._own_engine = False
        if engine.dialect.name in ("mysql", "mariadb"):
            # The script is several statements in one query: allowed on this connection only.
            url = engine.url.update_query_dict({"client_flag": str(CLIENT.MULTI_STATEMENTS)})
            self.engine = create_async_engine(url, poolclass=NullPool)
            self._own_engine = True
        self._connection: AsyncConnection | None = None
        self._session: ConnectionSession | None = None

    def start(self) -> None:
        """Nothing to do: the connection opens with the first batch."""

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """One transaction; committed when the block ends, rolled back if it raises."""
        if self._connection is None or self._connection.invalidated or self._session is None:
            await self._close()
            self._connection = await self.engine.connect()
            self._session = ConnectionSession(self._connection, await Script.open(self._connection))
        connection, session = self._connection, self._session
        session.start_transaction()
        try:
            yield session
            await session.finish()
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await session.abandon()
            # Broken, or cancelled half-way through a round trip: start afresh next time.
            if connection.invalidated or not isinstance(exc, Exception):
                log.info("the writer's database connection broke; opening a new one")
                await self._close()
            raise

    async def _close(self) -> None:
        connection, self._connection, self._session = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a broken connection closes with an error
                await connection.close()

    async def stop(self) -> None:
        """Give the connection back."""
        await self._close()
        if self._own_engine:
            await self.engine.dispose()
