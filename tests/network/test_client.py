"""The typed control-API client (waemu.network.client, docs/testing.md): every endpoint as a
method, awaited against the in-process network with a real coreapp, blocking against a real
``waemu network`` process; refusals as ``ControlError`` subclasses."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import free_port
from tests.messaging import ALICE, BOB, customer_writes, ready, send_text, stored_status, until
from tests.registration import WA_ID
from tests.stacks import InProcessStack, Process, wait_until
from waemu.network.client import (
    UNSET,
    AsyncNetworkClient,
    Conflict,
    ControlError,
    InvalidRequest,
    NetworkClient,
    NotFound,
    Unavailable,
    calls,
)
from waemu.network.client.clients import AsyncNetworkClient as Awaited
from waemu.network.templates import SHARED_NAMESPACE

ERIKA = "4915112345678"
HELLO = [{"type": "BODY", "text": "Hello {{1}}"}]


def test_both_clients_have_a_method_for_every_call_with_its_signature() -> None:
    builders = {
        name: fn
        for name, fn in vars(calls).items()
        if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == calls.__name__
    }
    assert len(builders) == 38
    for name, build in builders.items():
        for client in (NetworkClient, AsyncNetworkClient):
            method = getattr(client, name)
            assert method.__doc__ == build.__doc__, (client, name)
    assert inspect.iscoroutinefunction(Awaited.customer)


async def test_customer_methods_read_and_change_customers(sqlite_stack: InProcessStack) -> None:
    net = sqlite_stack.net
    assert ALICE in [c.wa_id for c in await net.customers()]
    erika = await net.put_customer(ERIKA, "Erika", read_delay=0.5, reads=False)
    assert (erika.name, erika.read_delay, erika.reads, erika.delivery_delay) == (
        "Erika",
        0.5,
        False,
        None,
    )
    assert await net.customer(ERIKA) == erika
    changed = await net.update_customer(ERIKA, fail_code=131026, delivery_delay=None)
    assert (changed.fail_code, changed.delivery_delay, changed.read_delay) == (131026, None, 0.5)
    cleared = await net.update_customer(ERIKA, fail_code=None, name=UNSET)
    assert (cleared.fail_code, cleared.name) == (None, "Erika")
    rotated = await net.rotate_identity(ERIKA)
    assert rotated.identity != erika.identity
    moved = await net.change_number(ERIKA, "4915112345679")
    assert (moved.wa_id, moved.identity) == ("4915112345679", rotated.identity)
    await net.delete_customer("4915112345679")
    with pytest.raises(NotFound) as missing:
        await net.customer("4915112345679")
    assert (missing.value.status_code, missing.value.detail) == (404, "no customer 4915112345679")
    with pytest.raises(Conflict):
        await net.change_number(ALICE, BOB)


async def test_message_methods_write_as_customers_and_read_phones(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    net = stack.net
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE, "Hello there")
    sent = await net.send_as_customer(
        ALICE, {"type": "location", "location": {"latitude": 1, "longitude": 2}}
    )
    assert sent.business == WA_ID and sent.id.startswith("ABGG")
    await until(lambda: stored_status(stack, sent.id), "received")
    message_id = await send_text(stack, token, ALICE, "Hi Alice")
    await until(lambda: stored_status(stack, message_id), "read")
    phone = await net.customer_messages(ALICE)
    assert [(m.direction, m.type, m.text) for m in phone] == [
        ("to_business", "text", "Hello there"),
        ("to_business", "location", None),
        ("to_customer", "text", "Hi Alice"),
    ]
    assert phone[2].status == "read" and phone[2].business == WA_ID
    assert phone[2].fields["text"] == {"body": "Hi Alice"}
    receipt = await net.receipt(message_id, "deleted")
    assert (receipt.id, receipt.status) == (message_id, "deleted")
    with pytest.raises(NotFound):
        await net.receipt("gBEGnever", "read")
    with pytest.raises(InvalidRequest) as invalid:
        await net.send_as_customer(ALICE, {"type": "text"})
    assert invalid.value.status_code == 422 and isinstance(invalid.value.detail, list)
    journal = await net.webhook_attempts(WA_ID, limit=5)
    assert journal.wa_id == WA_ID and journal.pending >= 0


async def test_account_methods_register_and_switch(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    net = stack.net
    await ready(stack)
    (account,) = await net.accounts()
    assert (account.wa_id, account.registered, account.two_step) == (WA_ID, True, False)
    cert = await net.issue_certificate("1", "6315550199", "Other")
    assert (cert.wa_id, cert.vname) == ("16315550199", "Other") and cert.cert
    with pytest.raises(NotFound):
        await net.registration_code(WA_ID)
    assert await net.block_registration(True) is True
    assert await net.block_registration(False) is False
    health = await net.health()
    assert health.logged_in(WA_ID) and health.outage is False
    outage = await net.set_outage(True)
    assert (outage.outage, outage.dropped) == (True, 1)
    assert (await net.set_outage(False)).outage is False
    assert isinstance(await net.drop_connections(), int)  # reconnecting or not: a count
    settings = await net.update_settings(auto_create_customers=False)
    assert (settings.auto_create_customers, settings.realistic_statuses) == (False, False)
    assert await net.settings() == settings
    lookups = await net.lookups(wa_id=ALICE)
    assert lookups.lookups == [] and isinstance(lookups.per_input, dict)
    assert await net.clear_lookups() is None
    reset = await net.reset(accounts=True)
    assert (reset.accounts, reset.customers > 0) == (0, True)
    with pytest.raises(Unavailable):
        await net.webhook_attempts(WA_ID)


async def test_template_and_offline_methods(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    net = stack.net
    await ready(stack, ALICE)
    listed = await net.templates(name="hello_world")
    assert listed.shared_namespace == SHARED_NAMESPACE
    assert [t.language for t in listed.templates] == ["en_US"]
    own = await net.account_templates(WA_ID)
    assert own.namespaces == [own.namespace, SHARED_NAMESPACE]
    made = await net.put_template(own.namespace, "greeting", "en_US", HELLO, status="PENDING")
    assert (made.status, made.category) == ("PENDING", "UTILITY")
    assert await net.template(own.namespace, "greeting", "en_US") == made
    approved = await net.set_template_status(own.namespace, "greeting", "en_US", "APPROVED")
    assert approved.status == "APPROVED"
    deleted = await net.delete_template(own.namespace, "greeting", "en_US")
    assert (deleted.namespace, deleted.name, deleted.language) == (
        own.namespace,
        "greeting",
        "en_US",
    )
    assert await net.set_templates_unavailable(True) is True
    assert await net.set_templates_unavailable(False) is False
    assert await net.set_template_delay(0) == 0.0
    packs = await net.stickerpacks()
    image = await net.sticker_image(packs[0].id, 0)
    assert image[:4] == b"RIFF" and len(image) == packs[0].stickers[0].size
    state = await net.set_offline_feed(WA_ID, hold=True, per_second=2)
    assert (state.hold, state.per_second, state.logged_in) == (True, 2.0, True)
    assert (await net.offline_state(WA_ID)).hold is True
    assert (await net.set_offline_feed(WA_ID)).hold is False
    chatter = await net.start_chatter(ALICE, 50, count=2, body="tick")
    assert (chatter.customer, chatter.business, chatter.count) == (ALICE, WA_ID, 2)
    stopped = await net.stop_chatter(ALICE)
    assert stopped.customer == ALICE and stopped.sent in (0, 1, 2)


# -- the blocking client, against a real network process ------------------------------------


@pytest.fixture
def network_process(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        "WA_NETWORK_PORT": str(free_port()),
        "WA_NETWORK_CONTROL_PORT": str(port),
        "WA_NETWORK_DATA_DIR": str(tmp_path / "network"),
    }
    process = Process("network", env, tmp_path)
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"{url}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, 30, "the network's control API")
        yield url
    finally:
        process.stop()


def test_blocking_client_talks_to_a_network_process(network_process: str) -> None:
    with NetworkClient(network_process) as net:
        assert net.base_url == network_process
        assert net.health().sessions == []
        erika = net.put_customer(ERIKA, "Erika")
        assert net.update_customer(ERIKA, online=False).online is False
        assert net.customer_messages(ERIKA) == []
        cert = net.issue_certificate("1", "6315550100", "Acme Shop")
        assert cert.wa_id == WA_ID
        with pytest.raises(InvalidRequest):
            net.send_text_as_customer(ERIKA, "hi")  # no business registered: 400
        with pytest.raises(ControlError) as refused:
            net.put_customer("0123", "Bad")
        assert refused.value.status_code == 422
        assert "PUT /customers/0123 answered 422" in str(refused.value)
        assert net.reset(conversations=True, switches=True).customers > 0
        with pytest.raises(NotFound):
            net.customer(erika.wa_id)
    assert net.http.is_closed


def test_client_given_an_httpx_client_leaves_it_open(network_process: str) -> None:
    with httpx.Client(base_url=network_process) as http:
        with NetworkClient(http=http) as net:
            assert net.settings().auto_create_customers is True
        assert not http.is_closed
    with pytest.raises(ValueError, match="base_url"):
        NetworkClient()


async def test_async_client_made_from_a_url_closes_its_client(network_process: str) -> None:
    async with AsyncNetworkClient(network_process) as net:
        assert (await net.health()).outage is False
    assert net.http.is_closed
