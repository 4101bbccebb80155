"""The coreapp's connection to the (simulated) WhatsApp network.

Like the real coreapp's chatd connection: opened as soon as the database is ready, kept open,
and re-opened with exponential backoff whenever it drops. With a registered number the
coreapp logs in on every new connection, and ``/v1/health`` follows the real events:
``connecting`` while connecting and logging in, ``connected`` once logged in,
``disconnected`` while waiting to retry (spec §10.1). Every login hands over to the startup
runner (templates, then offline messages: spec §12, ``startup.py``) before sends are accepted.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from waemu.background import stop_task, wait_event
from waemu.coreapp.readiness import LOGGED_IN, Phase, Readiness
from waemu.errors import ApiError
from waemu.protocol.peer import Peer, PeerClosed, RequestHandler

log = logging.getLogger(__name__)

Credentials = Callable[[], Awaitable[dict[str, str] | None]]
Forget = Callable[[], Awaitable[None]]


class StartupRunner(Protocol):
    """What runs the startup of spec §12 on every login (``startup.Startup``)."""

    def begin(self) -> None:
        """A login is about to be sent: forget the previous connection's startup."""

    def logged_in(self) -> None:
        """The network accepted the login: run the startup steps."""


class NetworkLink:
    """Keeps one connection to the network and offers calls over it."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        client_id: str,
        readiness: Readiness,
        credentials: Credentials,
        forget: Forget,
        handler: RequestHandler,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        connect_timeout: float = 3.0,
        node: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.node = node  # a cluster node says who it is (the network's control API shows it)
        self.readiness = readiness
        self.credentials = credentials
        self.forget = forget
        self.handler = handler
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.connect_timeout = connect_timeout
        self._peer: Peer | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Without a runner (services tested alone) a login is ready at once.
        self.startup: StartupRunner | None = None

    @property
    def connected(self) -> bool:
        """Whether a connection is open (logged in or not)."""
        return self._peer is not None and not self._peer.closed.is_set()

    async def call(self, op: str, args: dict[str, Any] | None = None, wait: float = 30.0) -> Any:
        """Call the network; 1011 while it cannot be reached (spec §7.10)."""
        peer = self._peer
        if peer is None or peer.closed.is_set():
            raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
        try:
            return await peer.call(op, args, wait)
        except (PeerClosed, TimeoutError):
            raise ApiError(1011, f"The WhatsApp network did not answer {op}") from None

    async def login(self) -> None:
        """Log in on the open connection with the stored registration (after verify)."""
        peer = self._peer
        if peer is None or peer.closed.is_set():
            self._wake.set()  # connect now instead of waiting out the backoff
            return
        await self._login(peer)

    async def _login(self, peer: Peer) -> bool:
        creds = await self.credentials()
        if creds is None:
            self.readiness.move_if_needed(Phase.UNREGISTERED)
            return False
        self.readiness.move_if_needed(Phase.CONNECTING)
        if self.startup is not None:
            self.startup.begin()  # before the login: the network pushes right after it
        try:
            await peer.call("account.login", creds, 10)
        except ApiError as exc:
            # Another client took the number: the registration here is no longer valid,
            # and the client must register again (the real client needs a new code too).
            log.warning("network refused the login: %s", exc.details)
            await self.forget()
            self.readiness.move_if_needed(Phase.UNREGISTERED)
            return False
        log.info("connected to the network as +%s", creds["wa_id"])
        if self.startup is None:
            self.readiness.move_if_needed(Phase.CONNECTED)
        else:
            self.startup.logged_in()
        return True

    async def run(self) -> None:
        """Connect, log in, wait for the connection to end, back off, repeat; until cancelled."""
        delay = self.min_backoff
        while True:
            registered = await self.credentials() is not None
            if registered:
                self.readiness.move_if_needed(Phase.CONNECTING)
            peer = await self._connect()
            if peer is not None:
                reader = asyncio.create_task(peer.run(), name="network-link-reader")
                try:
                    hello = {"client_id": self.client_id}
                    if self.node is not None:
                        hello["node"] = self.node
                    await peer.call("hello", hello, 10)
                    self._peer = peer
                    if await self._login(peer):
                        delay = self.min_backoff
                    await peer.closed.wait()
                except (ApiError, PeerClosed, TimeoutError) as exc:
                    log.warning("network handshake failed: %s", exc)
                finally:
                    self._peer = None
                    peer.close()
                    await stop_task(reader)
                log.warning("connection to the network lost")
            if self.readiness.phase in (Phase.CONNECTING, *LOGGED_IN):
                self.readiness.move(Phase.DISCONNECTED)
            await self._sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _connect(self) -> Peer | None:
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            log.info("cannot reach the network at %s:%s: %s", self.host, self.port, exc)
            return None
        return Peer(reader, writer, self.handler, name="coreapp-link")

    async def _sleep(self, delay: float) -> None:
        """Wait ``delay`` (±20 % jitter) or until woken by a login request."""
        self._wake.clear()
        jittered = delay * random.uniform(0.8, 1.2)
        await wait_event(self._wake, jittered)

    def start(self) -> None:
        """Start keeping the connection."""
        self._task = asyncio.create_task(self.run(), name="network-link")

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        await stop_task(self._task)
        self._task = None
        if self._peer is not None:
            self._peer.close()
