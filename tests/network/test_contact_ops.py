"""The network's contact operations and their control endpoints (network/contact_ops.py,
network/contact_control.py; docs/contacts.md).

Coreapps are played by ``Peer`` clients on a real socket, as in test_control.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from waemu.errors import ApiError
from waemu.network.control import create_control_app
from waemu.network.customers import Customer
from waemu.network.main import build
from waemu.network.server import NetworkServer
from waemu.network.world import World
from waemu.protocol.peer import Peer
from waemu.settings import Settings


class Net:
    """A started network, its control client and one connected coreapp."""

    def __init__(self, world: World, server: NetworkServer, control: httpx.AsyncClient) -> None:
        self.world, self.server, self.control = world, server, control
        self.peer: Peer

    async def lookup(self, inputs: list[str], cc: str | None = "1") -> list[dict[str, Any]]:
        args: dict[str, Any] = {"inputs": inputs} if cc is None else {"inputs": inputs, "cc": cc}
        answer = await self.peer.call("contacts.lookup", args, 5)
        results: list[dict[str, Any]] = answer["results"]
        return results


async def _refuse(op: str, _args: dict[str, Any]) -> Any:
    raise ApiError(1014, f"this test coreapp does not handle {op!r}")


@contextlib.asynccontextmanager
async def _peer(port: int, client_id: str | None = "client-a") -> AsyncIterator[Peer]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    peer = Peer(reader, writer, _refuse, name="test-coreapp")
    task = asyncio.create_task(peer.run())
    try:
        if client_id is not None:
            await peer.call("hello", {"client_id": client_id}, 5)
        yield peer
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)


def _settings(tmp_path: Path) -> Settings:
    return replace(Settings.from_env({"WA_DATA_DIR": str(tmp_path)}), network_port=0)


@contextlib.asynccontextmanager
async def _network(tmp_path: Path) -> AsyncIterator[Net]:
    world, server = build(_settings(tmp_path))
    await server.start()
    transport = httpx.ASGITransport(app=create_control_app(world, server))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://network") as control:
            net = Net(world, server, control)
            async with _peer(server.port) as peer:
                net.peer = peer
                yield net
    finally:
        await server.stop()


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Net]:
    async with _network(tmp_path) as running:
        yield running


# -- contacts.lookup ------------------------------------------------------------------------


async def test_lookup_answers_status_wa_id_and_delay_when_customers_are_seeded(net: Net) -> None:
    results = await net.lookup(["+1 (516) 283-7151", "16315550000", "16315559999", "x"])
    assert results == [
        {"input": "+1 (516) 283-7151", "status": "valid", "wa_id": "15162837151", "delay": 0.0},
        {"input": "16315550000", "status": "invalid", "delay": 0.0},
        {"input": "16315559999", "status": "valid", "wa_id": "16315559999", "delay": 2.0},
        {"input": "x", "status": "invalid", "delay": 0.0},
    ]


async def test_lookup_reads_inputs_against_cc_when_cc_is_given(net: Net) -> None:
    (uk,) = await net.lookup(["07700 900001"], cc="44")
    assert uk["wa_id"] == "447700900001"
    (default,) = await net.lookup(["6315551002"], cc=None)  # unregistered coreapps: "1"
    assert default["wa_id"] == "16315551002"


async def test_lookup_creates_saved_customer_when_number_is_unknown(net: Net) -> None:
    (created,) = await net.lookup(["+44 7700 900123"])
    assert created == {
        "input": "+44 7700 900123",
        "status": "valid",
        "wa_id": "447700900123",
        "delay": 0.0,
    }
    customer = net.world.customers.get("447700900123")
    assert customer is not None and customer.name == "Customer 0123"
    saved = json.loads(net.world.store.path.read_text())
    assert "447700900123" in [c["wa_id"] for c in saved["customers"]]


async def test_lookup_creates_customer_in_canonical_form_when_two_forms_exist(net: Net) -> None:
    (created,) = await net.lookup(["+55 31 98888-7777"])
    assert created["wa_id"] == "5531988887777"
    (other_form,) = await net.lookup(["+55 31 8888-7777"])
    assert other_form["wa_id"] == "5531988887777"  # found, not created again


@pytest.mark.parametrize(
    ("args", "details"),
    [
        ({}, "inputs must be an array of strings"),
        ({"inputs": "16315551001"}, "inputs must be an array of strings"),
        ({"inputs": [1]}, "inputs must be an array of strings"),
        ({"inputs": ["1"], "cc": "0"}, "cc must be a country calling code of 1 to 3 digits"),
        ({"inputs": ["1"], "cc": "1234"}, "cc must be a country calling code of 1 to 3 digits"),
        ({"inputs": ["1"], "cc": 1}, "cc must be a country calling code of 1 to 3 digits"),
    ],
)
async def test_lookup_refuses_arguments_when_malformed(
    net: Net, args: dict[str, Any], details: str
) -> None:
    with pytest.raises(ApiError) as refused:
        await net.peer.call("contacts.lookup", args, 5)
    assert (refused.value.code, refused.value.details) == (1009, details)


async def test_contact_ops_refuse_session_when_hello_is_missing(net: Net) -> None:
    async with _peer(net.server.port, client_id=None) as anonymous:
        for op, args in (("contacts.lookup", {"inputs": []}), ("contacts.identity", {})):
            with pytest.raises(ApiError) as refused:
                await anonymous.call(op, args, 5)
            assert (refused.value.code, refused.value.details) == (1005, "Say hello first")


# -- the lookup record ----------------------------------------------------------------------


async def test_lookups_lists_and_counts_lookups_when_filtered(net: Net) -> None:
    await net.lookup(["6315551002", "+1 631 555 1002", "bad"])
    await net.lookup(["6315551002"])
    answer = (await net.control.get("/lookups", params={"input": "6315551002"})).json()
    assert [(seen["input"], seen["client_id"], seen["cc"]) for seen in answer["lookups"]] == [
        ("6315551002", "client-a", "1"),
        ("6315551002", "client-a", "1"),
    ]
    assert answer["per_input"] == {"6315551002": 2, "+1 631 555 1002": 1, "bad": 1}
    assert answer["per_customer"] == {"16315551002": 3}
    by_customer = (await net.control.get("/lookups", params={"wa_id": "16315551002"})).json()
    assert len(by_customer["lookups"]) == 3
    assert (await net.control.delete("/lookups")).json() == {"cleared": True}
    assert (await net.control.get("/lookups")).json() == {
        "lookups": [],
        "per_input": {},
        "per_customer": {},
    }


# -- settings -------------------------------------------------------------------------------


async def test_settings_switch_auto_create_and_survive_restart(tmp_path: Path) -> None:
    async with _network(tmp_path) as net:
        assert (await net.control.get("/settings")).json() == {
            "auto_create_customers": True,
            "realistic_statuses": False,
        }
        changed = await net.control.put("/settings", json={"auto_create_customers": False})
        assert changed.json() == {"auto_create_customers": False, "realistic_statuses": False}
        unchanged = await net.control.put("/settings", json={})
        assert unchanged.json() == {"auto_create_customers": False, "realistic_statuses": False}
        (refused,) = await net.lookup(["+1 631 555 4321"])
        assert refused == {"input": "+1 631 555 4321", "status": "invalid", "delay": 0.0}
        assert net.world.customers.get("16315554321") is None
    async with _network(tmp_path) as net:
        assert (await net.control.get("/settings")).json() == {
            "auto_create_customers": False,
            "realistic_statuses": False,
        }


@pytest.mark.parametrize(
    "body", [{"auto_create_customers": "yes"}, {"auto_create": False}, {"outage": True}]
)
async def test_settings_answers_422_when_body_is_invalid(net: Net, body: dict[str, Any]) -> None:
    response = await net.control.put("/settings", json=body)
    assert response.status_code == 422, response.text
    assert net.world.settings.auto_create_customers is True


# -- identity -------------------------------------------------------------------------------


async def test_identity_answers_hash_and_created_when_customer_exists(net: Net) -> None:
    customer = net.world.customers.get("16315551001")
    assert customer is not None
    answer = await net.peer.call("contacts.identity", {"wa_id": "16315551001"}, 5)
    assert answer == {"hash": customer.identity, "created_timestamp": customer.identity_created}


@pytest.mark.parametrize(
    ("args", "code", "details"),
    [
        ({"wa_id": "16315554242"}, 1006, "No WhatsApp user with wa_id 16315554242"),
        ({"wa_id": "16315550000"}, 1006, "No WhatsApp user with wa_id 16315550000"),
        ({}, 1008, "Missing required parameter: wa_id"),
    ],
)
async def test_identity_refuses_wa_id_when_not_a_user(
    net: Net, args: dict[str, Any], code: int, details: str
) -> None:
    with pytest.raises(ApiError) as refused:
        await net.peer.call("contacts.identity", args, 5)
    assert (refused.value.code, refused.value.details) == (code, details)


async def test_rotate_identity_changes_hash_and_calls_listeners(net: Net) -> None:
    seen: list[Customer] = []

    async def listener(customer: Customer) -> None:
        seen.append(customer)

    async def broken(_customer: Customer) -> None:
        raise RuntimeError("a listener that fails does not stop the others")

    net.world.identity_listeners.extend([broken, listener])
    before = (await net.control.get("/customers/16315551001")).json()
    response = await net.control.post("/customers/16315551001/identity/rotate")
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["wa_id"] == "16315551001"
    assert rotated["identity"] != before["identity"]
    assert len(rotated["identity"]) == 12  # 8 bytes in base64, like "UKD6Y/5SqDU="
    assert [c.wa_id for c in seen] == ["16315551001"]
    answer = await net.peer.call("contacts.identity", {"wa_id": "16315551001"}, 5)
    assert answer == {
        "hash": rotated["identity"],
        "created_timestamp": rotated["identity_created"],
    }
    saved = json.loads(net.world.store.path.read_text())
    (alice,) = [c for c in saved["customers"] if c["wa_id"] == "16315551001"]
    assert alice["identity"] == rotated["identity"]


async def test_rotate_identity_answers_404_when_customer_is_unknown(net: Net) -> None:
    response = await net.control.post("/customers/19995550000/identity/rotate")
    assert response.status_code == 404
    assert response.json() == {"detail": "no customer 19995550000"}
