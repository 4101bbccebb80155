"""Which certificate the webapp serves HTTPS with (spec §10.6).

On start, with TLS on, the webapp asks its coreapp for the bundle uploaded with
``POST /v1/certificates/external`` and writes it to ``<WA_DATA_DIR>/certs/external.{crt,key}``;
it serves that instead of the self-signed ``webapp.{crt,key}``. While the coreapp starts
(1011) or cannot be reached (1014) it asks again for up to :data:`WAIT_SECONDS`; if the
coreapp stays away, the copy written on an earlier start is served if its key still matches
its certificate, else the self-signed certificate. When the coreapp answers that nothing was
uploaded, the old copy is removed.

Each file is written to a temporary file created readable by the owner only (0600) and
renamed over the old one, so the key is never readable by others, not even for a moment, and
a crash leaves whole files.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
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


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole, owner-only (0600): a new file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # webapps may share a folder
    temporary.unlink(missing_ok=True)  # left by a crash; O_EXCL below then creates it 0600
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write(cert_path: Path, key_path: Path, bundle: dict[str, str]) -> None:
    cert_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _replace(key_path, bundle["key"])
    _replace(cert_path, bundle["chain"])


def _usable(cert_path: Path, key_path: Path) -> bool:
    """Whether the files exist and the key belongs to the certificate (TLS would start)."""
    if not (cert_path.exists() and key_path.exists()):
        return False
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_path, key_path)
    except (ssl.SSLError, OSError) as exc:
        log.warning("the external certificate of an earlier start is not usable: %s", exc)
        return False
    return True


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
    elif _usable(cert_path, key_path):
        log.warning("serving HTTPS with the external certificate read on an earlier start")
        return cert_path, key_path
    return ensure_self_signed(directory)
