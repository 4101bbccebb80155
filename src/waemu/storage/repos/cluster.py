"""Reading and writing a cluster's shared state (tables in ``tables/cluster.py``).

Every statement is plain SQL both servers run the same way; the lease is taken with one
conditional UPDATE (held by me, or expired), so two masters can never both get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import ClusterCounterRow, ClusterLeaseRow, ClusterNodeRow, ClusterShardRow

NODES: sa.Table = ClusterNodeRow.__table__  # type: ignore[assignment]
LEASES: sa.Table = ClusterLeaseRow.__table__  # type: ignore[assignment]
SHARDS: sa.Table = ClusterShardRow.__table__  # type: ignore[assignment]
COUNTERS: sa.Table = ClusterCounterRow.__table__  # type: ignore[assignment]
PRIMARY_MASTER = "primary_master"
CONFIG = "config"


@dataclass(frozen=True, slots=True)
class Node:
    """A node as its last heartbeat described it."""

    node_id: str
    kind: str
    host: str
    port: int
    role: str
    gateway_status: str
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_interval: int

    def alive(self, now: datetime, unhealthy_interval: int) -> bool:
        """Whether the node's next heartbeat is at most ``unhealthy_interval`` late (spec
        §13.3: a node that does not answer within it is unhealthy)."""
        due = self.heartbeat_at + timedelta(seconds=self.heartbeat_interval)
        return now <= due + timedelta(seconds=unhealthy_interval)


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a lease, until when, and how many times it changed hands."""

    holder: str
    expires_at: datetime
    epoch: int


async def heartbeat(session: AsyncSession, node: Node) -> None:
    """Write ``node``'s row (its own row only: no other node writes it)."""
    values: dict[str, Any] = {
        "kind": node.kind,
        "host": node.host,
        "port": node.port,
        "role": node.role,
        "gateway_status": node.gateway_status,
        "started_at": node.started_at,
        "heartbeat_at": node.heartbeat_at,
        "heartbeat_interval": node.heartbeat_interval,
    }
    # One upsert statement: an UPDATE that finds nothing and then an INSERT would take gap
    # locks on MySQL, and two nodes' first heartbeats would deadlock on them.
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect in ("mysql", "mariadb"):
        insert = mysql.insert(NODES).values(node_id=node.node_id, **values)
        statement = insert.on_duplicate_key_update(**values)
    else:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NODES)
        statement = insert.values(node_id=node.node_id, **values).on_conflict_do_update(
            index_elements=[NODES.c.node_id], set_=values
        )
    await session.execute(statement)


async def nodes(session: AsyncSession) -> list[Node]:
    """Every node that has not been forgotten, by node id."""
    rows = await session.execute(sa.select(NODES).order_by(NODES.c.node_id))
    return [Node(**row._mapping) for row in rows]


async def forget_nodes(session: AsyncSession, silent_since: datetime) -> int:
    """Forget nodes whose last heartbeat is older than ``silent_since``; how many went."""
    result = await session.execute(sa.delete(NODES).where(NODES.c.heartbeat_at < silent_since))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def leave(session: AsyncSession, node_id: str) -> None:
    """A node stopping cleanly takes its row away."""
    await session.execute(sa.delete(NODES).where(NODES.c.node_id == node_id))


async def take_lease(
    session: AsyncSession, holder: str, now: datetime, until: datetime, name: str = PRIMARY_MASTER
) -> bool:
    """Take or renew the lease ``name`` until ``until``: only if ``holder`` has it already
    or it expired. Whether ``holder`` holds it now."""
    taken = await session.execute(
        sa.update(LEASES)
        .where(
            LEASES.c.name == name,
            sa.or_(LEASES.c.holder == holder, LEASES.c.expires_at < now),
        )
        # The epoch first: MySQL evaluates SET clauses in order, on the values already set.
        .ordered_values(
            (LEASES.c.epoch, LEASES.c.epoch + sa.case((LEASES.c.holder == holder, 0), else_=1)),
            (LEASES.c.holder, holder),
            (LEASES.c.expires_at, until),
        )
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def release_lease(
    session: AsyncSession, holder: str, at: datetime, name: str = PRIMARY_MASTER
) -> None:
    """Give the lease up now (a clean stop: the next master need not wait for it to expire)."""
    await session.execute(
        sa.update(LEASES)
        .where(LEASES.c.name == name, LEASES.c.holder == holder)
        .values(expires_at=at)
    )


async def lease(session: AsyncSession, name: str = PRIMARY_MASTER) -> Lease:
    """The lease ``name`` as it stands."""
    row = (await session.execute(sa.select(LEASES).where(LEASES.c.name == name))).one()
    return Lease(holder=row.holder, expires_at=row.expires_at, epoch=row.epoch)


async def shard_map(session: AsyncSession) -> dict[int, str | None]:
    """Each shard and its owner."""
    rows = await session.execute(sa.select(SHARDS.c.shard, SHARDS.c.owner).order_by(SHARDS.c.shard))
    return {int(shard): owner for shard, owner in rows}


async def assign(
    session: AsyncSession, count: int, owners: dict[int, str | None], at: datetime
) -> None:
    """Make the map ``count`` shards with these owners (only the changed rows are written)."""
    current = await shard_map(session)
    await session.execute(sa.delete(SHARDS).where(SHARDS.c.shard >= count))
    for shard in range(count):
        owner = owners.get(shard)
        if shard not in current:
            await session.execute(
                sa.insert(SHARDS).values(shard=shard, owner=owner, epoch=1, assigned_at=at)
            )
        elif current[shard] != owner:
            await session.execute(
                sa.update(SHARDS)
                .where(SHARDS.c.shard == shard)
                .values(owner=owner, epoch=SHARDS.c.epoch + 1, assigned_at=at)
            )


async def bump(session: AsyncSession, name: str = CONFIG) -> None:
    """Count one more change."""
    await session.execute(
        sa.update(COUNTERS).where(COUNTERS.c.name == name).values(value=COUNTERS.c.value + 1)
    )


async def counter(session: AsyncSession, name: str = CONFIG) -> int:
    """The counter's value."""
    return int(
        await session.scalar(sa.select(COUNTERS.c.value).where(COUNTERS.c.name == name)) or 0
    )
