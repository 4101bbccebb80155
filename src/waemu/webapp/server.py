"""Serving the webapp with uvicorn: HTTPS with the uploaded or the self-signed certificate,
or plain HTTP."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn

from waemu.gc_pauses import freeze_startup_objects
from waemu.protocol.cluster_client import MapSource
from waemu.settings import Settings
from waemu.webapp.app import create_app
from waemu.webapp.certificate import select_certificate
from waemu.webapp.http_protocol import protocol_class

log = logging.getLogger(__name__)
# How long a stop lets requests under way finish before their connections are closed.
SHUTDOWN_SECONDS = 10


class _Server(uvicorn.Server):
    """uvicorn, but a SIGTERM/SIGINT ends with exit code 0 after the graceful shutdown
    (uvicorn re-raises the signal, which a container runtime would report as a failure)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(settings: Settings, cluster_map: MapSource | None = None) -> int:
    """Run the webapp until SIGINT/SIGTERM; returns the exit code."""
    ssl: dict[str, str] = {}
    if settings.web_tls:
        cert, key = select_certificate(settings)  # uploaded, else self-signed (spec §10.6)
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    config = uvicorn.Config(
        create_app(settings, cluster_map=cluster_map),
        host=settings.web_host,
        port=settings.web_port,
        loop="uvloop",
        http=protocol_class(settings.web_limits, settings.api_version),  # limits, envelope
        timeout_keep_alive=settings.web_limits.keepalive_timeout,  # type: ignore[arg-type]
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        log_level=settings.log_level.lower(),
        access_log=settings.access_log,
        server_header=False,
        **ssl,  # type: ignore[arg-type]
    )
    scheme = "https" if settings.web_tls else "http"
    log.info("webapp serving %s on %s:%s", scheme, settings.web_host, settings.web_port)
    server = _Server(config)
    freeze_startup_objects()
    server.run()
    return 0 if server.started else 1
