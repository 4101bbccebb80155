"""The key that signs API tokens, generated once and kept in the database.

``WA_WEB_JWT_CRYPTO_KEY`` on the webapp takes precedence; without it every webapp asks the
coreapp for this key, so tokens keep working across restarts and across webapps (spec §1.3).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import ids
from waemu.storage.repos import config

KEY_NAME = "web.jwt_crypto_key"


class SigningKeyService:
    """Hands out the token signing key, creating it on first use."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._key: str | None = None

    async def key(self) -> str:
        """The persisted key."""
        if self._key is None:
            async with self.sessions.begin() as session:
                self._key = await config.get_or_create(session, KEY_NAME, ids.secret_key)
        return self._key
