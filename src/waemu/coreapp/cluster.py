"""A coreapp as a node of a high-availability / multiconnect cluster (spec §13, docs/cluster.md).

Every node writes a heartbeat row every ``heartbeat_interval`` seconds (an application
setting, spec §9.1). Master nodes (``WA_MASTER_NODE=1``) race for the ``primary_master``
lease, valid ``unhealthy_interval`` seconds and renewed with each heartbeat; the holder is the
primary master, the others are secondary masters. The primary master owns the control shard:
it logs in to the network on shard -1, answers every operation but sends, delivers the
webhook outbox and runs the garbage collectors. It also keeps the shard map: each shard of
the number (``POST /v1/account/shards``) goes to one live coreapp node, and a coreapp silent
for ``unhealthy_interval`` loses its shard to a standby. A coreapp that owns a shard logs in
on it, hands the network again what was accepted for its customers and not yet sent, runs the
startup of spec §12, and takes the sends of its customers; the others wait, ``disconnected``.

An operation on the wrong node answers 1017 "Not Primary Master" or 1018 "Not Primary
Coreapp" (spec §13.2); the webapp then reads the map again and retries on the right node.
Each change the primary master makes bumps a counter every node watches, so every node
reloads what it keeps in memory (users, settings, the registration) within a heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.background import stop_task, wait_event
from waemu.clock import Clock
from waemu.coreapp.readiness import LOGGED_IN, Phase, Readiness
from waemu.errors import ApiError
from waemu.protocol.cluster_map import ANY_NODE, shard_key
from waemu.protocol.shards import CONTROL_SHARD, shard_of
from waemu.settings import ClusterSettings
from waemu.storage.repos import cluster as repo

log = logging.getLogger(__name__)

PRIMARY_MASTER = "primary_master"
SECONDARY_MASTER = "secondary_master"
COREAPP = "coreapp"
# A node silent this many times ``unhealthy_interval`` leaves /v1/health.
FORGET_AFTER = 10
LEAVE_SECONDS = 5.0  # a stop waits this long at most to take its row away
# A new primary master answers 1017 until it is logged in on the control shard, this long at
# most (then calls that need the network answer 1011 themselves, as on one coreapp).
TAKEOVER_SECONDS = 10.0
# Operations that only read: answering them changes nothing the other nodes keep.
# The areas whose state every node keeps in memory (what ``reload`` reads again).
KEPT_IN_MEMORY = ("users.", "settings.", "account.", "certificates.webhooks_ca.")


def changes_state(op: str) -> bool:
    """Whether answering ``op`` may change what the nodes keep in memory."""
    return op.startswith(KEPT_IN_MEMORY) and not op.endswith(".get")


class ClusterNode:
    """This coreapp's part in the cluster: heartbeat, lease, shard map, the login it holds."""

    def __init__(
        self,
        settings: ClusterSettings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        readiness: Readiness,
        *,
        intervals: Callable[[], tuple[int, int]],
        shard_count: Callable[[], int],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.readiness = readiness
        self.intervals = intervals  # (heartbeat_interval, unhealthy_interval), live
        self.shard_count = shard_count
        self.node_id = settings.node_id
        self.started_at = clock.now()
        self.primary = False
        self.shard: int | None = None  # the shard this node logs in on (-1: control shard)
        self.login_shards = 1  # the shard count of that login
        self.config_version: int | None = None
        self._changed = False  # the primary changed state since its last heartbeat
        self._primary_since: float | None = None  # when it became primary, until logged in
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Wired by the coreapp: start and stop the network login, the primary's duties, and
        # reload what memory keeps; ``takeover`` runs before a coreapp logs in on a shard.
        self.start_link: Callable[[], None] = lambda: None
        self.stop_link: Callable[[], Awaitable[None]] = _nothing
        self.become_primary: Callable[[], None] = lambda: None
        self.stop_primary: Callable[[], Awaitable[None]] = _nothing
        self.reload: Callable[[], Awaitable[None]] = _nothing
        self.takeover: Callable[[Callable[[str], bool]], Awaitable[None]] = _nothing_for
        # Whether the control shard's login can serve calls (logged in, or connected while
        # the number is not registered yet).
        self.control_ready: Callable[[], bool] = lambda: True

    @property
    def kind(self) -> str:
        return "master" if self.settings.master else COREAPP

    @property
    def role(self) -> str:
        """This node's role as ``/v1/health`` shows it (spec §10.1)."""
        return self._role(self.primary)

    def _role(self, primary: bool) -> str:
        if not self.settings.master:
            return COREAPP
        return PRIMARY_MASTER if primary else SECONDARY_MASTER

    async def credentials(self, base: dict[str, str] | None) -> dict[str, Any] | None:
        """The login of this node's shard: the registration plus ``shard``/``shards``."""
        if base is None or self.shard is None:
            return None
        return {**base, "shard": self.shard, "shards": self.login_shards}

    def serves(self, customer: str) -> bool:
        """Whether sends to ``customer`` are this node's (its shard's)."""
        if self.shard is None or self.shard == CONTROL_SHARD:
            return False
        return shard_of(customer, self.login_shards) == self.shard

    def check(self, op: str, args: dict[str, Any]) -> None:
        """1017/1018 when another node answers ``op`` (spec §13.2)."""
        if op in ANY_NODE:
            return
        customer = shard_key(op, args)
        if customer is not None:
            if not self.serves(customer):
                raise ApiError(1018, f"{self.node_id} does not hold this recipient's shard")
        elif not self.primary:
            raise ApiError(1017, f"{self.node_id} is not the primary master")
        elif self._taking_over():
            # Not yet logged in on the control shard: the webapp tries again in a moment.
            raise ApiError(1017, f"{self.node_id} is still taking over as primary master")

    def _taking_over(self) -> bool:
        """Whether this new primary is still logging in (at most ``TAKEOVER_SECONDS``)."""
        if self.control_ready():
            self._primary_since = None
            return False
        started = self._primary_since
        return started is not None and time.monotonic() - started < TAKEOVER_SECONDS

    def answered(self, op: str) -> None:
        """The dispatcher answered ``op`` without error: tell the others if it changed state."""
        if self.primary and changes_state(op):
            self._changed = True
            self._wake.set()

    # -- the loop --------------------------------------------------------------------------

    def start(self) -> None:
        """Join the cluster."""
        self._task = asyncio.create_task(self._run(), name="cluster-node")

    async def stop(self) -> None:
        """Leave: stop the loop, give the lease up and take this node's row away."""
        await stop_task(self._task)
        self._task = None
        try:
            async with asyncio.timeout(LEAVE_SECONDS), self.sessions.begin() as session:
                if self.primary:
                    await repo.release_lease(session, self.node_id, self.clock.now())
                await repo.leave(session, self.node_id)
        except Exception as exc:  # a dead database must not hold the stop
            log.warning("could not leave the cluster cleanly: %s", exc)

    async def health(self) -> dict[str, dict[str, str]]:
        """``/v1/health`` of the cluster: every node by ``<hostname>:<container-id>`` with its
        ``gateway_status`` and ``role`` (spec §10.1); a silent node shows ``disconnected``."""
        _heartbeat, unhealthy = self.intervals()
        now = self.clock.now()
        async with self.sessions() as session:
            nodes = await repo.nodes(session)
            lease = await repo.lease(session)
        primary = lease.holder if lease.expires_at >= now else None
        found: dict[str, dict[str, str]] = {}
        for node in nodes:
            if node.kind == COREAPP:
                role = COREAPP
            else:
                role = PRIMARY_MASTER if node.node_id == primary else SECONDARY_MASTER
            status = node.gateway_status if node.alive(now, unhealthy) else "disconnected"
            found[node.node_id] = {"gateway_status": status, "role": role}
        found[self.node_id] = {"gateway_status": self.readiness.gateway_status, "role": self.role}
        return dict(sorted(found.items()))

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("cluster heartbeat failed")
            heartbeat, _unhealthy = self.intervals()
            self._wake.clear()
            await wait_event(self._wake, heartbeat)

    async def tick(self) -> None:
        """One heartbeat: lease, own row, the map (primary), then what this node should do."""
        heartbeat, unhealthy = self.intervals()
        now = self.clock.now()
        async with self.sessions.begin() as session:
            primary = False
            if self.settings.master:
                until = now + timedelta(seconds=heartbeat + unhealthy)
                primary = await repo.take_lease(session, self.node_id, now, until)
            if primary and self._changed:
                self._changed = False
                await repo.bump(session)
            await repo.heartbeat(session, self._row(now, primary, heartbeat))
            if primary:
                await self._assign(session, now, unhealthy)
            shards = await repo.shard_map(session)
            version = await repo.counter(session)
        if version != self.config_version:
            # Also at the first heartbeat: a change made while this node was starting (or
            # while its first heartbeats failed) is not missed.
            await self.reload()
            self.config_version = version
        await self._apply(primary, shards)

    def _row(self, now: datetime, primary: bool, heartbeat: int) -> repo.Node:
        return repo.Node(
            node_id=self.node_id,
            kind=self.kind,
            host=self.settings.hostname,
            port=self.settings.port,
            role=self._role(primary),
            gateway_status=self.readiness.gateway_status,
            started_at=self.started_at,
            heartbeat_at=now,
            heartbeat_interval=heartbeat,
        )

    async def _assign(self, session: AsyncSession, now: datetime, unhealthy: int) -> None:
        """Give every shard to a live coreapp, keeping the owners that are still alive."""
        await repo.forget_nodes(session, now - timedelta(seconds=unhealthy * FORGET_AFTER))
        live = [
            n.node_id
            for n in await repo.nodes(session)
            if n.kind == COREAPP and n.alive(now, unhealthy)
        ]
        count = self.shard_count()
        current = await repo.shard_map(session)
        owners: dict[int, str | None] = {}
        for shard in range(count):  # owners still alive keep their shard
            owner = current.get(shard)
            if owner in live and owner not in owners.values():
                owners[shard] = owner
        free = [node for node in live if node not in owners.values()]
        for shard in range(count):
            if shard not in owners:
                owners[shard] = free.pop(0) if free else None
        if owners != current:
            moved = {s: o for s, o in owners.items() if current.get(s) != o}
            log.info("shard map: %s", moved)
            await repo.assign(session, count, owners, now)

    async def _apply(self, primary: bool, shards: dict[int, str | None]) -> None:
        """Start or stop this node's login and duties to match the lease and the map."""
        if primary != self.primary:
            self.primary = primary
            if primary:
                log.info("%s is the primary master", self.node_id)
                self._primary_since = time.monotonic()
                await self.reload()
                self.become_primary()
            else:
                log.info("%s is no longer the primary master", self.node_id)
                await self.stop_primary()
        if self.settings.master:
            wanted = CONTROL_SHARD if primary else None
        else:
            mine = sorted(s for s, owner in shards.items() if owner == self.node_id)
            wanted = mine[0] if mine else None
        count = max(len(shards), 1)
        if (wanted, count) == (self.shard, self.login_shards):
            return
        if self.shard is not None:
            await self.stop_link()
            if self.readiness.phase in (Phase.CONNECTING, *LOGGED_IN):
                self.readiness.move(Phase.DISCONNECTED)
        self.shard, self.login_shards = wanted, count
        if wanted is None:
            log.info("%s holds no shard: standby", self.node_id)
            return
        log.info("%s takes shard %d of %d", self.node_id, wanted, count)
        if wanted != CONTROL_SHARD:
            await self.takeover(self.serves)
        self.start_link()


async def _nothing() -> None:
    return None


async def _nothing_for(_serves: Callable[[str], bool]) -> None:
    return None
