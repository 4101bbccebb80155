"""The webhook CA (spec §10.6): certificates the coreapp trusts, besides the system's, when
it POSTs to an HTTPS webhook receiver with a self-signed or privately issued certificate.

The bundle is kept in the ``config`` store under ``webhooks.ca`` as the text uploaded. The
real client reads it at start ("restart all Coreapps after change"); the emulator applies an
upload or a removal at once: the service builds the new TLS context and hands it to its
listeners (the webhook dispatcher), so the next delivery attempt uses it. docs/webhooks.md
records that choice.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.errors import ApiError
from waemu.storage.repos import config
from waemu.webhooks.tls import CaBundleError, client_context

log = logging.getLogger(__name__)

CONFIG_KEY = "webhooks.ca"
# A CA bundle is a few kilobytes; a whole public trust store is about 220 KB.
MAX_CA_BYTES = 1024 * 1024

TlsListener = Callable[[ssl.SSLContext], None]


class WebhookCaService:
    """Stores the webhook CA and keeps the TLS context built from it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._pem: str | None = None
        self.context: ssl.SSLContext = client_context(None)
        self._listeners: list[TlsListener] = []

    async def load(self) -> None:
        """Read the stored bundle (at start) and build its context."""
        async with self.sessions() as session:
            stored = await config.get(session, CONFIG_KEY)
        if isinstance(stored, str) and stored:
            try:
                self.context = client_context(stored)
            except CaBundleError as exc:  # stored by an earlier version that checked less
                log.error("the stored webhook CA is not usable and is ignored: %s", exc)
                return
            self._pem = stored

    def subscribe(self, listener: TlsListener) -> None:
        """Call ``listener`` with the new context after every change."""
        self._listeners.append(listener)

    def get(self) -> str | None:
        """The uploaded bundle, or None (the webapp answers that with a bare 404, spec §10.6)."""
        return self._pem

    async def set(self, pem: Any) -> None:
        """Replace the bundle: one or more PEM certificates, else 400/1009."""
        if not isinstance(pem, str) or not pem.strip():
            raise ApiError(1008, "Missing required parameter: the PEM certificate body")
        if len(pem.encode()) > MAX_CA_BYTES:
            raise ApiError(
                1009, f"Invalid value for the webhook CA: larger than {MAX_CA_BYTES} bytes"
            )
        try:
            context = client_context(pem)
        except CaBundleError as exc:
            raise ApiError(1009, f"Invalid value for the webhook CA: {exc}") from None
        async with self.sessions.begin() as session:  # persisted before the answer
            await config.put(session, CONFIG_KEY, pem)
        self._change(pem, context)

    async def delete(self) -> None:
        """Remove the bundle; 200 also when there was none (the resource is a singleton,
        like the profile photo)."""
        async with self.sessions.begin() as session:
            await config.delete(session, CONFIG_KEY)
        if self._pem is not None:
            self._change(None, client_context(None))

    def _change(self, pem: str | None, context: ssl.SSLContext) -> None:
        self._pem, self.context = pem, context
        for listener in self._listeners:
            listener(context)
