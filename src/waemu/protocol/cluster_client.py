"""The webapp's side of the internal socket in a cluster (spec §13.2, docs/cluster.md): one
``CoreClient`` per node, each call sent where the cluster map says.

A node that answers 1017 "Not Primary Master" or 1018 "Not Primary Coreapp", or cannot be
reached at all, had the call refused before doing anything: the map is read again and the call
tried on the node it names now, until the call's time is up (a failover takes
``unhealthy_interval`` and a heartbeat). A call that was sent and then lost its connection is
not tried again: a send might have been accepted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from waemu.errors import ApiError
from waemu.protocol.client import CoreClient, Unreachable
from waemu.protocol.cluster_map import Address, ClusterMap

log = logging.getLogger(__name__)


class MapSource(Protocol):
    """Reads the cluster map (``storage/cluster_map.py``: from the shared database)."""

    async def __call__(self) -> ClusterMap: ...

    async def close(self) -> None: ...


MAP_SECONDS = 1.0  # a map is read again after this long (and after every refusal)
RETRY_PAUSE = 0.25  # between two tries of one call
REFUSALS = (1017, 1018)


class ClusterClient:
    """Calls operations on the cluster's nodes, wherever the map sends them."""

    def __init__(
        self,
        read_map: MapSource,
        *,
        call_timeout: float = 30.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.read_map = read_map
        self.call_timeout = call_timeout
        self.connect_timeout = connect_timeout
        self._clients: dict[Address, CoreClient] = {}
        self._map: ClusterMap | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def in_flight(self) -> int:
        """Calls waiting for their answer now, on every node."""
        return sum(client.in_flight for client in self._clients.values())

    async def cluster_map(self, fresh: bool = False) -> ClusterMap:
        """The map, read again when older than ``MAP_SECONDS`` or when ``fresh``."""
        async with self._lock:
            if fresh or self._map is None or time.monotonic() - self._read_at > MAP_SECONDS:
                self._map = await self.read_map()
                self._read_at = time.monotonic()
            return self._map

    def _client(self, address: Address) -> CoreClient:
        client = self._clients.get(address)
        if client is None:
            client = self._clients[address] = CoreClient(
                address[0],
                address[1],
                call_timeout=self.call_timeout,
                connect_timeout=self.connect_timeout,
            )
        return client

    async def call(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        principal: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any:
        """Run ``op`` on the node the map names; refusals and unreachable nodes are retried
        on the node named next, until ``wait`` (the call timeout) is spent."""
        limit = wait or self.call_timeout
        deadline = time.monotonic() + limit
        fresh = False
        while True:
            try:
                address = (await self.cluster_map(fresh)).target(op, args)
                left = max(deadline - time.monotonic(), 0.1)
                return await self._client(address).call(op, args, principal, left)
            except ApiError as exc:
                retry = isinstance(exc, Unreachable) or exc.code in REFUSALS
                if not retry or time.monotonic() + RETRY_PAUSE >= deadline:
                    raise
                log.info("%s refused or unreachable (%s): reading the map again", op, exc.code)
            fresh = True
            await asyncio.sleep(RETRY_PAUSE)

    async def close(self) -> None:
        """Close every node's connection and the map's source."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
        await self.read_map.close()
