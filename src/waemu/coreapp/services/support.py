"""``GET /v1/support``: what the real client reports to Meta's support team (spec §10.4)."""

from __future__ import annotations

import asyncio
import platform
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from waemu import __version__
from waemu.clock import Clock
from waemu.coreapp.readiness import Readiness
from waemu.coreapp.services.account import AccountService
from waemu.settings import Settings


class StartupReport(Protocol):
    """What the startup runner tells support (``coreapp/startup.py``)."""

    def report(self) -> dict[str, Any]:
        """The ``startup`` object of the support report."""
        ...


# The real client's logical stores; here one schema holds them all (docs/architecture.md).
STORES = ("axolotl", "callback", "cluster", "config", "contact", "jobqueue", "message")
# Variables worth showing support; secrets (passwords, keys) never appear.
SHOWN_ENV = (
    "WA_DB_ENGINE",
    "WA_DB_HOSTNAME",
    "WA_DB_PORT",
    "WA_DB_NAME_PREFIX",
    "WA_API_VERSION",
    "WACORE_HOSTNAME",
    "WACORE_PORT",
    "WA_NETWORK_HOSTNAME",
    "WA_NETWORK_PORT",
)


def _free_bytes(path: Path) -> int:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


class SupportService:
    """Builds the support report from the coreapp's real state."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        readiness: Readiness,
        account: AccountService,
        clock: Clock,
        env: dict[str, str],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.readiness = readiness
        self.account = account
        self.clock = clock
        self.env = env
        self.startup: StartupReport | None = None  # set once the network link exists

    async def report(self) -> dict[str, Any]:
        """The ``support`` object."""
        async with self.engine.connect() as conn:
            revision = (
                await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar()
            server_version = conn.dialect.server_version_info
        data_free, media_free = await asyncio.to_thread(
            lambda: (_free_bytes(self.settings.data_dir), _free_bytes(self.settings.media_dir))
        )
        schema_version = int(revision or 0)
        registered = self.account.wa_id
        now: datetime = self.clock.now()
        return {
            "context": "healthcheck",
            "db_engine": self.settings.db.engine,
            "db_info": [
                f"{self.engine.dialect.name} {'.'.join(map(str, server_version or ()))}".strip(),
                f"{self.engine.dialect.driver}",
            ],
            "debug_info": registered or "unregistered",
            "description": f"waemu {__version__} emulating the On-Premises API "
            f"{self.settings.api_version}",
            "device_iso8601": now.strftime("%Y-%m-%dT%H:%M:%S"),
            "e2e": {
                "identity_timestamp": str(int(now.timestamp())),
                "registration_id": int(self.account.client_id[:6] or "0", 16),
            },
            "env": [f"{name}={self.env[name]}" for name in SHOWN_ENV if name in self.env],
            "expire_timestamp": "2099-12-31T23:59:59",
            "free_space_data": data_free,
            "free_space_logs": data_free,
            "free_space_media_incoming": media_free,
            "free_space_media_outgoing": media_free,
            "lc": "en",
            "lg": "US",
            "multi_connect": False,
            "os_name": f"{platform.system().lower()}-{platform.machine()}",
            "os_version": platform.release(),
            "schema": {store: schema_version for store in STORES},
            "socket_conn": self.readiness.socket_conn,
            "shards": [[-1, -1], [0, 0]] if registered else [],
            "role": "coreapp",
            # Not in the real report: why the coreapp is not ready yet (docs/readiness.md).
            "startup": self.startup.report() if self.startup is not None else None,
        }
