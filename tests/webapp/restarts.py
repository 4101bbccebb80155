"""Restarting the coreapp of an in-process stack on the same database (persistence tests).

``InProcessStack`` drops its database on exit, so a "restart" cannot be a second stack; this
stops the running coreapp and starts a new one on the same port and database. The webapp
keeps running and reconnects by itself, as it does when the real coreapp restarts.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tests.stacks import InProcessStack
from waemu.coreapp.app import CoreApp


async def restart_core(stack: InProcessStack) -> None:
    """Stop ``stack``'s coreapp and start a fresh one that loads everything from the database."""
    port = stack.core.server.port
    assert await stack.stop_core() == 0
    stack._stop = asyncio.Event()
    stack.core = CoreApp(replace(stack.settings, core_port=port), clock=stack.clock)
    stack._task = asyncio.create_task(stack.core.run(stack._stop))
    for _ in range(600):
        if stack.core.readiness.database_ready:
            return
        if stack._task.done():
            raise RuntimeError(f"restarted coreapp exited with {stack._task.result()}")
        await asyncio.sleep(0.05)
    raise AssertionError("the restarted coreapp never became ready")
