"""The journal records notifications given up past the webhook retry horizon.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier attempts gave nothing up: retries had no end before this revision.
    with op.batch_alter_table("webhook_attempts") as batch:
        batch.add_column(sa.Column("given_up", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts") as batch:
        batch.drop_column("given_up")
