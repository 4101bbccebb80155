"""What the web inbox reads from the control API (docs/network.md, docs/inbox.md): the event
stream over real HTTP, chats page by page, refused messages, customers searched and paged,
every switch, the media of a chat, the webhook journal's actions, and the page itself."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from tests.messaging import ALICE, BOB, customer_writes, eventually, ready, send_text, until
from tests.network.inbox_server import ControlServer
from tests.receiver import Receiver
from tests.registration import WA_ID as BUSINESS
from tests.stacks import InProcessStack, bearer
from waemu.network import inbox_ui, media_samples, stickers
from waemu.network.customers import Customer
from waemu.network.events import RELOAD, EventBus

# -- the event stream --------------------------------------------------------------------------


class Stream:
    """The events of ``GET /events``, read in the background."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.ended = asyncio.Event()

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The events of one type so far."""
        return [e for e in self.events if e["type"] == kind]


@contextlib.asynccontextmanager
async def streaming(http: httpx.AsyncClient) -> AsyncIterator[Stream]:
    stream = Stream()

    async def read() -> None:
        async with http.stream("GET", "/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    stream.events.append(json.loads(line[6:]))
        stream.ended.set()

    task = asyncio.create_task(read())
    try:
        await eventually(lambda: bool(stream.of("hello")) or task.done())
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


async def test_events_tell_messages_receipts_changes_and_connections(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    async with ControlServer(stack.world, stack.network) as control, control.client() as http:
        async with streaming(http) as stream:
            token = await ready(stack, ALICE)
            await customer_writes(stack, ALICE, "hello there")
            message_id = await send_text(stack, token, ALICE, "Hi Alice")
            await eventually(
                lambda: any(
                    e["id"] == message_id and e["status"] == "read" for e in stream.of("status")
                )
            )
            await stack.control.post("/connections/drop", json={})
            await eventually(lambda: len(stream.of("health")) >= 3)
            rotate = "/customers/16315551003/identity/rotate"
            await stack.control.post(rotate)
            await eventually(lambda: any(e.get("path") == rotate for e in stream.of("changed")))
        messages = stream.of("message")
        inbound = next(e for e in messages if e["message"]["direction"] == "to_business")
        assert inbound["customer"] == ALICE and inbound["business"] == BUSINESS
        assert inbound["message"]["text"] == {"body": "hello there"}
        outbound = next(e for e in messages if e["message"]["id"] == message_id)
        assert outbound["message"]["text"] == {"body": "Hi Alice"}
        statuses = [e["status"] for e in stream.of("status") if e["id"] == message_id]
        assert statuses == ["delivered", "read"]
        assert {"type": "changed", "what": "world"} in stream.of("changed")  # saved
        assert any(e.get("business") == BUSINESS for e in stream.of("health"))  # the login


async def test_an_open_stream_ends_when_the_server_stops(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    server = ControlServer(stack.world, stack.network)
    async with server, server.client() as http, streaming(http) as stream:
        stack.world.events.close()  # what the network process does before its server stops
        async with asyncio.timeout(5):
            await stream.ended.wait()


async def test_a_watcher_that_falls_behind_gets_one_reload() -> None:
    bus = EventBus()
    subscription = bus.subscribe(limit=3)
    for n in range(5):
        bus.publish("status", n=n)
    # 0..2 filled the queue; 3 replaced them with a reload; 4 came after it.
    assert await subscription.next(1) == RELOAD
    assert await subscription.next(1) == {"type": "status", "n": 4}
    bus.publish("status", n=5)
    assert await subscription.next(1) == {"type": "status", "n": 5}
    assert await subscription.next(0.01) == {}  # nothing: time for a keep-alive
    bus.close()
    assert await subscription.next(1) is None
    assert bus.subscribe().closed and not bus.watched


# -- chats ---------------------------------------------------------------------------------------


def remember(stack: InProcessStack, customer: str, n: int, business: str = BUSINESS) -> str:
    """A business text on ``customer``'s phone, as the network keeps it; its id."""
    assert stack.network.messaging is not None
    entry = {
        "id": f"m-{business}-{customer}-{n}",
        "type": "text",
        "text": {"body": f"message {n}"},
        "direction": "to_customer",
        "business": business,
        "status": "read",
        "timestamp": 1_700_000_000 + n,
    }
    stack.network.messaging.inboxes.remember(customer, entry)
    return str(entry["id"])


