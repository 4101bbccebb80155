"""The webapp's uploaded HTTPS certificate (spec §10.6, ``/v1/certificates/external``).

The bundle is kept by the coreapp in the ``config`` store (key ``certificates.external``), so
every webapp connected to this coreapp finds it: a webapp reads it on start
(``certificates.external.bundle``) and serves HTTPS with it instead of its self-signed
certificate. Like the real client, an upload takes effect when the webapps restart.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import tls_bundle
from waemu.clock import Clock
from waemu.errors import ApiError
from waemu.storage.repos import config

CONFIG_KEY = "certificates.external"


class ExternalCertificateService:
    """Checks, stores and hands out the uploaded bundle."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def upload(self, text: Any) -> None:
        """``POST /v1/certificates/external``: replace the bundle; 400/1009 (nothing stored)
        unless it is private key + server certificate + at least one CA certificate."""
        if not isinstance(text, str) or not text.strip():
            raise ApiError(1008, "Missing required parameter: certificate (the body is empty)")
        bundle = await asyncio.to_thread(tls_bundle.parse, text, now=self.clock.now())
        async with self.sessions.begin() as session:
            await config.put(session, CONFIG_KEY, {"bundle": bundle.text})

    async def _stored(self) -> tls_bundle.Bundle | None:
        async with self.sessions.begin() as session:
            stored = await config.get(session, CONFIG_KEY)
        if not isinstance(stored, dict) or not isinstance(stored.get("bundle"), str):
            return None
        # Checked when uploaded; parsed again only to split it (validity dates not re-judged).
        blocks = [m.group(0).strip() + "\n" for m in tls_bundle.BLOCK.finditer(stored["bundle"])]
        return tls_bundle.Bundle(blocks[0], blocks[1], tuple(blocks[2:]))

    async def ca(self) -> str | None:
        """``GET /v1/certificates/external/ca``: the CA certificate(s), or None without an
        upload (the webapp answers that with a bare 404, spec §10.6)."""
        bundle = await self._stored()
        return None if bundle is None else bundle.ca_pem

    async def bundle(self) -> dict[str, str] | None:
        """What a starting webapp serves: key and certificate chain, or None."""
        bundle = await self._stored()
        if bundle is None:
            return None
        return {"key": bundle.key_pem, "chain": bundle.certificate_chain}
