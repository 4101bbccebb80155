"""The simulated network's control API (docs/network.md): customers, certificates, accounts,
the registration switch, dropped connections, outages, reset, and state kept across restarts.

The network runs on a real socket; coreapps are played by ``Peer`` clients speaking the
network protocol, so closes and refusals are observed as a coreapp would see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from waemu.errors import ApiError
from waemu.network.accounts import REG_BLOCKED
from waemu.network.control import create_control_app
from waemu.network.main import build
from waemu.network.server import NetworkServer
from waemu.network.world import World, load_seed
from waemu.protocol.peer import Peer, PeerClosed
from waemu.settings import Settings

CC, PHONE, VNAME = "1", "6315550100", "Acme Shop"
WA_ID = CC + PHONE
PIN = "123456"
SEED_IDS = [c["wa_id"] for c in load_seed(None)["customers"]]
CUSTOMER_KEYS = {
    "wa_id",
    "name",
    "on_whatsapp",
    "lookup_delay",
    "identity",
    "identity_created",
    "delivery_delay",
    "read_delay",
    "reads",
    "fail_code",
    "online",
    "blocked",
}


@dataclass
class Network:
    """A started network with a control client."""

    settings: Settings
    world: World
    server: NetworkServer
    control: httpx.AsyncClient


@contextlib.asynccontextmanager
async def running_network(settings: Settings) -> AsyncIterator[Network]:
    world, server = build(settings)
    await server.start()
    transport = httpx.ASGITransport(app=create_control_app(world, server))
    async with httpx.AsyncClient(transport=transport, base_url="http://network") as control:
        try:
            yield Network(settings, world, server, control)
        finally:
            await server.stop()


def _settings(tmp_path: Path, **env: str) -> Settings:
    settings = Settings.from_env({"WA_DATA_DIR": str(tmp_path), **env})
    return replace(settings, network_port=0)


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Network]:
    async with running_network(_settings(tmp_path)) as network:
        yield network


async def _refuse(op: str, _args: dict[str, Any]) -> Any:
    raise ApiError(1014, f"this test coreapp does not handle {op!r}")


@contextlib.asynccontextmanager
async def coreapp(net: Network, client_id: str = "client-a") -> AsyncIterator[Peer]:
    """A coreapp-like client connected over a real socket, after ``hello``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
    peer = Peer(reader, writer, _refuse, name=client_id)
    task = asyncio.create_task(peer.run(), name=f"{client_id}-reader")
    try:
        await peer.call("hello", {"client_id": client_id}, 5)
        yield peer
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)


async def _cert(net: Network, phone: str = PHONE, vname: str = VNAME) -> str:
    response = await net.control.post(
        "/certificates", json={"cc": CC, "phone_number": phone, "vname": vname}
    )
    assert response.status_code == 200, response.text
    cert: str = response.json()["cert"]
    return cert


async def _register(net: Network, peer: Peer, phone: str = PHONE) -> str:
    """Request a code, read it back, verify and log in; returns the login secret."""
    args = {"cc": CC, "phone_number": phone, "method": "sms", "cert": await _cert(net, phone)}
    answer = await peer.call("account.request_code", args, 5)
    assert answer == {"registered": False, "wa_id": CC + phone, "vname": VNAME}
    code = (await net.control.get(f"/accounts/{CC + phone}/code")).json()["code"]
    verified = await peer.call("account.verify", {"cc": CC, "phone_number": phone, "code": code}, 5)
    secret: str = verified["secret"]
    await peer.call("account.login", {"wa_id": CC + phone, "secret": secret}, 5)
    return secret


async def _closed(peer: Peer) -> None:
    await asyncio.wait_for(peer.closed.wait(), 5)


async def _health(net: Network) -> dict[str, Any]:
    response = await net.control.get("/health")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- health ----------------------------------------------------------------------------------