async def test_a_chat_pages_back_through_its_messages(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    ids = [remember(stack, ALICE, n) for n in range(120)]
    remember(stack, ALICE, 0, business="4915112345678")  # another business's chat
    path = f"/conversations/{BUSINESS}/{ALICE}/messages"
    newest = (await stack.control.get(path)).json()
    assert [m["id"] for m in newest["messages"]] == ids[70:] and newest["more"] is True
    older = (await stack.control.get(path, params={"before": ids[70], "limit": 60})).json()
    assert [m["id"] for m in older["messages"]] == ids[10:70] and older["more"] is True
    oldest = (await stack.control.get(path, params={"before": ids[10]})).json()
    assert [m["id"] for m in oldest["messages"]] == ids[:10] and oldest["more"] is False
    unknown = (await stack.control.get(path, params={"before": "nope"})).json()
    assert unknown == {"messages": [], "more": False}
    too_many = await stack.control.get(path, params={"limit": 501})
    assert too_many.status_code == 422


async def test_chats_are_listed_newest_first_searched_and_paged(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    remember(stack, BOB, 5)
    remember(stack, ALICE, 9)
    remember(stack, "16315551003", 1)
    listed = (await stack.control.get("/conversations")).json()
    assert listed["total"] == 3
    assert [c["customer"] for c in listed["conversations"]] == [ALICE, BOB, "16315551003"]
    first = listed["conversations"][0]
    assert first["name"] == "Alice Example" and first["business"] == BUSINESS
    assert first["last"]["preview"] == "message 9" and first["last"]["status"] == "read"
    assert first["window"] == {"open": False, "last_customer_message": None, "expires_at": None}
    by_name = (await stack.control.get("/conversations", params={"q": "bob"})).json()
    assert [c["customer"] for c in by_name["conversations"]] == [BOB]
    by_number = (await stack.control.get("/conversations", params={"q": "+1 631-555-1003"})).json()
    assert [c["customer"] for c in by_number["conversations"]] == ["16315551003"]
    page = (await stack.control.get("/conversations", params={"offset": 1, "limit": 1})).json()
    assert page["total"] == 3 and [c["customer"] for c in page["conversations"]] == [BOB]
    other = await stack.control.get("/conversations", params={"business": "4915112345678"})
    assert other.json() == {"total": 0, "conversations": []}
    chat = (await stack.control.get(f"/conversations/{BUSINESS}/{ALICE}")).json()
    assert chat["profile"]["name"] == "Alice Example" and chat["last"]["preview"] == "message 9"
    missing = await stack.control.get(f"/conversations/{BUSINESS}/4915100000000")
    assert missing.status_code == 404


async def test_refused_messages_stay_in_the_chat_but_not_on_the_phone(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    message_id = await send_text(stack, token, ALICE, "nobody opened the window")
    path = f"/conversations/{BUSINESS}/{ALICE}/messages"

    async def refused() -> list[dict[str, Any]]:
        found = (await stack.control.get(path)).json()["messages"]
        return [m for m in found if m["id"] == message_id]

    await eventually_async(refused)
    (entry,) = await refused()
    assert entry["status"] == "failed" and entry["refused"] is True
    assert entry["errors"][0]["code"] == 470
    phone = (await stack.control.get(f"/customers/{ALICE}/messages")).json()["messages"]
    assert all(m["id"] != message_id for m in phone)


async def test_a_forced_failure_keeps_its_error_across_a_restart(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    await stack.control.patch(f"/customers/{ALICE}", json={"delivery_delay": 3600})
    await customer_writes(stack, ALICE)
    message_id = await send_text(stack, token, ALICE)
    await eventually_async(
        lambda: stack.control.get(f"/conversations/{BUSINESS}/{ALICE}/messages"),
        lambda r: any(m["id"] == message_id for m in r.json()["messages"]),
    )
    forced = await stack.control.post(
        f"/messages/{message_id}/receipts", json={"status": "failed", "code": 471}
    )
    assert forced.status_code == 200, forced.text
    messaging = stack.network.messaging
    assert messaging is not None
    saved = messaging.store.load().inboxes[ALICE]
    (entry,) = [m for m in saved if m["id"] == message_id]
    assert entry["status"] == "failed" and entry["errors"][0]["code"] == 471


async def eventually_async(probe: Any, check: Any = bool, timeout: float = 10.0) -> None:
    """Poll the async ``probe()`` until ``check`` holds for its answer."""
    async with asyncio.timeout(timeout):
        while not check(await probe()):
            await asyncio.sleep(0.02)


# -- customers and switches ----------------------------------------------------------------


async def test_customers_are_searched_and_paged_on_the_server(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    for n in range(1000):
        stack.world.customers.put(Customer(wa_id=f"4930{n:07d}", name=f"Customer {n:04d}"))
    everyone = (await stack.control.get("/customers")).json()
    assert len(everyone["customers"]) == everyone["total"] == 1012  # and the seed's 12
    page = (await stack.control.get("/customers", params={"offset": 50, "limit": 50})).json()
    assert page["total"] == 1012 and len(page["customers"]) == 50
    assert page["customers"][0]["wa_id"] == everyone["customers"][50]["wa_id"]
    found = (await stack.control.get("/customers", params={"q": "customer 0777"})).json()
    assert [c["name"] for c in found["customers"]] == ["Customer 0777"]
    by_number = (await stack.control.get("/customers", params={"q": "+49 300000777"})).json()
    assert [c["wa_id"] for c in by_number["customers"]] == ["49300000777"]
    bad = await stack.control.get("/customers", params={"limit": 0})
    assert bad.status_code == 422


async def test_switches_show_every_switch_at_once(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    before = (await stack.control.get("/switches")).json()
    assert before == {
        "outage": False,
        "registration_blocked": False,
        "auto_create_customers": True,
        "realistic_statuses": False,
        "templates_unavailable": False,
        "templates_delay": 0.0,
        "offline": {},
        "chatters": [],
        "shared_namespace": before["shared_namespace"],
    }
    await ready(stack, ALICE)
    await stack.control.put("/registration/blocked", json={"active": True})
    await stack.control.put("/settings", json={"realistic_statuses": True})
    await stack.control.put("/templates/unavailable", json={"active": True})
    await stack.control.put("/templates/delay", json={"seconds": 2.5})
    await stack.control.put(f"/accounts/{BUSINESS}/offline", json={"hold": True})
    await stack.control.post(f"/customers/{ALICE}/chatter", json={"per_second": 1, "count": 1})
    after = (await stack.control.get("/switches")).json()
    assert after["registration_blocked"] and after["realistic_statuses"]
    assert after["templates_unavailable"] and after["templates_delay"] == 2.5
    assert after["offline"] == {BUSINESS: {"hold": True, "per_second": None}}
    assert [c["customer"] for c in after["chatters"]] == [ALICE]


# -- media and webhooks ----------------------------------------------------------------------


async def test_a_chats_media_is_served_from_where_it_lives(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    picture, mime = media_samples.sample("image")
    uploaded = await stack.http.post(
        "/v1/media", content=picture, headers={**bearer(token), "Content-Type": mime}
    )
    media_id = uploaded.json()["media"][0]["id"]
    sent = await stack.http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": ALICE, "type": "image", "image": {"id": media_id}},
    )
    assert sent.status_code == 201, sent.text
    business_file = await stack.control.get(f"/businesses/{BUSINESS}/media/{media_id}")
    assert business_file.status_code == 200
    assert business_file.content == picture and business_file.headers["content-type"] == mime
    written = await stack.control.post(
        f"/customers/{ALICE}/messages", json={"type": "document", "document": {}}
    )
    inbound = (await stack.control.get(f"/conversations/{BUSINESS}/{ALICE}/messages")).json()
    (document,) = [m for m in inbound["messages"] if m["id"] == written.json()["id"]]
    customer_file = await stack.control.get(
        f"/businesses/{BUSINESS}/media/{document['document']['id']}"
    )
    assert hashlib.sha256(customer_file.content).hexdigest() == document["document"]["sha256"]
    sticker = stickers.CATALOGUE[0].stickers[0]
    first_party = await stack.control.get(f"/businesses/{BUSINESS}/media/{sticker.id}")
    assert first_party.headers["content-type"] == "image/webp"
    unknown = await stack.control.get(
        f"/businesses/{BUSINESS}/media/f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68"
    )
    assert unknown.status_code == 404
    away = await stack.control.get(f"/businesses/4915112345678/media/{media_id}")
    assert away.status_code == 503


async def test_the_webhook_journal_is_retried_redelivered_and_cleared(
    stack: InProcessStack,
) -> None:
    base = f"/businesses/{BUSINESS}/webhooks"
    watcher = stack.world.events.subscribe()
    async with Receiver() as receiver:
        token = await ready(stack, ALICE)
        receiver.script.append((500, 0.0))  # the first POST fails: retried later
        hooked = await stack.http.patch(
            "/v1/settings/application",
            headers=bearer(token),
            json={"webhooks": {"url": receiver.url}, "callback_backoff_delay_ms": 3_600_000},
        )
        assert hooked.status_code == 200, hooked.text
        await stack.control.post(
            f"/customers/{ALICE}/messages", json={"type": "text", "text": {"body": "ping"}}
        )
        await eventually(lambda: len(receiver.attempts) == 1)

        async def pending() -> int:
            value: int = (await stack.control.get(f"{base}/attempts")).json()["pending"]
            return value

        await until(pending, 1)
        retried = await stack.control.post(f"{base}/retry")
        assert retried.json() == {"wa_id": BUSINESS, "retried": 1}
        await eventually(lambda: len(receiver.bodies) == 1)
        await until(pending, 0)
        journal = (await stack.control.get(f"{base}/attempts")).json()["attempts"]
        assert [a["status_code"] for a in journal] == [200, 500]
        again = await stack.control.post(f"{base}/attempts/{journal[1]['id']}/redeliver")
        assert again.json() == {"wa_id": BUSINESS, "redelivered": journal[1]["id"], "events": 1}
        await eventually(lambda: len(receiver.bodies) == 2)
        assert receiver.bodies[1] == receiver.bodies[0] == receiver.attempts[0]
        missing = await stack.control.post(f"{base}/attempts/999999/redeliver")
        assert missing.status_code == 404
        cleared = await stack.control.delete(f"{base}/attempts")
        assert cleared.json() == {"wa_id": BUSINESS, "cleared": 3}
        assert (await stack.control.get(f"{base}/attempts")).json()["attempts"] == []
    told: list[dict[str, Any]] = []
    while (event := await watcher.next(0.01)) not in ({}, None):
        assert event is not None
        told.append(event)
    assert any(e["type"] == "webhooks" and e["business"] == BUSINESS for e in told)


# -- the page --------------------------------------------------------------------------------


async def test_the_inbox_is_served_on_the_control_port(sqlite_stack: InProcessStack) -> None:
    control = sqlite_stack.control
    root = await control.get("/")
    assert root.status_code == 307 and root.headers["location"] == "/ui"
    page = await control.get("/ui")
    assert page.status_code == 200 and "/ui/assets/app.js" in page.text
    script = await control.get("/ui/assets/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    shipped = sorted(path.name for path in Path(inbox_ui.ASSETS).iterdir())
    assert {"index.html", "app.js", "style.css", "dom.js", "api.js"} <= set(shipped)
    for name in shipped:
        assert (await control.get(f"/ui/assets/{name}")).status_code == 200, name
    for name in shipped:  # everything the page loads comes from the package
        text = (Path(inbox_ui.ASSETS) / name).read_text()
        assert all(m.startswith("./") for m in re.findall(r'from "([^"]+)"', text)), name
        for link in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert link.startswith(("/ui/assets/", "#", "data:", "/docs")), (name, link)
    schema = (await control.get("/openapi.json")).json()
    assert "/events" in schema["paths"] and "/ui" not in schema["paths"]


def test_the_start_banner_names_the_inbox() -> None:
    from waemu.settings import Settings
    from waemu.supervisor import _banner

    banner = _banner(Settings.from_env({"WA_NETWORK_CONTROL_PORT": "9391"}))
    assert "Inbox:     http://localhost:9391/ui" in banner
