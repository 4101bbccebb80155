"""The webapp's side of the internal socket: one multiplexed connection to the coreapp.

Calls share one connection (a ``Peer``) and are matched to replies by id. The connection is
opened on first use and again after it breaks, so a restarted coreapp is picked up without
restarting the webapp. While the coreapp cannot be reached every call fails at once with the
real client's error (spec §10.1: 1014 "Connection timed out. Please check if wacore is
running").
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from waemu.background import stop_task
from waemu.errors import ApiError
from waemu.protocol.peer import Peer

log = logging.getLogger(__name__)


class CoreCalls(Protocol):
    """What the webapp calls the coreapp with: one ``CoreClient``, or a ``ClusterClient``."""

    @property
    def in_flight(self) -> int: ...

    async def call(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        principal: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any: ...

    async def close(self) -> None: ...


class Unreachable(ApiError):
    """The coreapp could not be reached: the call was not sent (a cluster tries another)."""


async def _no_requests(op: str, _args: dict[str, Any]) -> Any:
    raise ApiError(1014, f"the webapp serves no requests ({op})")


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
        self._peer: Peer | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()

    def _unreachable(self) -> ApiError:
        return ApiError(
            1014,
            f"Connection timed out. Please check if wacore is running: {self.host}:{self.port}",
        )

    def _not_sent(self) -> Unreachable:
        error = self._unreachable()
        return Unreachable(error.code, error.details)

    @property
    def in_flight(self) -> int:
        """Calls to the coreapp waiting for their answer now."""
        peer = self._open()
        return 0 if peer is None else peer.in_flight

    def _open(self) -> Peer | None:
        peer = self._peer
        return peer if peer is not None and not peer.closed.is_set() else None

    async def _connection(self) -> Peer:
        peer = self._open()
        if peer is not None:
            return peer
        async with self._connect_lock:
            peer = self._open()
            if peer is not None:
                return peer
            try:
                async with asyncio.timeout(self.connect_timeout):
                    reader, writer = await asyncio.open_connection(self.host, self.port)
            except (OSError, TimeoutError) as exc:
                log.warning("cannot reach coreapp at %s:%s: %s", self.host, self.port, exc)
                raise self._not_sent() from None
            self._peer = Peer(reader, writer, _no_requests, name="coreapp")
            self._reader = asyncio.create_task(self._peer.run(), name="core-client-reader")
            return self._peer

    async def call(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        principal: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any:
        """Run ``op`` on the coreapp and return its result; its errors raise ApiError."""
        peer = await self._connection()
        limit = wait or self.call_timeout
        try:
            return await peer.call(op, args, limit, principal=principal)
        except TimeoutError:
            raise ApiError(1014, f"Coreapp did not answer {op} within {limit:g}s") from None
        except (ConnectionError, OSError):
            peer.close()
            raise self._unreachable() from None

    async def close(self) -> None:
        """Close the connection, failing calls still waiting."""
        peer, reader, self._peer, self._reader = self._peer, self._reader, None, None
        if peer is not None:
            peer.close()
        await stop_task(reader)