async def test_health_lists_sessions_and_outage(net: Network) -> None:
    assert await _health(net) == {"sessions": [], "outage": False}
    async with coreapp(net, "client-a") as peer:
        assert await _health(net) == {
            "sessions": [{"client_id": "client-a", "wa_id": None}],
            "outage": False,
        }
        await _register(net, peer)
        assert (await _health(net))["sessions"] == [{"client_id": "client-a", "wa_id": WA_ID}]


# -- customers -------------------------------------------------------------------------------


async def test_list_customers_answers_the_seed(net: Network) -> None:
    response = await net.control.get("/customers")
    assert response.status_code == 200
    customers = response.json()["customers"]
    assert [c["wa_id"] for c in customers] == sorted(SEED_IDS)
    assert all(set(c) == CUSTOMER_KEYS for c in customers)
    by_id = {c["wa_id"]: c for c in customers}
    assert by_id["16315550000"]["on_whatsapp"] is False
    assert by_id["16315559999"]["lookup_delay"] == 2.0
    assert by_id["16315551001"]["on_whatsapp"] is True


async def test_get_customer_answers_one(net: Network) -> None:
    response = await net.control.get("/customers/16315551001")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CUSTOMER_KEYS
    assert (body["wa_id"], body["name"], body["on_whatsapp"]) == (
        "16315551001",
        "Alice Example",
        True,
    )


async def test_get_customer_answers_404_when_unknown(net: Network) -> None:
    response = await net.control.get("/customers/19999999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no customer 19999999999"}


