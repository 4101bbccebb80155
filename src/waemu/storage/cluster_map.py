"""The cluster map as the webapp reads it from the database (docs/cluster.md).

The one thing the webapps of a cluster read from the database the coreapps share, as the real
webapp does: the nodes' addresses, the primary master lease and the shard map. Read-only, on a
small pool of its own; the webapp never sees a table, only ``ClusterMap``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from waemu.protocol.cluster_map import ClusterMap
from waemu.settings import DatabaseSettings
from waemu.storage.engine import create_engine, session_factory
from waemu.storage.repos import cluster as repo


class DatabaseMap:
    """Reads the map; ``close`` releases the pool."""

    def __init__(self, db: DatabaseSettings) -> None:
        self.engine = create_engine(db)
        self.sessions = session_factory(self.engine)

    async def __call__(self) -> ClusterMap:
        async with self.sessions() as session:
            return await read(session, datetime.now(UTC))

    async def close(self) -> None:
        await self.engine.dispose()


async def read(session: AsyncSession, now: datetime) -> ClusterMap:
    """The map as the database has it at ``now``."""
    nodes = await repo.nodes(session)
    lease = await repo.lease(session)
    newest = max(nodes, key=lambda n: n.heartbeat_at, default=None)
    return ClusterMap(
        addresses={n.node_id: (n.host, n.port) for n in nodes},
        primary=lease.holder if lease.holder and lease.expires_at >= now else None,
        shards=await repo.shard_map(session),
        newest=newest.node_id if newest is not None else None,
    )
