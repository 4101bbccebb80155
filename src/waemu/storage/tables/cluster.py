"""A high-availability / multiconnect cluster's shared state (spec §13, docs/cluster.md):
who is alive, who is primary master, which coreapp holds which shard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base, UtcDateTime


class ClusterNodeRow(Base):
    """One coreapp or master node, as its last heartbeat described it."""

    __tablename__ = "cluster_nodes"

    node_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # host:container
    kind: Mapped[str] = mapped_column(sa.String(16))  # master | coreapp
    host: Mapped[str] = mapped_column(sa.String(200))  # where webapps reach its socket
    port: Mapped[int] = mapped_column(sa.Integer)
    role: Mapped[str] = mapped_column(sa.String(32))  # primary_master | secondary_master | coreapp
    gateway_status: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_interval: Mapped[int] = mapped_column(sa.Integer)  # seconds to the next one


class ClusterLeaseRow(Base):
    """A lease (``primary_master``): held by ``holder`` until ``expires_at`` unless renewed;
    ``epoch`` counts the changes of holder."""

    __tablename__ = "cluster_leases"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    epoch: Mapped[int] = mapped_column(sa.Integer)


class ClusterShardRow(Base):
    """One shard of the number and the coreapp that owns it (None: nobody yet)."""

    __tablename__ = "cluster_shards"

    shard: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    epoch: Mapped[int] = mapped_column(sa.Integer)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClusterCounterRow(Base):
    """A counter every node watches (``config``: bumped by each change the primary master
    makes, so every node reloads what it keeps in memory)."""

    __tablename__ = "cluster_counters"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)
