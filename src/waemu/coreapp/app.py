"""The coreapp's lifecycle: listen, wait for the database, migrate, load, serve, drain."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from waemu.clock import Clock, SystemClock
from waemu.coreapp.dispatch import Dispatcher
from waemu.coreapp.handlers import auth as auth_handlers
from waemu.coreapp.handlers import health as health_handlers
from waemu.coreapp.handlers import users as users_handlers
from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.server import CoreServer
from waemu.coreapp.services.auth import SigningKeyService
from waemu.coreapp.services.passwords import Hasher
from waemu.coreapp.services.users import LoginThrottle, UsersService
from waemu.settings import Settings
from waemu.storage import engine as db_engine
from waemu.storage import migrate

log = logging.getLogger(__name__)


class CoreApp:
    """One coreapp process."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.readiness = Readiness()
        self.dispatcher = Dispatcher(self.readiness)
        self.server = CoreServer(self.dispatcher, settings.core_listen, settings.core_port)
        self.engine: AsyncEngine | None = None
        self.dispatcher.register(health_handlers.operations(self.readiness))

    async def _initialize(self) -> None:
        """Wait for the database, apply migrations, load state, register operations."""
        await db_engine.wait_and_create_database(self.settings.db)
        self.engine = db_engine.create_engine(self.settings.db)
        await migrate.upgrade(self.engine)
        sessions = db_engine.session_factory(self.engine)
        throttle = LoginThrottle(
            self.clock, self.settings.login_max_failures, self.settings.login_lockout_seconds
        )
        users = UsersService(sessions, Hasher(self.settings.bcrypt_rounds), self.clock, throttle)
        await users.load()
        self.dispatcher.register(users_handlers.operations(users))
        self.dispatcher.register(auth_handlers.operations(SigningKeyService(sessions)))
        self.dispatcher.set_authorizer(users.authorize)
        self.readiness.move(Phase.UNREGISTERED)

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set; returns the process exit code."""
        await self.server.start()
        init = asyncio.create_task(self._initialize(), name="coreapp-init")
        stopper = asyncio.create_task(stop.wait(), name="coreapp-stop")
        await asyncio.wait({init, stopper}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if init.done() and init.exception() is not None:
            log.error("coreapp could not start: %s", init.exception())
            code = 1
        elif init.done():
            log.info("coreapp ready for requests (%s)", self.readiness.gateway_status)
            await stopper
        else:
            init.cancel()
            await asyncio.gather(init, return_exceptions=True)
        stopper.cancel()
        await self.shutdown()
        return code

    async def shutdown(self) -> None:
        """Drain requests and release the database."""
        if self.readiness.phase is not Phase.STOPPING:
            self.readiness.move(Phase.STOPPING)
        await self.server.stop()
        if self.engine is not None:
            await self.engine.dispose()
        log.info("coreapp stopped")
