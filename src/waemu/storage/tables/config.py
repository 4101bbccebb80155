"""Key/value configuration the coreapp keeps in the database (``WA_CONFIG_ON_DB``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from waemu.storage.base import Base


class ConfigRow(Base):
    """One configuration entry, its value JSON-encoded text."""

    __tablename__ = "config"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
