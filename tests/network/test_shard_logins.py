"""A multiconnect cluster's logins on the simulated network (spec §13.1, docs/cluster.md): one
login per shard of a number, the primary master's on the control shard, and each customer's
messages pushed only to the login of the customer's shard; a shard nobody serves keeps its
customers' traffic queued until it logs in.

The network runs on a real socket; the coreapps are ``Peer`` clients answering pushes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.network.test_control import (
    WA_ID,
    Network,
    _register,
    _settings,
    running_network,
)
from waemu.errors import ApiError
from waemu.protocol.peer import Peer
from waemu.protocol.shards import shard_of

pytestmark = pytest.mark.timeout(60)

# Seed customers on each side of two shards.
ON_SHARD_1 = "16315551001"
ON_SHARD_0 = "447700900001"


class ShardCoreapp:
    """A coreapp-like client that records the customer messages pushed to it."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.arrived = asyncio.Event()

    async def handle(self, op: str, args: dict[str, Any]) -> Any:
        if op == "messages.push":
            self.received += [str(m["from"]) for m in args["messages"]]
            self.arrived.set()
        return None


@contextlib.asynccontextmanager
async def shard_login(
    net: Network, secret: str, shard: int | None, shards: int | None
) -> AsyncIterator[tuple[Peer, ShardCoreapp]]:
    """A connection of the business's installation logged in on ``shard`` of ``shards``."""
    app = ShardCoreapp()
    reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
    peer = Peer(reader, writer, app.handle, name=f"shard-{shard}")
    task = asyncio.create_task(peer.run())
    try:
        await peer.call("hello", {"client_id": "client-a"}, 5)
        login: dict[str, Any] = {"wa_id": WA_ID, "secret": secret}
        if shard is not None:
            login |= {"shard": shard, "shards": shards}
        await peer.call("account.login", login, 5)
        yield peer, app
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def registered(tmp_path: Path) -> AsyncIterator[tuple[Network, str]]:
    async with running_network(_settings(tmp_path)) as net:
        reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
        peer = Peer(reader, writer, lambda _op, _a: asyncio.sleep(0), name="registrar")
        task = asyncio.create_task(peer.run())
        await peer.call("hello", {"client_id": "client-a"}, 5)
        secret = await _register(net, peer)
        peer.close()
        await asyncio.gather(task, return_exceptions=True)
        yield net, secret


async def customer_writes(net: Network, wa_id: str, text: str) -> None:
    response = await net.control.post(
        f"/customers/{wa_id}/messages", json={"type": "text", "text": {"body": text}}
    )
    assert response.status_code in (200, 201), response.text


async def settle(*apps: ShardCoreapp, expected: int) -> None:
    async with asyncio.timeout(10):
        while sum(len(app.received) for app in apps) < expected:
            await asyncio.sleep(0.02)


def test_seed_customers_fall_on_both_shards() -> None:
    assert shard_of(ON_SHARD_0, 2) == 0
    assert shard_of(ON_SHARD_1, 2) == 1


async def test_each_customer_reaches_only_the_login_of_their_shard(
    registered: tuple[Network, str],
) -> None:
    net, secret = registered
    async with (
        shard_login(net, secret, -1, 2) as (_control, master),
        shard_login(net, secret, 0, 2) as (_peer0, zero),
        shard_login(net, secret, 1, 2) as (_peer1, one),
    ):
        assert len(net.server.logged_in(WA_ID)) == 3
        await customer_writes(net, ON_SHARD_0, "to zero")
        await customer_writes(net, ON_SHARD_1, "to one")
        await customer_writes(net, ON_SHARD_1, "to one again")
        await settle(zero, one, expected=3)
        await asyncio.sleep(0.2)  # nothing else is on its way
        assert zero.received == [ON_SHARD_0]
        assert one.received == [ON_SHARD_1, ON_SHARD_1]
        assert master.received == []


async def test_shard_without_login_keeps_its_customers_queued_until_it_logs_in(
    registered: tuple[Network, str],
) -> None:
    net, secret = registered
    async with shard_login(net, secret, 0, 2) as (_peer0, zero):
        await customer_writes(net, ON_SHARD_1, "waits")
        await customer_writes(net, ON_SHARD_0, "goes")
        await settle(zero, expected=1)
        await asyncio.sleep(0.2)
        assert zero.received == [ON_SHARD_0]
        async with shard_login(net, secret, 1, 2) as (_peer1, one):
            await settle(one, expected=1)
            assert one.received == [ON_SHARD_1]


async def test_new_login_on_a_shard_replaces_only_that_shards_login(
    registered: tuple[Network, str],
) -> None:
    net, secret = registered
    async with (
        shard_login(net, secret, 0, 2) as (old0, _a),
        shard_login(net, secret, 1, 2) as (peer1, _b),
        shard_login(net, secret, 0, 2) as (new0, _c),
    ):
        await asyncio.wait_for(old0.closed.wait(), 5)
        assert not peer1.closed.is_set() and not new0.closed.is_set()
        # A login without a shard (one coreapp) replaces every login of the number.
        async with shard_login(net, secret, None, None) as (single, _d):
            await asyncio.wait_for(peer1.closed.wait(), 5)
            await asyncio.wait_for(new0.closed.wait(), 5)
            assert not single.closed.is_set()


@pytest.mark.parametrize(
    ("shard", "shards"),
    [(2, 2), (-2, 2), (0, 3), (0, None), ("0", 2)],
)
async def test_login_refuses_a_shard_that_is_not_one_of_the_number(
    registered: tuple[Network, str], shard: Any, shards: Any
) -> None:
    net, secret = registered
    reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
    peer = Peer(reader, writer, lambda _op, _a: asyncio.sleep(0), name="bad")
    task = asyncio.create_task(peer.run())
    try:
        await peer.call("hello", {"client_id": "client-a"}, 5)
        login = {"wa_id": WA_ID, "secret": secret, "shard": shard, "shards": shards}
        with pytest.raises(ApiError) as caught:
            await peer.call("account.login", login, 5)
        assert caught.value.code == 1009
        assert net.server.logged_in(WA_ID) == []
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)
