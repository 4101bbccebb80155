"""The webapp's side of the internal socket: one multiplexed connection to the coreapp.

Calls share one connection and are matched to replies by id. The connection is opened on
first use and again after it breaks, so a restarted coreapp is picked up without restarting
the webapp. While the coreapp cannot be reached every call fails at once with the real
client's error (spec §10.1: 1014 "Connection timed out. Please check if wacore is running").
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from waemu.errors import ApiError
from waemu.protocol import framing

log = logging.getLogger(__name__)


class _Connection:
    """One open connection and the calls waiting on it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.closed = False
        self.reader_task = asyncio.create_task(self._read_replies(), name="core-client-reader")

    async def _read_replies(self) -> None:
        try:
            while True:
                message = await framing.read(self.reader)
                if message is None:
                    break
                future = self.pending.pop(message.get("i", -1), None)
                if future is None or future.done():
                    continue
                if "e" in message:
                    future.set_exception(ApiError.from_wire(message["e"]))
                else:
                    future.set_result(message.get("r"))
        except (OSError, framing.FrameError) as exc:
            log.warning("connection to coreapp lost: %s", exc)
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.writer.close()
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionResetError("coreapp closed the connection"))
        self.pending.clear()


class CoreClient:
    """Calls operations on the coreapp over the internal socket."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        call_timeout: float = 30.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.host = host
        self.port = port
        self.call_timeout = call_timeout
        self.connect_timeout = connect_timeout
        self._conn: _Connection | None = None
        self._connect_lock = asyncio.Lock()
        self._ids = itertools.count(1)

    def _unreachable(self) -> ApiError:
        return ApiError(
            1014,
            f"Connection timed out. Please check if wacore is running: {self.host}:{self.port}",
        )

    async def _connection(self) -> _Connection:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        async with self._connect_lock:
            conn = self._conn
            if conn is not None and not conn.closed:
                return conn
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self.connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                log.warning("cannot reach coreapp at %s:%s: %s", self.host, self.port, exc)
                raise self._unreachable() from None
            self._conn = _Connection(reader, writer)
            return self._conn

    async def call(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        principal: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any:
        """Run ``op`` on the coreapp and return its result; its errors raise ApiError."""
        conn = await self._connection()
        call_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        conn.pending[call_id] = future
        message: dict[str, Any] = {"i": call_id, "op": op, "a": args or {}}
        if principal is not None:
            message["p"] = principal
        try:
            conn.writer.write(framing.encode(message))
            return await asyncio.wait_for(future, wait or self.call_timeout)
        except TimeoutError:
            raise ApiError(
                1014, f"Coreapp did not answer {op} within {wait or self.call_timeout:g}s"
            ) from None
        except (ConnectionError, OSError):
            conn.close()
            raise self._unreachable() from None
        finally:
            conn.pending.pop(call_id, None)

    async def close(self) -> None:
        """Close the connection, failing calls still waiting."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            conn.reader_task.cancel()
            await asyncio.gather(conn.reader_task, return_exceptions=True)
