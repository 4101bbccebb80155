"""The group-commit writer's transactions on SQLite, run right on the event loop.

aiosqlite runs every statement in a worker thread and hands the result back to the loop: a
batch of sends and receipts costs some thirty thread hand-offs, which is most of a commit's
time. SQLite itself needs a fraction of a millisecond for such a batch (WAL,
``synchronous=NORMAL``: a commit appends to the log without waiting for the disk, and a
``kill -9`` of the process loses nothing committed). So the writer keeps one synchronous
connection of its own and runs each batch on it directly; reads and the other, rare writes
stay on the async engine.

Two things would stall the loop and are kept off it:

- the write lock: the transaction starts with ``BEGIN IMMEDIATE`` and no busy timeout; while
  another connection holds the lock, the writer yields and tries again, so the other
  transaction (whose statements need the loop) can finish;
- checkpoints (copying the log into the database file, with an fsync): automatic
  checkpoints are off on this connection and a thread runs them (``sqlite_checkpoints``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import StaticPool

from waemu.sqlite_checkpoints import Checkpoints

log = logging.getLogger(__name__)

# How long a batch waits for the write lock another connection holds before it fails.
LOCK_WAIT_SECONDS = 10.0


class DirectSession(AsyncSession):
    """What the writer's flushers see: an ``AsyncSession`` whose statements run at once on
    the writer's synchronous connection (its awaits never suspend)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection_ = connection

    async def execute(  # type: ignore[override]
        self, statement: Any, params: Sequence[dict[str, Any]] | dict[str, Any] | None = None
    ) -> Result[Any]:
        return self.connection_.execute(statement, params)

    async def scalar(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        return self.connection_.scalar(statement, params)

    async def scalars(  # type: ignore[override]
        self, statement: Any, params: dict[str, Any] | None = None
    ) -> Any:
        return self.connection_.scalars(statement, params)


def connection_pragmas(dbapi_conn: Any, *, busy_ms: int, autocheckpoint: bool) -> None:
    """Every connection to the embedded database: WAL, no fsync per commit, foreign keys."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Never wait for the lock on the loop; checkpoints run in a thread.
    connection_pragmas(dbapi_conn, busy_ms=0, autocheckpoint=False)


class SqliteWrites:
    """The writer's own connection to the database file, and the checkpoints."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = sa.create_engine(
            f"sqlite:///{path}", isolation_level="AUTOCOMMIT", poolclass=StaticPool
        )
        sa.event.listen(self.engine, "connect", _pragmas)
        self._connection: Connection | None = None
        self._session: DirectSession | None = None
        self._checkpoints = Checkpoints(path)

    def start(self) -> None:
        """Connect and start the checkpoints."""
        self._connection = self.engine.connect()
        self._session = DirectSession(self._connection)
        self._checkpoints.start()

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """One transaction; committed when the block ends, rolled back if it raises."""
        if self._connection is None or self._session is None:
            raise RuntimeError("the SQLite writer is not started")
        connection, session = self._connection, self._session
        await self._lock(connection)
        session.sync_session.info.clear()
        try:
            yield session
            connection.exec_driver_sql("COMMIT")
        except BaseException:
            with contextlib.suppress(sa.exc.DBAPIError):
                connection.exec_driver_sql("ROLLBACK")
            raise

    async def _lock(self, connection: Connection) -> None:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.0005
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except sa.exc.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.02)

    async def stop(self) -> None:
        """Stop the checkpoints and close the connection (SQLite checkpoints at the close of
        the database's last connection)."""
        await asyncio.to_thread(self._checkpoints.stop)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            self._session = None
        self.engine.dispose()
