"""Running the network process: the coreapp socket and the control API in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn
import uvloop

from waemu.background import stop_task
from waemu.gc_pauses import freeze_startup_objects
from waemu.network import (
    account_ops,
    contact_ops,
    inbound_ops,
    live,
    message_ops,
    stickers,
    template_ops,
)
from waemu.network.control import create_control_app
from waemu.network.server import NetworkServer
from waemu.network.world import World
from waemu.settings import Settings

log = logging.getLogger(__name__)
# How long a stop lets control API requests finish.
SHUTDOWN_SECONDS = 5


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside a loop whose signals are handled by the network process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build(settings: Settings) -> tuple[World, NetworkServer]:
    """The world and the socket server with every operation installed."""
    world = World(settings.network_data_dir, settings.network_seed)
    server = NetworkServer(settings.network_listen, settings.network_port)
    account_ops.install(server, world)
    contact_ops.install(server, world)
    message_ops.install(server, world)
    inbound_ops.install(server, world)
    template_ops.install(server, world)
    stickers.install(server)
    live.install(server, world)
    return world, server


async def _main(settings: Settings) -> int:
    world, server = build(settings)
    await world.save()
    await server.start()
    control = _EmbeddedServer(
        uvicorn.Config(
            create_control_app(world, server),
            host=settings.network_listen,
            port=settings.network_control_port,
            log_level=settings.log_level.lower(),
            access_log=settings.access_log,
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    freeze_startup_objects()
    serving = asyncio.create_task(control.serve(), name="network-control")
    stopping = asyncio.create_task(stop.wait(), name="network-stop")
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    await stop_task(stopping)
    world.events.close()  # the web inbox's event streams end, so the server stops at once
    control.should_exit = True
    await asyncio.wait({serving}, timeout=SHUTDOWN_SECONDS + 5)
    await stop_task(serving)
    await server.stop()
    log.info("network stopped")
    return 0 if control.started else 1


def serve(settings: Settings) -> int:
    """Run the network until SIGINT/SIGTERM."""
    return uvloop.run(_main(settings))


def issue_certificate(settings: Settings, cc: str, phone_number: str, vname: str) -> str:
    """A certificate from the network's authority (the ``waemu cert`` command)."""
    from waemu.network.account_ops import business_wa_id
    from waemu.network.certificates import CertificateAuthority

    ca = CertificateAuthority.load_or_create(settings.network_data_dir)
    return ca.issue(business_wa_id(cc, phone_number), vname)
