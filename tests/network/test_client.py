"""The typed control-API client (waemu.network.client, docs/testing.md): every endpoint as a
method, awaited against the in-process network with a real coreapp, blocking against a real
``waemu network`` process; refusals as ``ControlError`` subclasses; the live events as typed
events of a stream that closes when its reader stops."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import free_port
from tests.messaging import (
    ALICE,
    BOB,
    customer_writes,
    eventually,
    ready,
    send_text,
    stored_status,
    until,
)
from tests.network.inbox_server import ControlServer
from tests.receiver import Receiver
from tests.registration import WA_ID
from tests.stacks import InProcessStack, Process, bearer, wait_until
from waemu.network.client import (
    UNSET,
    AsyncNetworkClient,
    ChangedEvent,
    Conflict,
    ControlError,
    HelloEvent,
    InvalidRequest,
    MessageEvent,
    NetworkClient,
    NetworkEvent,
    NotFound,
    ReloadEvent,
    StatusEvent,
    Unavailable,
    calls,
)
from waemu.network.client.clients import AsyncNetworkClient as Awaited
from waemu.network.client.events import EventDecoder
from waemu.network.templates import SHARED_NAMESPACE

ERIKA = "4915112345678"
HELLO = [{"type": "BODY", "text": "Hello {{1}}"}]
OTHER_BUSINESS = "4915112340000"
UNKNOWN_MEDIA = "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68"


def test_both_clients_have_a_method_for_every_call_with_its_signature() -> None:
    builders = {
        name: fn
        for name, fn in vars(calls).items()
        if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == calls.__name__
    }
    assert len(builders) == 47
    for name, build in builders.items():
        for client in (NetworkClient, AsyncNetworkClient):
            method = getattr(client, name)
            assert method.__doc__ == build.__doc__, (client, name)
    assert inspect.iscoroutinefunction(Awaited.customer)
    assert NetworkClient.events.__doc__ == AsyncNetworkClient.events.__doc__  # the stream
    assert inspect.signature(NetworkClient.events).parameters.keys() == {"self", "timeout"}


def test_event_decoder_reads_server_sent_events_and_keeps_unknown_types() -> None:
    decoder = EventDecoder()
    lines = [
        "retry: 2000",
        "",
        'data: {"type": "hello"}',
        "",
        ": keep-alive",
        "",
        'data: {"type": "status", "customer": "1", "id": "gBEG1",',
        'data:  "status": "read"}',
        "",
        'data: {"type": "weather", "sky": "blue"}',
        "",
        'data: {"type": "reload"}',
        "",
    ]
    events = [event for line in lines if (event := decoder.feed(line)) is not None]
    hello, status, weather, reload = events
    assert isinstance(hello, HelloEvent) and isinstance(reload, ReloadEvent)
    assert isinstance(status, StatusEvent)
    assert (status.id, status.status, status.business, status.errors) == (
        "gBEG1",
        "read",
        None,
        None,
    )
    assert type(weather) is NetworkEvent and weather.model_extra == {"sky": "blue"}


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


async def test_conversation_methods_list_page_search_and_fetch_media(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    net = stack.net
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE, "Hello there")
    message_id = await send_text(stack, token, ALICE, "Hi Alice")
    await until(lambda: stored_status(stack, message_id), "read")
    refused_id = await send_text(stack, token, BOB, "nobody opened the window")

    async def pairs() -> int:
        return (await net.conversations()).total

    await until(pairs, 2)  # once the coreapp handed Bob's message to the network
    pair = {c.customer: c for c in (await net.conversations()).conversations}
    alice, bob = pair[ALICE], pair[BOB]  # the same second: either may be first
    assert (alice.customer, alice.name, alice.business) == (ALICE, "Alice Example", WA_ID)
    assert alice.last is not None
    assert (alice.last.id, alice.last.direction, alice.last.preview) == (
        message_id,
        "to_customer",
        "Hi Alice",
    )
    assert alice.window.open is True and alice.window.expires_at is not None
    assert alice.conversation is not None and alice.conversation.origin == "user_initiated"
    assert bob.window.open is False and bob.conversation is None
    searched = await net.conversations(q="+1 631-555-1001", offset=0, limit=1)
    assert searched.total == 1 and searched.conversations == [alice]
    assert (await net.conversations(business=OTHER_BUSINESS)).conversations == []
    detail = await net.conversation(WA_ID, ALICE)
    assert detail.profile.wa_id == ALICE and detail.last == alice.last
    with pytest.raises(NotFound):
        await net.conversation(WA_ID, "4915100000000")
    newest = await net.conversation_messages(WA_ID, ALICE, limit=1)
    assert [m.text for m in newest.messages] == ["Hi Alice"] and newest.more is True
    older = await net.conversation_messages(WA_ID, ALICE, before=newest.messages[0].id)
    assert [m.text for m in older.messages] == ["Hello there"] and older.more is False
    (refused,) = (await net.conversation_messages(WA_ID, BOB)).messages
    assert (refused.id, refused.status, refused.refused) == (refused_id, "failed", True)
    assert refused.errors is not None and refused.errors[0]["code"] == 470
    with pytest.raises(InvalidRequest):
        await net.conversation_messages(WA_ID, ALICE, limit=501)
    sent = await net.send_as_customer(ALICE, {"type": "document", "document": {}})
    page = await net.conversation_messages(WA_ID, ALICE)
    (document,) = [m for m in page.messages if m.id == sent.id]
    media = document.fields["document"]
    file = await net.business_media(WA_ID, media["id"])
    assert hashlib.sha256(file.data).hexdigest() == media["sha256"]
    assert file.mime_type == media["mime_type"]
    sticker = (await net.stickerpacks())[0].stickers[0]
    image = await net.business_media(WA_ID, sticker.id)
    assert (image.mime_type, len(image.data)) == ("image/webp", sticker.size)
    with pytest.raises(NotFound):
        await net.business_media(WA_ID, UNKNOWN_MEDIA)
    with pytest.raises(Unavailable):
        await net.business_media(OTHER_BUSINESS, UNKNOWN_MEDIA)  # asked of a coreapp: away


async def test_find_customers_and_switches(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    net = stack.net
    everyone = await net.customers()
    found = await net.find_customers("alice")
    assert found.total == 1 and [c.wa_id for c in found.customers] == [ALICE]
    page = await net.find_customers(offset=1, limit=2)
    assert page.total == len(everyone) and page.customers == everyone[1:3]
    assert (await net.find_customers("+1 631-555-1002")).customers == [await net.customer(BOB)]
    with pytest.raises(InvalidRequest):
        await net.find_customers(limit=0)
    before = await net.switches()
    assert (before.outage, before.registration_blocked, before.templates_delay) == (
        False,
        False,
        0.0,
    )
    assert (before.offline, before.chatters, before.shared_namespace) == ({}, [], SHARED_NAMESPACE)
    await ready(stack, ALICE)
    await net.set_offline_feed(WA_ID, hold=True, per_second=3)
    await net.start_chatter(ALICE, 1, count=1)
    await net.set_template_delay(2.5)
    after = await net.switches()
    assert (after.offline[WA_ID].hold, after.offline[WA_ID].per_second) == (True, 3.0)
    (chatter,) = after.chatters
    assert (chatter.customer, chatter.count, chatter.per_second) == (ALICE, 1, 1.0)
    assert after.templates_delay == 2.5


async def test_webhook_journal_methods_retry_redeliver_and_clear(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    net = stack.net
    async with Receiver() as receiver:
        token = await ready(stack, ALICE)
        receiver.script.append((500, 0.0))  # the first POST fails: retried in an hour
        hooked = await stack.http.patch(
            "/v1/settings/application",
            headers=bearer(token),
            json={"webhooks": {"url": receiver.url}, "callback_backoff_delay_ms": 3_600_000},
        )
        assert hooked.status_code == 200, hooked.text
        await net.send_text_as_customer(ALICE, "ping")
        await eventually(lambda: len(receiver.attempts) == 1)  # refused: waits in the outbox

        async def pending() -> int:
            return (await net.webhook_attempts(WA_ID)).pending

        await until(pending, 1)
        assert await net.retry_webhooks(WA_ID) == 1
        await eventually(lambda: len(receiver.bodies) == 1)
        await until(pending, 0)
        failed = (await net.webhook_attempts(WA_ID)).attempts[-1]
        assert failed.status_code == 500
        again = await net.redeliver_webhook(WA_ID, int(failed.id))
        assert (again.wa_id, again.redelivered, again.events) == (WA_ID, failed.id, 1)
        await eventually(lambda: len(receiver.bodies) == 2)
        with pytest.raises(NotFound):
            await net.redeliver_webhook(WA_ID, 999_999)
        await until(pending, 0)
        assert await net.clear_webhook_journal(WA_ID) == 3
        assert (await net.webhook_attempts(WA_ID)).attempts == []
    with pytest.raises(Unavailable):
        await net.retry_webhooks(OTHER_BUSINESS)


async def test_async_events_are_typed_and_the_stream_closes_when_its_reader_stops(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    bus = stack.world.events
    token = await ready(stack, ALICE)
    # ASGITransport answers only once a response is complete: the stream needs real HTTP.
    server = ControlServer(stack.world, stack.network)
    async with server, AsyncNetworkClient(server.url) as net:
        seen: list[NetworkEvent] = []
        async with net.events(timeout=10) as events:
            assert bus.watched  # subscribed before anything below happens
            await net.send_text_as_customer(ALICE, "hello there")
            message_id = await send_text(stack, token, ALICE, "Hi Alice")
            async for event in events:
                seen.append(event)
                if isinstance(event, StatusEvent) and event.status == "read":
                    break  # the business's message was read
            await eventually(lambda: not bus.watched)  # left the loop: closed
        assert isinstance(seen[0], HelloEvent) and not events.timed_out
        inbound = next(e for e in seen if isinstance(e, MessageEvent))
        assert (inbound.customer, inbound.business) == (ALICE, WA_ID)
        assert (inbound.message.direction, inbound.message.text) == (
            "to_business",
            "hello there",
        )
        statuses = [e.status for e in seen if isinstance(e, StatusEvent) and e.id == message_id]
        assert statuses == ["delivered", "read"]
        path = f"/customers/{ALICE}/messages"
        assert any(isinstance(e, ChangedEvent) and e.path == path for e in seen)

        quiet = net.events(timeout=0.3)
        assert [type(e) async for e in quiet][:1] == [HelloEvent] and quiet.timed_out
        await eventually(lambda: not bus.watched)

        async with net.events() as ending:
            bus.close()  # what the network does when it stops
            assert [type(e) async for e in ending] == [HelloEvent]
        assert not ending.timed_out


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


def test_blocking_client_reads_conversations_switches_and_media(network_process: str) -> None:
    with NetworkClient(network_process) as net:
        erika = net.put_customer(ERIKA, "Erika")
        found = net.find_customers("erika")
        assert (found.total, found.customers) == (1, [erika])
        chat = net.conversation(WA_ID, ERIKA)
        assert (chat.profile, chat.last, chat.conversation, chat.window.open) == (
            erika,
            None,
            None,
            False,
        )
        assert net.conversations().total == 0
        page = net.conversation_messages(WA_ID, ERIKA)
        assert (page.messages, page.more) == ([], False)
        switches = net.switches()
        assert (switches.outage, switches.offline, switches.chatters) == (False, {}, [])
        sticker = net.stickerpacks()[0].stickers[0]
        image = net.business_media(WA_ID, sticker.id)
        assert image.mime_type == "image/webp" and image.data[:4] == b"RIFF"
        with pytest.raises(Unavailable):  # no coreapp to ask for the business's own file
            net.business_media(WA_ID, UNKNOWN_MEDIA)
        with pytest.raises(Unavailable):
            net.retry_webhooks(WA_ID)
        with pytest.raises(Unavailable):
            net.redeliver_webhook(WA_ID, 1)
        with pytest.raises(Unavailable):
            net.clear_webhook_journal(WA_ID)


def test_blocking_events_stream_until_left_or_timed_out(network_process: str) -> None:
    # The watcher has one connection: each stream opens only if the one before gave it back.
    one = httpx.Limits(max_connections=1)
    with (
        httpx.Client(base_url=network_process, limits=one, timeout=5) as http,
        NetworkClient(network_process) as net,
    ):
        watcher = NetworkClient(http=http)
        seen: list[NetworkEvent] = []
        with watcher.events(timeout=10) as events:
            net.put_customer(ERIKA, "Erika")
            for event in events:
                seen.append(event)
                if isinstance(event, ChangedEvent) and event.path is not None:
                    break
        assert isinstance(seen[0], HelloEvent) and not events.timed_out
        changed = seen[-1]
        assert isinstance(changed, ChangedEvent)
        assert (changed.method, changed.path) == ("PUT", f"/customers/{ERIKA}")
        quiet = watcher.events(timeout=0.3)
        assert [type(e) for e in quiet] == [HelloEvent] and quiet.timed_out
        for _event in watcher.events(timeout=10):
            break  # leaving the loop closes the stream
        assert watcher.health().outage is False
