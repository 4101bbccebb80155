"""Every table, imported so that ``Base.metadata`` knows them all."""

from waemu.storage.tables.config import ConfigRow
from waemu.storage.tables.users import RevokedTokenRow, UserRow

__all__ = ["ConfigRow", "RevokedTokenRow", "UserRow"]