async def test_put_customer_adds_one(net: Network) -> None:
    body = {"wa_id": "4915112345678", "name": "Erika", "on_whatsapp": True, "lookup_delay": 0.5}
    response = await net.control.put("/customers/4915112345678", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["identity"]
    assert (await net.control.get("/customers/4915112345678")).json() == created
    listed = (await net.control.get("/customers")).json()["customers"]
    assert "4915112345678" in [c["wa_id"] for c in listed]


async def test_put_customer_applies_defaults(net: Network) -> None:
    response = await net.control.put(
        "/customers/4915112345678", json={"wa_id": "4915112345678", "name": "Erika"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["on_whatsapp"] is True
    assert response.json()["lookup_delay"] == 0.0


async def test_put_customer_replaces_and_keeps_identity(net: Network) -> None:
    before = (await net.control.get("/customers/16315551001")).json()
    response = await net.control.put(
        "/customers/16315551001",
        json={"wa_id": "16315551001", "name": "Alice Renamed", "on_whatsapp": False},
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["name"], after["on_whatsapp"]) == ("Alice Renamed", False)
    assert (after["identity"], after["identity_created"]) == (
        before["identity"],
        before["identity_created"],
    )


async def test_put_customer_answers_400_when_path_and_body_differ(net: Network) -> None:
    response = await net.control.put(
        "/customers/16315551001", json={"wa_id": "16315551002", "name": "Mallory"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "wa_id in the path and the body differ"}
    assert (await net.control.get("/customers/16315551002")).json()["name"] == "Bob Example"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No Number"}, "wa_id"),
        ({"wa_id": "16315551234"}, "name"),
        ({"wa_id": "06315551234", "name": "Leading Zero"}, "wa_id"),
        ({"wa_id": "123", "name": "Too Short"}, "wa_id"),
        ({"wa_id": "+16315551234", "name": "Plus"}, "wa_id"),
        ({"wa_id": "16315551234", "name": ""}, "name"),
        ({"wa_id": "16315551234", "name": "x" * 257}, "name"),
        ({"wa_id": "16315551234", "name": "N", "lookup_delay": -1}, "lookup_delay"),
        ({"wa_id": "16315551234", "name": "N", "lookup_delay": 601}, "lookup_delay"),
        ({"wa_id": "16315551234", "name": "N", "on_whatsapp": "maybe"}, "on_whatsapp"),
        ({"wa_id": "16315551234", "name": "N", "nickname": "n"}, "nickname"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_put_customer_answers_422_for_invalid_body(
    net: Network, body: dict[str, Any], field: str
) -> None:
    response = await net.control.put("/customers/16315551234", json=body)
    assert response.status_code == 422, response.text
    assert field in [str(part) for part in response.json()["detail"][0]["loc"]]
    assert (await net.control.get("/customers/16315551234")).status_code == 404


async def test_delete_customer_removes_it(net: Network) -> None:
    response = await net.control.delete("/customers/16315551001")
    assert response.status_code == 200
    assert response.json() == {"deleted": "16315551001"}
    assert (await net.control.get("/customers/16315551001")).status_code == 404
    again = await net.control.delete("/customers/16315551001")
    assert again.status_code == 404
    assert again.json() == {"detail": "no customer 16315551001"}


# -- certificates ----------------------------------------------------------------------------


async def test_issue_certificate_is_accepted_for_its_number_only(net: Network) -> None:
    response = await net.control.post(
        "/certificates", json={"cc": CC, "phone_number": PHONE, "vname": VNAME}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"wa_id", "vname", "cert"}
    assert (body["wa_id"], body["vname"]) == (WA_ID, VNAME)
    details = net.world.ca.check(body["cert"], WA_ID)
    assert (details.wa_id, details.vname) == (WA_ID, VNAME)
    with pytest.raises(ApiError) as refused:
        net.world.ca.check(body["cert"], "16315550101")
    assert refused.value.code == 1009
    assert refused.value.details == "Invalid certificate: issued for another phone number"


async def test_issue_certificate_drops_trunk_zero(net: Network) -> None:
    response = await net.control.post(
        "/certificates", json={"cc": "44", "phone_number": "07700900123", "vname": "UK Shop"}
    )
    assert response.json()["wa_id"] == "447700900123"
    assert net.world.ca.check(response.json()["cert"], "447700900123").vname == "UK Shop"


async def test_issued_certificates_differ(net: Network) -> None:
    first, second = (await _cert(net), await _cert(net))
    assert first != second
    assert net.world.ca.check(first, WA_ID).serial != net.world.ca.check(second, WA_ID).serial


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone_number": PHONE, "vname": VNAME}, "cc"),
        ({"cc": CC, "vname": VNAME}, "phone_number"),
        ({"cc": CC, "phone_number": PHONE}, "vname"),
        ({"cc": "0", "phone_number": PHONE, "vname": VNAME}, "cc"),
        ({"cc": "+1", "phone_number": PHONE, "vname": VNAME}, "cc"),
        ({"cc": CC, "phone_number": "123", "vname": VNAME}, "phone_number"),
        ({"cc": CC, "phone_number": "631-555-0100", "vname": VNAME}, "phone_number"),
        ({"cc": CC, "phone_number": PHONE, "vname": ""}, "vname"),
        ({"cc": CC, "phone_number": PHONE, "vname": VNAME, "serial": 1}, "serial"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_issue_certificate_answers_422_for_invalid_body(
    net: Network, body: dict[str, Any], field: str
) -> None:
    response = await net.control.post("/certificates", json=body)
    assert response.status_code == 422, response.text
    assert field in [str(part) for part in response.json()["detail"][0]["loc"]]


# -- accounts --------------------------------------------------------------------------------


async def test_accounts_follow_registration(net: Network) -> None:
    assert (await net.control.get("/accounts")).json() == {"accounts": []}
    async with coreapp(net) as peer:
        args = {"cc": CC, "phone_number": PHONE, "method": "voice", "cert": await _cert(net)}
        await peer.call("account.request_code", args, 5)
        listed = (await net.control.get("/accounts")).json()["accounts"]
        assert listed == [
            {
                "wa_id": WA_ID,
                "vname": VNAME,
                "registered": False,
                "two_step": False,
                "code_pending": True,
            }
        ]
        response = await net.control.get(f"/accounts/{WA_ID}/code")
        assert response.status_code == 200
        code = response.json()
        assert set(code) == {"wa_id", "code", "method"}
        assert (code["wa_id"], code["method"]) == (WA_ID, "voice")
        assert code["code"].isdigit() and len(code["code"]) == 6

        verified = await peer.call(
            "account.verify", {"cc": CC, "phone_number": PHONE, "code": code["code"]}, 5
        )
        await peer.call("account.login", {"wa_id": WA_ID, "secret": verified["secret"]}, 5)
        await peer.call("account.set_pin", {"pin": PIN}, 5)
        (account,) = (await net.control.get("/accounts")).json()["accounts"]
        assert account == {
            "wa_id": WA_ID,
            "vname": VNAME,
            "registered": True,
            "two_step": True,
            "code_pending": False,
        }
        # The code is spent.
        spent = await net.control.get(f"/accounts/{WA_ID}/code")
        assert spent.status_code == 404
        assert spent.json() == {"detail": f"no registration code pending for {WA_ID}"}


async def test_registration_code_answers_404_for_unknown_number(net: Network) -> None:
    response = await net.control.get("/accounts/19999999999/code")
    assert response.status_code == 404
    assert response.json() == {"detail": "no registration code pending for 19999999999"}


# -- registration switch ---------------------------------------------------------------------


async def test_blocked_registration_refuses_codes_until_unblocked(net: Network) -> None:
    response = await net.control.put("/registration/blocked", json={"active": True})
    assert response.status_code == 200
    assert response.json() == {"blocked": True}
    async with coreapp(net) as peer:
        args = {"cc": CC, "phone_number": PHONE, "method": "sms", "cert": await _cert(net)}
        with pytest.raises(ApiError) as refused:
            await peer.call("account.request_code", args, 5)
        assert (refused.value.code, refused.value.http_status) == (1005, 403)
        assert refused.value.details == REG_BLOCKED
        assert (await net.control.get("/accounts")).json() == {"accounts": []}

        response = await net.control.put("/registration/blocked", json={"active": False})
        assert response.json() == {"blocked": False}
        answer = await peer.call("account.request_code", args, 5)
        assert answer["registered"] is False


async def test_blocked_registration_still_lets_holders_log_in(net: Network) -> None:
    async with coreapp(net) as peer:
        secret = await _register(net, peer)
    await net.control.put("/registration/blocked", json={"active": True})
    async with coreapp(net) as peer:
        answer = await peer.call("account.login", {"wa_id": WA_ID, "secret": secret}, 5)
        assert answer == {"wa_id": WA_ID, "vname": VNAME}


@pytest.mark.parametrize(
    "body", [{}, {"active": "maybe"}, {"active": None}, {"active": True, "reason": "sunset"}]
)
async def test_blocked_registration_answers_422_for_invalid_body(
    net: Network, body: dict[str, Any]
) -> None:
    response = await net.control.put("/registration/blocked", json=body)
    assert response.status_code == 422, response.text
    assert net.world.accounts.registration_blocked is False


# -- connections -----------------------------------------------------------------------------


async def test_drop_closes_the_connections_of_one_number(net: Network) -> None:
    async with coreapp(net, "client-a") as holder, coreapp(net, "client-b") as anonymous:
        await _register(net, holder)
        response = await net.control.post("/connections/drop", json={"wa_id": WA_ID})
        assert response.status_code == 200
        assert response.json() == {"dropped": 1}
        await _closed(holder)
        with pytest.raises(PeerClosed):
            await holder.call("hello", {"client_id": "client-a"}, 5)
        # Other connections are untouched.
        assert await anonymous.call("hello", {"client_id": "client-b"}, 5)
        assert (await _health(net))["sessions"] == [{"client_id": "client-b", "wa_id": None}]


async def test_drop_without_number_closes_every_connection(net: Network) -> None:
    async with coreapp(net, "client-a") as first, coreapp(net, "client-b") as second:
        response = await net.control.post("/connections/drop", json={})
        assert response.json() == {"dropped": 2}
        await _closed(first)
        await _closed(second)
    assert (await net.control.post("/connections/drop", json={})).json() == {"dropped": 0}


async def test_dropped_coreapp_can_reconnect_and_log_in(net: Network) -> None:
    async with coreapp(net, "client-a") as peer:
        secret = await _register(net, peer)
        await net.control.post("/connections/drop", json={"wa_id": WA_ID})
        await _closed(peer)
    async with coreapp(net, "client-a") as peer:
        await peer.call("account.login", {"wa_id": WA_ID, "secret": secret}, 5)
        assert (await _health(net))["sessions"] == [{"client_id": "client-a", "wa_id": WA_ID}]


async def test_drop_answers_422_for_unknown_field(net: Network) -> None:
    response = await net.control.post("/connections/drop", json={"number": WA_ID})
    assert response.status_code == 422


async def _refused_at_once(net: Network) -> None:
    """A new connection is accepted by the OS and closed by the network without a word."""
    reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
    try:
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_outage_drops_and_refuses_connections_until_it_ends(net: Network) -> None:
    async with coreapp(net) as peer:
        response = await net.control.put("/outage", json={"active": True})
        assert response.status_code == 200
        assert response.json() == {"outage": True, "dropped": 1}
        await _closed(peer)
    assert await _health(net) == {"sessions": [], "outage": True}
    await _refused_at_once(net)
    await _refused_at_once(net)

    response = await net.control.put("/outage", json={"active": False})
    assert response.json() == {"outage": False, "dropped": 0}
    assert (await _health(net))["outage"] is False
    async with coreapp(net) as peer:
        await _register(net, peer)
        assert (await _health(net))["sessions"] == [{"client_id": "client-a", "wa_id": WA_ID}]


@pytest.mark.parametrize("body", [{}, {"active": "soon"}, {"active": True, "seconds": 5}])
async def test_outage_answers_422_for_invalid_body(net: Network, body: dict[str, Any]) -> None:
    response = await net.control.put("/outage", json=body)
    assert response.status_code == 422
    assert net.server.outage is False


# -- reset -----------------------------------------------------------------------------------


async def _change_customers(net: Network) -> None:
    await net.control.put("/customers/4915112345678", json={"wa_id": "4915112345678", "name": "E"})
    await net.control.delete("/customers/16315551001")


async def test_reset_restores_customers_and_keeps_accounts(net: Network) -> None:
    await _change_customers(net)
    async with coreapp(net) as peer:
        await _register(net, peer)
        response = await net.control.post("/reset", json={})
        assert response.status_code == 200
        assert response.json() == {"customers": len(SEED_IDS), "accounts": 1}
        listed = (await net.control.get("/customers")).json()["customers"]
        assert [c["wa_id"] for c in listed] == sorted(SEED_IDS)
        (account,) = (await net.control.get("/accounts")).json()["accounts"]
        assert account["registered"] is True
        # Logged-in coreapps stay connected.
        assert not peer.closed.is_set()
        assert (await _health(net))["sessions"] == [{"client_id": "client-a", "wa_id": WA_ID}]


async def test_reset_with_accounts_forgets_them_and_drops_coreapps(net: Network) -> None:
    await _change_customers(net)
    async with coreapp(net) as peer:
        await _register(net, peer)
        response = await net.control.post("/reset", json={"accounts": True})
        assert response.json() == {"customers": len(SEED_IDS), "accounts": 0}
        await _closed(peer)
    assert (await net.control.get("/accounts")).json() == {"accounts": []}
    listed = (await net.control.get("/customers")).json()["customers"]
    assert [c["wa_id"] for c in listed] == sorted(SEED_IDS)
    # The number is free again: a new client registers it.
    async with coreapp(net, "client-b") as peer:
        await _register(net, peer)


async def test_reset_keeps_registration_switch_unless_accounts_forgotten(net: Network) -> None:
    await net.control.put("/registration/blocked", json={"active": True})
    await net.control.post("/reset", json={})
    assert net.world.accounts.registration_blocked is True
    await net.control.post("/reset", json={"accounts": True})
    assert net.world.accounts.registration_blocked is False


async def test_reset_answers_422_for_invalid_body(net: Network) -> None:
    response = await net.control.post("/reset", json={"accounts": "all"})
    assert response.status_code == 422
    response = await net.control.post("/reset", json={"customers": True})
    assert response.status_code == 422


async def test_reset_restores_custom_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "customers": [
                    {"wa_id": "4915112345678", "name": "Erika"},
                    {"wa_id": "4915112345679", "name": "Max", "on_whatsapp": False},
                ]
            }
        )
    )
    async with running_network(_settings(tmp_path, WA_NETWORK_SEED=str(seed))) as net:
        listed = (await net.control.get("/customers")).json()["customers"]
        assert [(c["wa_id"], c["name"], c["on_whatsapp"]) for c in listed] == [
            ("4915112345678", "Erika", True),
            ("4915112345679", "Max", False),
        ]
        await net.control.delete("/customers/4915112345678")
        assert (await net.control.post("/reset", json={})).json()["customers"] == 2


# -- state across restarts -------------------------------------------------------------------


async def test_state_survives_restart(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with running_network(settings) as net:
        await _change_customers(net)
        erika = (await net.control.get("/customers/4915112345678")).json()
        cert = await _cert(net)
        async with coreapp(net, "client-a") as peer:
            secret = await _register(net, peer)
            await peer.call("account.set_pin", {"pin": PIN}, 5)
            # A pending code with a failed attempt on a second number.
            other = {"cc": CC, "phone_number": "6315550111", "method": "sms"}
            other_cert = await _cert(net, "6315550111")
            await peer.call("account.request_code", {**other, "cert": other_cert}, 5)
            code = (await net.control.get("/accounts/16315550111/code")).json()["code"]
            with pytest.raises(ApiError):
                wrong = f"{(int(code) + 1) % 1_000_000:06d}"
                await peer.call("account.verify", {**other, "code": wrong}, 5)
        await net.control.put("/registration/blocked", json={"active": True})
        accounts_before = net.world.accounts.to_json()
        customers_before = net.world.customers.to_json()
    assert (settings.network_data_dir / "state.json").exists()
    assert (settings.network_data_dir / "ca_ed25519.pem").exists()

    again = World(settings.network_data_dir, settings.network_seed)
    assert again.customers.to_json() == customers_before
    assert again.accounts.to_json() == accounts_before
    assert again.accounts.registration_blocked is True
    assert again.ca.check(cert, WA_ID).vname == VNAME
    restored = again.accounts.get("16315550111")
    assert restored is not None
    assert (restored.code, restored.code_attempts) == (code, 1)

    # A network process started on the same folder lets the coreapp log in again.
    async with running_network(settings) as net:
        assert (await net.control.get("/customers/4915112345678")).json() == erika
        assert (await net.control.get("/customers/16315551001")).status_code == 404
        async with coreapp(net, "client-a") as peer:
            answer = await peer.call("account.login", {"wa_id": WA_ID, "secret": secret}, 5)
            assert answer == {"wa_id": WA_ID, "vname": VNAME}
        async with coreapp(net, "client-b") as thief:
            with pytest.raises(ApiError) as refused:
                await thief.call("account.login", {"wa_id": WA_ID, "secret": secret}, 5)
            assert refused.value.code == 1005
        listed = (await net.control.get("/accounts")).json()["accounts"]
        assert [a["two_step"] for a in listed if a["wa_id"] == WA_ID] == [True]


async def test_outage_does_not_survive_restart(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with running_network(settings) as net:
        await net.control.put("/outage", json={"active": True})
    async with running_network(settings) as net:
        assert (await _health(net))["outage"] is False
        async with coreapp(net) as peer:
            assert not peer.closed.is_set()
