"""Alembic environment: runs on the connection handed over by waemu.storage.migrate."""

from __future__ import annotations

from alembic import context

from waemu.storage import tables  # noqa: F401 - registers every table
from waemu.storage.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `waemu migrate`, which opens the configured database")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
