"""A cluster's shared state: nodes, the primary master lease, the shard map, counters.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from waemu.storage.base import DateTimeColumn

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("gateway_status", sa.String(16), nullable=False),
        sa.Column("started_at", DateTimeColumn, nullable=False),
        sa.Column("heartbeat_at", DateTimeColumn, nullable=False),
        sa.Column("heartbeat_interval", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_cluster_nodes")),
    )
    leases = op.create_table(
        "cluster_leases",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", DateTimeColumn, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cluster_leases")),
    )
    op.create_table(
        "cluster_shards",
        sa.Column("shard", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("assigned_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_cluster_shards")),
    )
    counters = op.create_table(
        "cluster_counters",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cluster_counters")),
    )
    # The rows every node updates in place exist from the start: nobody has to insert them
    # in a race (an expired lease is free to take).
    op.bulk_insert(
        leases,
        [{"name": "primary_master", "holder": "", "expires_at": datetime(1970, 1, 1), "epoch": 0}],
    )
    op.bulk_insert(counters, [{"name": "config", "value": 0}])


def downgrade() -> None:
    op.drop_table("cluster_counters")
    op.drop_table("cluster_shards")
    op.drop_table("cluster_leases")
    op.drop_table("cluster_nodes")
