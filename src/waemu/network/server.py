"""The network's socket: coreapps connect here as the real coreapp connects to WhatsApp.

A connection starts anonymous (``hello``), may register a number, and logs in with
``account.login``: one coreapp per number, or in a multiconnect cluster one per shard of the
number (``shard``/``shards``, protocol/shards.py), the primary master on the control shard.
Operations are registered by area modules (``register``) and receive the calling session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from waemu.errors import ApiError
from waemu.network.offline import Backlog, OfflineSwitches
from waemu.protocol.peer import Peer
from waemu.protocol.shards import CONTROL_SHARD, shard_of

if TYPE_CHECKING:
    from waemu.network.messaging import Messaging

log = logging.getLogger(__name__)
# How long a stop waits for the listening socket's connections to close.
STOP_SECONDS = 5.0


class Session:
    """One connected coreapp."""

    def __init__(self, server: NetworkServer) -> None:
        self.server = server
        self.peer: Peer | None = None
        self.client_id: str | None = None
        self.node: str | None = None  # a cluster node's ``<hostname>:<container-id>`` (hello)
        self.wa_id: str | None = None  # set once logged in
        # A cluster's login: its shard (-1 the control shard) of ``shards``; None for one coreapp.
        self.shard: int | None = None
        self.shards: int | None = None
        self.backlog: Backlog | None = None  # what its login found queued (offline.py)

    def serves(self, customer: str) -> bool:
        """Whether this login gets ``customer``'s messages and receipts."""
        if self.shard is None or self.shards is None:
            return True
        return self.shard != CONTROL_SHARD and shard_of(customer, self.shards) == self.shard

    @property
    def open(self) -> bool:
        """Whether the connection is still up."""
        return self.peer is not None and not self.peer.closed.is_set()

    def require_login(self) -> str:
        """The logged-in number, or 1005 for an anonymous session."""
        if self.wa_id is None:
            raise ApiError(1005, "Log in to the network first")
        return self.wa_id

    def require_client(self) -> str:
        """The client id given in ``hello``."""
        if self.client_id is None:
            raise ApiError(1005, "Say hello first")
        return self.client_id

    async def call(self, op: str, args: dict[str, Any], wait: float = 30.0) -> Any:
        """Push a request to the coreapp."""
        assert self.peer is not None
        return await self.peer.call(op, args, wait)


SessionOp = Callable[[Session, dict[str, Any]], Awaitable[Any]]


class NetworkServer:
    """Accepts coreapps and routes their requests to the registered operations."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.sessions: set[Session] = set()
        self.outage = False
        self._ops: dict[str, SessionOp] = {"hello": self._hello}
        # Called with a business wa_id when its coreapp logs in (to push what waited).
        self.login_listeners: list[Callable[[str], None]] = []
        # Called when a connection opens or closes (the web inbox's live health).
        self.session_listeners: list[Callable[[], None]] = []
        self.messaging: Messaging | None = None  # set by message_ops.install
        self.offline: OfflineSwitches | None = None  # set by message_ops.install
        # Seconds to wait before answering an operation (control API: slow template loads).
        self.delays: dict[str, float] = {}
        # Called by ``stop`` in order; a hook may return an awaitable, which is awaited.
        self.stop_hooks: list[Callable[[], Awaitable[None] | None]] = []
        self._server: asyncio.Server | None = None

    def register(self, name: str, op: SessionOp) -> None:
        """Add an operation coreapps may call."""
        if name in self._ops:
            raise ValueError(f"network operation {name} registered twice")
        self._ops[name] = op

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        sockets = self._server.sockets or ()
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        log.info("network listening for coreapps on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Close every session and stop listening."""
        if self._server is not None:
            self._server.close()
        for hook in self.stop_hooks:
            result = hook()
            if result is not None:
                await result
        self.drop()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_SECONDS):
                    await self._server.wait_closed()

    def logged_in(self, wa_id: str) -> list[Session]:
        """Open sessions logged in as ``wa_id`` (one closed by a newer login is left out)."""
        return [s for s in self.sessions if s.wa_id == wa_id and s.open]

    def drop(self, wa_id: str | None = None, node: str | None = None) -> int:
        """Close the sessions of ``wa_id`` and of the cluster node ``node`` (all when both
        are None); returns how many."""
        victims = [
            s
            for s in self.sessions
            if (wa_id is None or s.wa_id == wa_id) and (node is None or s.node == node)
        ]
        for session in victims:
            if session.peer is not None:
                session.peer.close()
        return len(victims)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.outage:
            writer.close()  # an outage: the servers cannot be reached
            return
        session = Session(self)

        async def handle(op: str, args: dict[str, Any]) -> Any:
            found = self._ops.get(op)
            if found is None:
                raise ApiError(1014, f"Unknown network operation {op!r}")
            delay = self.delays.get(op, 0.0)
            if delay > 0:
                await asyncio.sleep(delay)
            return await found(session, args)

        session.peer = Peer(reader, writer, handle, name="network")
        self.sessions.add(session)
        self._sessions_changed()
        try:
            await session.peer.run()
        finally:
            self.sessions.discard(session)
            self._sessions_changed()
            if session.client_id is not None:  # not a bare TCP probe (healthchecks)
                log.info("coreapp session ended (%s)", session.wa_id or "anonymous")

    def _sessions_changed(self) -> None:
        for listener in self.session_listeners:
            listener()

    async def _hello(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        client_id = args.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise ApiError(1009, "hello needs a client_id")
        session.client_id = client_id
        node = args.get("node")
        session.node = node if isinstance(node, str) and node else None
        return {"network": "waemu"}
