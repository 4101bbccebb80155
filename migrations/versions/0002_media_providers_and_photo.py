"""Media providers and the profile photo.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from waemu.storage.base import DateTimeColumn

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# LONGTEXT on MySQL/MariaDB (TEXT there holds only 64 KiB); see tables/settings.py.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "media_providers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("created_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_providers")),
    )
    op.create_table(
        "profile_photo",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("photo_id", sa.String(64), nullable=False),
        sa.Column("jpeg_base64", LONG_TEXT, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("updated_at", DateTimeColumn, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_photo")),
    )


def downgrade() -> None:
    op.drop_table("profile_photo")
    op.drop_table("media_providers")
