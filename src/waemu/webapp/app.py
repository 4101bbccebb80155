"""The FastAPI application: edge middleware, error handlers, routes."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from waemu import api_docs
from waemu.clock import Clock, SystemClock
from waemu.protocol.client import CoreCalls, CoreClient
from waemu.protocol.cluster_client import ClusterClient, MapSource
from waemu.settings import Settings
from waemu.webapp import errors, openapi_build
from waemu.webapp.deps import Services
from waemu.webapp.envelope import Envelope
from waemu.webapp.metrics import RequestMetrics
from waemu.webapp.middleware import EdgeMiddleware
from waemu.webapp.routes import (
    account,
    backup,
    certificates,
    contacts,
    health,
    media,
    messages,
    metrics,
    profile,
    services,
    stats,
    stickerpacks,
    support,
    users,
)
from waemu.webapp.routes import settings as settings_routes
from waemu.webapp.routing import LiteralPaths
from waemu.webapp.tokens import SigningKeys, Tokens


def framework_options() -> dict[str, Any]:
    """Options of ``FastAPI()`` for a hot path: recent FastAPI releases look up OpenTelemetry's
    global providers on every request unless told there is nothing to record (the webapp
    keeps its own metrics, spec §10.3); older ones have no such option."""
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    return {}


def create_app(
    settings: Settings, *, clock: Clock | None = None, cluster_map: MapSource | None = None
) -> FastAPI:
    """Build the webapp for ``settings``; in a cluster it sends each call where
    ``cluster_map`` (read from the shared database by the caller) says."""
    core: CoreCalls
    if settings.cluster.enabled:
        if cluster_map is None:
            raise ValueError("a cluster's webapp needs the cluster map")
        core = ClusterClient(
            cluster_map,
            call_timeout=settings.core_call_timeout,
            connect_timeout=settings.core_connect_timeout,
        )
    else:
        core = CoreClient(
            settings.core_host,
            settings.core_port,
            call_timeout=settings.core_call_timeout,
            connect_timeout=settings.core_connect_timeout,
        )
    envelope = Envelope(settings.api_version)
    tokens = Tokens(SigningKeys(settings.jwt_key, core), clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await core.close()

    app = FastAPI(
        title="WhatsApp Business On-Premises API (emulator)",
        version=settings.api_version,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        **framework_options(),
    )
    api_docs.install(app)  # /docs without a CDN
    openapi_build.install(app)  # /openapi.json from webapp/openapi.py
    app.state.services = Services(settings, core, tokens, envelope)
    app.state.metrics = RequestMetrics(clock or SystemClock())  # GET /metrics (§10.3)
    errors.install(app, envelope)
    app.add_middleware(
        EdgeMiddleware,
        envelope=envelope,
        max_json_bytes=settings.max_json_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        metrics=app.state.metrics,
    )
    routers = (
        messages.router,  # first: the hot path matches without scanning
        users.router,
        health.router,
        support.router,
        account.router,
        contacts.router,
        settings_routes.router,
        profile.router,
        profile.public,
        media.router,
        certificates.router,
        stickerpacks.router,
        backup.router,
        stats.router,
        metrics.router,
        services.router,
    )
    for router in routers:
        app.include_router(router)
    # Before them all: /v1/users/login is the login node for every method, never a
    # {username}; the 405 handler reads each path's methods from it too.
    app.state.paths = LiteralPaths([route for router in routers for route in router.routes])
    app.router.routes.insert(0, app.state.paths)
    return app
