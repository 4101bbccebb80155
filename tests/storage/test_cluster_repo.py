"""A cluster's shared state on each engine (storage/repos/cluster.py, docs/cluster.md): one
holder of the primary master lease at a time, heartbeats, the shard map, the config counter,
and the start-up lock that lets one node at a time create the shared rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.databases import database_env
from waemu.settings import Settings
from waemu.storage import init_lock
from waemu.storage.engine import create_engine, drop_database, wait_and_create_database
from waemu.storage.repos import cluster as repo

pytestmark = pytest.mark.timeout(60)
T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def take(database: AsyncEngine, holder: str, now: datetime) -> bool:
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        return await repo.take_lease(session, holder, now, now + timedelta(seconds=10))


async def current_lease(database: AsyncEngine) -> repo.Lease:
    async with database.connect() as conn, AsyncSession(bind=conn) as session:
        return await repo.lease(session)


async def test_lease_has_one_holder_until_it_expires_or_is_released(database: AsyncEngine) -> None:
    assert await take(database, "m1:a", T0)
    assert not await take(database, "m2:b", T0 + timedelta(seconds=5))
    assert await take(database, "m1:a", T0 + timedelta(seconds=5))  # renewed to T0 + 15 s
    assert not await take(database, "m2:b", T0 + timedelta(seconds=14))
    assert (await current_lease(database)).holder == "m1:a"
    # Not renewed: expired, the other master takes it and the epoch counts the change.
    before = (await current_lease(database)).epoch
    assert await take(database, "m2:b", T0 + timedelta(seconds=16))
    after = await current_lease(database)
    assert (after.holder, after.epoch) == ("m2:b", before + 1)
    assert not await take(database, "m1:a", T0 + timedelta(seconds=17))
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        await repo.release_lease(session, "m2:b", T0 + timedelta(seconds=17))
    assert await take(database, "m1:a", T0 + timedelta(seconds=18))


async def test_two_masters_racing_for_a_free_lease_get_it_once(database: AsyncEngine) -> None:
    results = await asyncio.gather(*(take(database, f"m{i}:x", T0) for i in range(6)))
    assert sum(results) == 1
    winner = (await current_lease(database)).holder
    assert results[int(winner[1])] is True


async def test_heartbeats_write_one_row_per_node_and_silent_nodes_are_forgotten(
    database: AsyncEngine,
) -> None:
    def node(node_id: str, at: datetime, status: str = "connected") -> repo.Node:
        return repo.Node(node_id, "coreapp", "10.0.0.1", 6250, "coreapp", status, T0, at, 5)

    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        await repo.heartbeat(session, node("c1:a", T0))
        await repo.heartbeat(session, node("c2:b", T0))
        await repo.heartbeat(session, node("c1:a", T0 + timedelta(seconds=5), "disconnected"))
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        found = {n.node_id: n for n in await repo.nodes(session)}
        assert set(found) == {"c1:a", "c2:b"}
        assert found["c1:a"].gateway_status == "disconnected"
        assert found["c1:a"].heartbeat_at == T0 + timedelta(seconds=5)
        assert await repo.forget_nodes(session, T0 + timedelta(seconds=1)) == 1
        await repo.leave(session, "c1:a")
    async with database.connect() as conn, AsyncSession(bind=conn) as session:
        assert await repo.nodes(session) == []


async def test_shard_map_grows_shrinks_and_counts_owner_changes(database: AsyncEngine) -> None:
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        await repo.assign(session, 2, {0: "c1:a", 1: None}, T0)
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        assert await repo.shard_map(session) == {0: "c1:a", 1: None}
        await repo.assign(session, 4, {0: "c1:a", 1: "c2:b", 2: "c3:c", 3: None}, T0)
        assert await repo.shard_map(session) == {0: "c1:a", 1: "c2:b", 2: "c3:c", 3: None}
        await repo.assign(session, 1, {0: "c2:b"}, T0)
        assert await repo.shard_map(session) == {0: "c2:b"}


async def test_config_counter_counts_bumps(database: AsyncEngine) -> None:
    async with database.begin() as conn, AsyncSession(bind=conn) as session:
        assert await repo.counter(session) == 0
        await repo.bump(session)
        await repo.bump(session)
    async with database.connect() as conn, AsyncSession(bind=conn) as session:
        assert await repo.counter(session) == 2


async def test_start_up_lock_lets_one_node_in_at_a_time(database: AsyncEngine, engine: str) -> None:
    inside: list[str] = []
    overlaps: list[bool] = []

    async def start(name: str) -> None:
        async with init_lock.held(database, 10):
            inside.append(name)
            overlaps.append(len(inside) > 1)
            await asyncio.sleep(0.2)
            inside.remove(name)

    await asyncio.gather(*(start(f"node{i}") for i in range(3)))
    if engine != "sqlite":  # one process per SQLite file: no lock to take
        assert overlaps == [False, False, False]


async def test_nodes_creating_the_database_together_all_start(engine: str, tmp_path: Path) -> None:
    db = Settings.from_env(database_env(engine, tmp_path)).db
    try:
        await asyncio.gather(*(wait_and_create_database(db) for _ in range(6)))
        created = create_engine(db)
        async with created.connect() as conn:
            assert (await conn.execute(sa.text("SELECT 1"))).scalar() == 1
        await created.dispose()
    finally:
        await drop_database(db)


async def test_many_nodes_first_heartbeats_at_once_all_land(database: AsyncEngine) -> None:
    async def beat(n: int) -> None:
        node = repo.Node(
            f"c{n}:x", "coreapp", "10.0.0.1", 6250, "coreapp", "unregistered", T0, T0, 1
        )
        async with database.begin() as conn, AsyncSession(bind=conn) as session:
            await repo.heartbeat(session, node)
            await repo.nodes(session)

    for _ in range(3):  # the first beats insert, the next ones update
        await asyncio.gather(*(beat(n) for n in range(8)))
    async with database.connect() as conn, AsyncSession(bind=conn) as session:
        assert len(await repo.nodes(session)) == 8
