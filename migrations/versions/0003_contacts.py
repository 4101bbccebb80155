"""The contact store: cached lookups and identities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from waemu.storage.base import DateTimeColumn

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("lookup_key", sa.String(64), nullable=False),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("cc", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("wa_id", sa.String(20), nullable=True),
        sa.Column("checked_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("lookup_key", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_checked_at"), "contacts", ["checked_at"], unique=False)
    op.create_table(
        "contact_identities",
        sa.Column("wa_id", sa.String(20), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_timestamp", sa.BigInteger, nullable=False),
        sa.Column("acknowledged_hash", sa.String(64), nullable=True),
        sa.Column("updated_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("wa_id", name=op.f("pk_contact_identities")),
    )


def downgrade() -> None:
    op.drop_table("contact_identities")
    op.drop_index(op.f("ix_contacts_checked_at"), table_name="contacts")
    op.drop_table("contacts")
