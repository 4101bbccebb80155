"""Messages and their statuses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from waemu.storage.base import DateTimeColumn

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", DateTimeColumn, nullable=False),
        sa.Column("updated_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(op.f("ix_messages_wa_id"), "messages", ["wa_id"])
    op.create_index(op.f("ix_messages_created_at"), "messages", ["created_at"])
    op.create_table(
        "message_statuses",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("timestamp", DateTimeColumn, nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_statuses")),
    )
    op.create_index(op.f("ix_message_statuses_message_id"), "message_statuses", ["message_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_statuses_message_id"), table_name="message_statuses")
    op.drop_table("message_statuses")
    op.drop_index(op.f("ix_messages_created_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_wa_id"), table_name="messages")
    op.drop_table("messages")
