"""Running one coreapp process with signal handling."""

from __future__ import annotations

import asyncio
import signal

import uvloop

from waemu.coreapp.app import CoreApp
from waemu.settings import Settings


async def _main(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return await CoreApp(settings).run(stop)


def serve(settings: Settings) -> int:
    """Run the coreapp until SIGINT/SIGTERM; returns the exit code."""
    return uvloop.run(_main(settings))
