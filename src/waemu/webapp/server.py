"""Serving the webapp with uvicorn: HTTPS with the self-signed certificate, or plain HTTP."""

from __future__ import annotations

import logging

import uvicorn

from waemu.settings import Settings
from waemu.tls import ensure_self_signed
from waemu.webapp.app import create_app

log = logging.getLogger(__name__)


def serve(settings: Settings) -> int:
    """Run the webapp until SIGINT/SIGTERM; returns the exit code."""
    ssl: dict[str, str] = {}
    if settings.web_tls:
        cert, key = ensure_self_signed(settings.data_dir / "certs")
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    config = uvicorn.Config(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level.lower(),
        access_log=settings.access_log,
        server_header=False,
        **ssl,  # type: ignore[arg-type]
    )
    scheme = "https" if settings.web_tls else "http"
    log.info("webapp serving %s on %s:%s", scheme, settings.web_host, settings.web_port)
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1
