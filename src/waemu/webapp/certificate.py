"""Which certificate the webapp serves HTTPS with (spec §10.6).

On start, with TLS on, the webapp asks its coreapp for the bundle uploaded with
``POST /v1/certificates/external`` and writes it to ``<WA_DATA_DIR>/certs/external.{crt,key}``;
it serves that instead of the self-signed ``webapp.{crt,key}``. While the coreapp starts
(1011) or cannot be reached (1014) it asks again for up to :data:`WAIT_SECONDS`; if the
coreapp stays away, the copy written on an earlier start is served, else the self-signed
certificate. When the coreapp answers that nothing was uploaded, the old copy is removed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.protocol.client import CoreClient
from waemu.settings import Settings
from waemu.tls import ensure_self_signed

log = logging.getLogger(__name__)

WAIT_SECONDS = 20.0
RETRY_SECONDS = 0.25
UNREACHABLE = object()  # the coreapp could not say


async def _fetch(settings: Settings, wait_seconds: float) -> Any:
    """The coreapp's answer (a bundle or None), or :data:`UNREACHABLE`."""
    client = CoreClient(
        settings.core_host,
        settings.core_port,
        call_timeout=5.0,
        connect_timeout=min(settings.core_connect_timeout, 2.0),
    )
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                return await client.call(ops.EXTERNAL_CERT_BUNDLE)
            except ApiError as exc:
                if exc.code not in (1011, 1014) or time.monotonic() >= deadline:
                    log.warning("external certificate not read from the coreapp: %s", exc)
                    return UNREACHABLE
            await asyncio.sleep(RETRY_SECONDS)
    finally:
        await client.close()


def _write(cert_path: Path, key_path: Path, bundle: dict[str, str]) -> None:
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_text(bundle["key"])
    cert_path.write_text(bundle["chain"])


def select_certificate(
    settings: Settings, *, wait_seconds: float = WAIT_SECONDS
) -> tuple[Path, Path]:
    """``(certificate chain, key)`` files to serve HTTPS with."""
    directory = settings.data_dir / "certs"
    cert_path, key_path = directory / "external.crt", directory / "external.key"
    answer = asyncio.run(_fetch(settings, wait_seconds))
    if isinstance(answer, dict):
        _write(cert_path, key_path, answer)
        log.info("serving HTTPS with the uploaded external certificate")
        return cert_path, key_path
    if answer is None:
        cert_path.unlink(missing_ok=True)
        key_path.unlink(missing_ok=True)
    elif cert_path.exists() and key_path.exists():
        log.warning("serving HTTPS with the external certificate read on an earlier start")
        return cert_path, key_path
    return ensure_self_signed(directory)
