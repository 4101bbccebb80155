"""Third-party sticker packs and their stickers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from waemu.storage.base import DateTimeColumn

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stickerpacks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("publisher", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("ios_app_store_link", sa.String(512), nullable=True),
        sa.Column("android_app_store_link", sa.String(512), nullable=True),
        sa.Column("next_index", sa.Integer, nullable=False),
        sa.Column("created_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stickerpacks")),
    )
    op.create_table(
        "stickers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("pack_id", sa.String(36), nullable=False),
        sa.Column("sticker_index", sa.Integer, nullable=False),
        sa.Column("image_data_id", sa.String(36), nullable=False),
        sa.Column("emojis", sa.Text, nullable=False),
        sa.Column("created_at", DateTimeColumn, nullable=False),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["stickerpacks.id"],
            name=op.f("fk_stickers_pack_id_stickerpacks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stickers")),
        sa.UniqueConstraint("pack_id", "sticker_index", name=op.f("uq_stickers_pack_id")),
    )
    op.create_index(op.f("ix_stickers_pack_id"), "stickers", ["pack_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_stickers_pack_id"), table_name="stickers")
    op.drop_table("stickers")
    op.drop_table("stickerpacks")
