"""The web inbox in a real browser: Debian's Chromium driven by Playwright (docs/inbox.md).

The coreapp and the network run in this process (the in-process stack) and the network's
control API, which serves the inbox, listens on a real port for the browser. One Chromium
serves the whole module; each test has its own emulator and browser context.

Playwright's async API runs in the test's event loop, beside the emulator it watches: a
blocking driver would stop the very loop that serves the page. ``WAEMU_SCREENSHOTS=1`` writes
the screenshots of docs/inbox.md into docs/inbox/.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.databases import database_env
from tests.messaging import ALICE, BOB, customer_writes, eventually, ready
from tests.network.inbox_server import CHROMIUM_ARGS, ControlServer, require_chromium
from tests.receiver import Receiver
from tests.registration import WA_ID as BUSINESS
from tests.stacks import InProcessStack, bearer
from waemu.network import media_samples
from waemu.network.customers import Customer
from waemu.network.templates import SHARED_NAMESPACE

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # require_chromium skips the tests (fails them on CI) and says why
    Browser = Page = Any

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "inbox"
WAIT = 15_000  # ms: the longest a page is given to show something


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    chromium = require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Inbox:
    """A registered emulator, its control API on a port, and a page of the browser."""

    stack: InProcessStack
    control: ControlServer
    page: Page
    token: str
    errors: list[str]

    def url(self, route: str = "") -> str:
        """The inbox at ``route`` (``chats/<business>/<customer>``, ``customers``, …)."""
        return f"{self.control.url}/ui#/{route}"

    async def send(self, body: dict[str, Any]) -> str:
        """A message from the business through ``POST /v1/messages``; its id."""
        response = await self.stack.http.post("/v1/messages", headers=bearer(self.token), json=body)
        assert response.status_code == 201, response.text
        message_id: str = response.json()["messages"][0]["id"]
        return message_id

    async def upload(self, kind: str) -> str:
        """A file of ``kind`` uploaded with ``POST /v1/media`` (a drawn picture for images
        and stickers, the network's samples for the rest); its id."""
        data, mime = PICTURES[kind]() if kind in PICTURES else media_samples.sample(kind)
        response = await self.stack.http.post(
            "/v1/media", content=data, headers={**bearer(self.token), "Content-Type": mime}
        )
        assert response.status_code == 201, response.text
        media_id: str = response.json()["media"][0]["id"]
        return media_id

    async def open_chat(self, customer: str) -> None:
        """The chat of the business with ``customer``, with the live stream connected."""
        await self.page.goto(self.url(f"chats/{BUSINESS}/{customer}"))
        await expect(self.page.locator("#live")).to_have_attribute(
            "data-live", "true", timeout=WAIT
        )
        await expect(self.page.locator(".chat-head .who")).to_be_visible(timeout=WAIT)

    def message(self, message_id: str) -> Any:
        """The message's element in the open chat."""
        return self.page.locator(f'.msg[data-id="{message_id}"]')


@pytest_asyncio.fixture(loop_scope="module")
async def inbox(browser: Browser, tmp_path: Path) -> AsyncIterator[Inbox]:
    async with InProcessStack(database_env("sqlite", tmp_path)) as stack:
        token = await ready(stack, ALICE, BOB)
        async with ControlServer(stack.world, stack.network) as control:
            context = await browser.new_context(viewport={"width": 1180, "height": 760})
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            try:
                yield Inbox(stack, control, page, token, errors)
            finally:
                await context.close()
    assert errors == [], f"the page raised: {errors}"


async def screenshot(page: Page, name: str) -> None:
    """With ``WAEMU_SCREENSHOTS`` set: ``docs/inbox/<name>.png``, in 64 colours (small)."""
    if not os.environ.get("WAEMU_SCREENSHOTS"):
        return
    from PIL import Image

    shot = Image.open(io.BytesIO(await page.screenshot()))
    SHOTS.mkdir(exist_ok=True)
    shot.convert("RGB").quantize(colors=64).save(SHOTS / f"{name}.png", optimize=True)


def _drawing(size: tuple[int, int], fmt: str) -> bytes:
    """A small picture: a parcel on a coloured ground."""
    from PIL import Image, ImageDraw

    width, height = size
    picture = Image.new("RGB", size, (37, 211, 102))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(18, 140, 126))
    box = (width // 4, height // 4, width * 3 // 4, height * 5 // 6)
    draw.rectangle(box, fill=(196, 152, 98), outline=(120, 85, 40), width=4)
    draw.line((width // 2, height // 4, width // 2, height * 5 // 6), fill=(120, 85, 40), width=6)
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


PICTURES = {
    "image": lambda: (_drawing((480, 320), "JPEG"), "image/jpeg"),
    "sticker": lambda: (_drawing((512, 512), "WEBP"), "image/webp"),
}


def template(name: str, *components: dict[str, Any]) -> dict[str, Any]:
    return {
        "to": ALICE,
        "type": "template",
        "template": {
            "namespace": SHARED_NAMESPACE,
            "name": name,
            "language": {"code": "en_US", "policy": "deterministic"},
            "components": list(components),
        },
    }


def text(value: str) -> dict[str, str]:
    return {"type": "text", "text": value}


async def test_each_outbound_message_type_renders_as_the_customer_sees_it(inbox: Inbox) -> None:
    await customer_writes(inbox.stack, ALICE, "Hi! Is my *order* ready?")
    media = {kind: await inbox.upload(kind) for kind in ("image", "video", "audio", "document")}
    sticker = await inbox.upload("sticker")
    sent = {
        "text": await inbox.send(
            {"to": ALICE, "text": {"body": "Hello *Alice*, _your_ order ~A-16~ ```A-17``` ships"}}
        ),
        "image": await inbox.send(
            {"to": ALICE, "type": "image", "image": {"id": media["image"], "caption": "Packed"}}
        ),
        "video": await inbox.send({"to": ALICE, "type": "video", "video": {"id": media["video"]}}),
        "audio": await inbox.send({"to": ALICE, "type": "audio", "audio": {"id": media["audio"]}}),
        "document": await inbox.send(
            {
                "to": ALICE,
                "type": "document",
                "document": {"id": media["document"], "filename": "invoice-17.pdf"},
            }
        ),
        "sticker": await inbox.send({"to": ALICE, "type": "sticker", "sticker": {"id": sticker}}),
        "location": await inbox.send(
            {
                "to": ALICE,
                "type": "location",
                "location": {"latitude": 52.52, "longitude": 13.405, "name": "Acme Shop"},
            }
        ),
        "contacts": await inbox.send(
            {
                "to": ALICE,
                "type": "contacts",
                "contacts": [
                    {
                        "name": {"formatted_name": "Jane Roe", "first_name": "Jane"},
                        "phones": [{"phone": "+1 631 555 1004", "type": "CELL"}],
                    }
                ],
            }
        ),
        "buttons": await inbox.send(
            {
                "to": ALICE,
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "header": {"type": "text", "text": "Delivery"},
                    "body": {"text": "Shall we leave it at the door?"},
                    "footer": {"text": "Acme Shop"},
                    "action": {
                        "buttons": [
                            {"type": "reply", "reply": {"id": "door", "title": "At the door"}},
                            {"type": "reply", "reply": {"id": "neighbour", "title": "Neighbour"}},
                        ]
                    },
                },
            }
        ),
        "list": await inbox.send(
            {
                "to": ALICE,
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "Pick a delivery slot"},
                    "action": {
                        "button": "Slots",
                        "sections": [
                            {
                                "title": "Friday",
                                "rows": [
                                    {"id": "fri-am", "title": "Morning", "description": "8-12"},
                                    {"id": "fri-pm", "title": "Afternoon"},
                                ],
                            }
                        ],
                    },
                },
            }
        ),
        "location_request": await inbox.send(
            {
                "to": ALICE,
                "type": "interactive",
                "interactive": {
                    "type": "location_request_message",
                    "body": {"text": "Where shall we deliver?"},
                    "action": {"name": "send_location"},
                },
            }
        ),
        "template_buttons": await inbox.send(
            template(
                "track_package",
                {"type": "header", "parameters": [text("A-42")]},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": [text("A-42")]},
            )
        ),
        "template_replies": await inbox.send(
            template(
                "appointment_confirmation",
                {"type": "body", "parameters": [text("Alice"), text("Friday")]},
            )
        ),
        "template_image": await inbox.send(
            template(
                "order_photo",
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"id": media["image"]}}],
                },
                {"type": "body", "parameters": [text("Alice"), text("A-17")]},
            )
        ),
    }
    await inbox.open_chat(ALICE)
    page = inbox.page
    for message_id in sent.values():
        await expect(inbox.message(message_id)).to_be_visible(timeout=WAIT)

    bubble = inbox.message(sent["text"])
    await expect(bubble.locator("strong")).to_have_text("Alice")
    await expect(bubble.locator("em")).to_have_text("your")
    await expect(bubble.locator("del")).to_have_text("A-16")
    await expect(bubble.locator("code")).to_have_text("A-17")
    for kind in ("image", "sticker", "template_image"):
        picture = inbox.message(sent[kind]).locator("img")
        await expect(picture).to_have_js_property("complete", True, timeout=WAIT)
        assert await picture.evaluate("img => img.naturalWidth") > 0, kind
    await expect(inbox.message(sent["image"])).to_contain_text("Packed")
    for kind in ("video", "audio"):
        player = inbox.message(sent[kind]).locator(kind)
        source = await player.get_attribute("src")
        assert source is not None
        answer = await page.request.get(f"{inbox.control.url}{source}")
        assert answer.ok and answer.headers["content-type"].startswith(kind), kind
    document = inbox.message(sent["document"]).locator("a.document")
    await expect(document).to_contain_text("invoice-17.pdf")
    pdf = await page.request.get(f"{inbox.control.url}{await document.get_attribute('href')}")
    assert (await pdf.body()).startswith(b"%PDF")
    await expect(inbox.message(sent["location"])).to_contain_text("Acme Shop")
    await expect(inbox.message(sent["location"])).to_contain_text("52.52, 13.405")
    await expect(inbox.message(sent["contacts"])).to_contain_text("Jane Roe")
    await expect(inbox.message(sent["contacts"])).to_contain_text("+1 631 555 1004")
    buttons = inbox.message(sent["buttons"])
    await expect(buttons.locator(".header")).to_have_text("Delivery")
    await expect(buttons.locator(".footer")).to_have_text("Acme Shop")
    await expect(buttons.locator(".tap")).to_have_text(["At the door", "Neighbour"])
    await inbox.message(sent["list"]).locator(".tap").click()
    await expect(page.locator("dialog .row-pick")).to_have_count(2)
    await expect(page.locator("dialog .row-pick").first).to_contain_text("Morning")
    await page.locator("dialog menu button").click()
    await expect(inbox.message(sent["location_request"]).locator(".tap")).to_have_text(
        "Send location"
    )
    tracked = inbox.message(sent["template_buttons"])
    await expect(tracked.locator(".header")).to_have_text("Order A-42")
    await expect(tracked.locator("a.tap").first).to_have_attribute(
        "href", "https://shop.example.com/track/A-42"
    )
    await expect(tracked.locator("a.tap").nth(1)).to_have_attribute("href", "tel:+16315550100")
    replies = inbox.message(sent["template_replies"])
    await expect(replies).to_contain_text("Hi Alice, please confirm your appointment on Friday.")
    await expect(replies.locator("button.tap")).to_have_text(["Confirm", "Reschedule"])
    # Quick customers read everything at once: every tick turns blue on its own.
    for message_id in sent.values():
        await expect(inbox.message(message_id)).to_have_attribute("data-status", "read")
    await inbox.message(sent["text"]).scroll_into_view_if_needed()
    await page.locator(".messages").evaluate("box => { box.scrollTop = 0; }")
    await screenshot(page, "chat-media")
    await page.locator(".messages").evaluate("box => { box.scrollTop = box.scrollHeight; }")
    await screenshot(page, "chat")


async def test_answers_typed_and_tapped_reach_the_webhook(inbox: Inbox) -> None:
    page = inbox.page
    async with Receiver() as receiver:
        hooked = await inbox.stack.http.patch(
            "/v1/settings/application",
            headers=bearer(inbox.token),
            json={"webhooks": {"url": receiver.url}},
        )
        assert hooked.status_code == 200, hooked.text
        await customer_writes(inbox.stack, ALICE, "Hello")
        question = await inbox.send(
            {
                "to": ALICE,
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "body": {"text": "Was the delivery on time?"},
                    "action": {
                        "buttons": [
                            {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                            {"type": "reply", "reply": {"id": "no", "title": "No"}},
                        ]
                    },
                },
            }
        )
        await inbox.open_chat(ALICE)

        def received(check: Any) -> list[dict[str, Any]]:
            return [
                (body, message)
                for body in receiver.bodies
                for message in body.get("messages", [])
                if check(message)
            ]

        typed = "Where is my order?"
        await page.locator(".composer textarea").fill(typed)
        await page.locator(".composer textarea").press("Enter")
        await eventually(lambda: received(lambda m: m.get("text") == {"body": typed}))
        ((body, message),) = received(lambda m: m.get("text") == {"body": typed})
        assert body["contacts"] == [{"profile": {"name": "Alice Example"}, "wa_id": ALICE}]
        assert message["from"] == ALICE and message["type"] == "text"
        assert set(message) == {"from", "id", "timestamp", "type", "text"}

        await inbox.message(question).locator('.tap[data-reply="yes"]').click()
        tapped = lambda m: m.get("type") == "interactive"  # noqa: E731
        await eventually(lambda: received(tapped))
        ((_body, reply),) = received(tapped)
        assert reply["interactive"] == {
            "type": "button_reply",
            "button_reply": {"id": "yes", "title": "Yes"},
        }
        assert reply["context"] == {"from": BUSINESS, "id": question}

        await inbox.message(question).hover()
        await inbox.message(question).locator("button.reply").click()
        await page.locator(".composer textarea").fill("Thanks!")
        await page.locator(".composer button.send").click()
        quoted = lambda m: m.get("text") == {"body": "Thanks!"}  # noqa: E731
        await eventually(lambda: received(quoted))
        assert received(quoted)[0][1]["context"] == {"from": BUSINESS, "id": question}
        for answer in (typed, "Yes", "Thanks!"):
            await expect(page.locator(".msg.out").filter(has_text=answer)).to_be_visible()
        await screenshot(page, "answers")

        await page.goto(inbox.url("business"))
        attempts = page.locator(".attempt.ok")
        await expect(attempts.first).to_be_visible(timeout=WAIT)
        await attempts.first.locator("summary").click()
        await expect(attempts.first.locator(".payload")).to_contain_text('"messages"')
        await screenshot(page, "business")


async def test_a_tick_turns_read_live(inbox: Inbox) -> None:
    stack = inbox.stack
    await stack.control.patch(f"/customers/{BOB}", json={"reads": False})
    await customer_writes(stack, BOB)
    message_id = await inbox.send({"to": BOB, "text": {"body": "Your parcel is here"}})
    await inbox.open_chat(BOB)
    ticks = inbox.message(message_id).locator(".ticks")
    await expect(ticks).to_have_attribute("data-status", "delivered", timeout=WAIT)
    await inbox.page.evaluate("window.sameDocument = true")
    read = await stack.control.post(f"/messages/{message_id}/receipts", json={"status": "read"})
    assert read.status_code == 200, read.text
    await expect(ticks).to_have_attribute("data-status", "read", timeout=WAIT)
    assert await inbox.page.evaluate("window.sameDocument") is True  # no reload
    assert await ticks.evaluate("el => getComputedStyle(el).color") == "rgb(83, 189, 235)"


async def test_an_outage_flipped_in_the_inbox_shows_in_the_api_health(inbox: Inbox) -> None:
    page = inbox.page

    async def gateway() -> str:
        response = await inbox.stack.http.get("/v1/health", headers=bearer(inbox.token))
        status: str = response.json()["health"]["gateway_status"]
        return status

    await page.goto(inbox.url("network"))
    outage = page.locator('[data-switch="outage"] input')
    await expect(outage).not_to_be_checked(timeout=WAIT)
    await outage.check()
    await expect(page.locator("#outage")).to_be_visible(timeout=WAIT)
    statuses: set[str] = set()
    for _ in range(500):
        statuses.add(await gateway())
        if statuses & {"disconnected", "connecting"}:
            break
        await page.wait_for_timeout(20)
    assert statuses & {"disconnected", "connecting"}, statuses
    await expect(page.locator(".sessions")).to_contain_text("No coreapp is connected")
    await screenshot(page, "network")
    await outage.uncheck()
    await expect(page.locator("#outage")).to_be_hidden(timeout=WAIT)
    for _ in range(500):
        if await gateway() == "connected":
            break
        await page.wait_for_timeout(20)
    assert await gateway() == "connected"
    await expect(page.locator(".sessions")).to_contain_text("+1 631-555-0100", timeout=WAIT)


async def test_customers_are_added_and_edited_with_forms(inbox: Inbox) -> None:
    page = inbox.page
    await page.goto(inbox.url("customers"))
    await page.get_by_role("button", name="Add customer").click()
    dialog = page.locator("dialog")
    await dialog.locator('input[name="wa_id"]').fill("4915112345678")
    await dialog.locator('input[name="name"]').fill("Erika Mustermann")
    await dialog.get_by_role("button", name="Add").click()
    row = page.locator('tr[data-customer="4915112345678"]')
    await expect(row).to_contain_text("Erika Mustermann", timeout=WAIT)
    await row.get_by_role("button", name="Edit").click()
    await dialog.locator('input[name="online"]').uncheck()
    await dialog.locator('input[name="fail_code"]').fill("471")
    await dialog.get_by_role("button", name="Save").click()
    await expect(row).to_contain_text("offline", timeout=WAIT)
    stored = (await inbox.stack.control.get("/customers/4915112345678")).json()
    assert stored["online"] is False and stored["fail_code"] == 471
    await screenshot(page, "customers")


async def test_ten_thousand_messages_and_a_thousand_customers_stay_paged(inbox: Inbox) -> None:
    stack = inbox.stack
    messaging = stack.network.messaging
    assert messaging is not None
    for n in range(1000):
        stack.world.customers.put(Customer(wa_id=f"4930{n:07d}", name=f"Customer {n:04d}"))
    await stack.world.save()
    for n in range(10_000):
        incoming = n % 3 == 0
        messaging.inboxes.remember(
            BOB,
            {
                "id": f"bulk-{n}",
                "type": "text",
                "text": {"body": f"message {n}"},
                "direction": "to_business" if incoming else "to_customer",
                "business": BUSINESS,
                "status": "read",
                "timestamp": 1_700_000_000 + n,
            },
        )
    messaging.commit()
    page = inbox.page
    started = time.monotonic()
    await inbox.open_chat(BOB)
    shown = page.locator(".messages .msg")
    await expect(shown.last).to_contain_text("message 9999", timeout=WAIT)
    opened = time.monotonic() - started
    assert await shown.count() == 50  # one page, not 10,000 elements
    started = time.monotonic()
    await page.locator(".messages").evaluate("box => { box.scrollTop = 0; }")
    await expect(shown).to_have_count(100, timeout=WAIT)
    older = time.monotonic() - started
    await expect(shown.first).to_contain_text("message 9900")

    await page.goto(inbox.url("customers"))
    await expect(page.locator(".customers .total")).to_have_text("1,012 customers", timeout=WAIT)
    rows = page.locator(".customers tbody tr")
    await expect(rows).to_have_count(50)
    await page.locator(".customers input[type=search]").fill("Customer 0777")
    await expect(rows).to_have_count(1, timeout=WAIT)
    await expect(rows).to_contain_text("+49300000777")
    print(f"10,000 messages: chat shown in {opened:.2f}s, an older page in {older:.2f}s")


async def test_files_samples_places_contacts_and_list_rows_go_as_the_customer(
    inbox: Inbox, tmp_path: Path
) -> None:
    stack = inbox.stack
    await customer_writes(stack, ALICE)
    question = await inbox.send(
        {
            "to": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Which colour?"},
                "action": {
                    "button": "Colours",
                    "sections": [
                        {
                            "rows": [
                                {"id": "red", "title": "Red", "description": "The red one"},
                                {"id": "blue", "title": "Blue"},
                            ]
                        }
                    ],
                },
            },
        }
    )
    await inbox.open_chat(ALICE)
    page = inbox.page
    composer = page.locator(".composer")
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(media_samples.sample("document")[0])
    await composer.locator("textarea").fill("The invoice")
    await composer.locator('input[data-kind="document"]').set_input_files(invoice)
    await composer.locator("button.attach").click()
    await composer.locator('[data-sample="voice"]').click()
    await composer.locator("button.attach").click()
    await composer.locator("button.share-location").click()
    dialog = page.locator("dialog")
    await dialog.locator('input[name="name"]').fill("Home")
    await dialog.get_by_role("button", name="Send").click()
    await composer.locator("button.attach").click()
    await composer.locator("button.share-contact").click()
    await dialog.locator('input[name="name"]').fill("Jane Roe")
    await dialog.locator('input[name="phone"]').fill("+1 631 555 1004")
    await dialog.get_by_role("button", name="Send").click()
    await inbox.message(question).locator(".tap").click()
    await page.locator('dialog [data-row="red"]').click()
    await expect(page.locator(".msg.out")).to_have_count(6, timeout=WAIT)  # and the first

    chat = await stack.control.get(f"/conversations/{BUSINESS}/{ALICE}/messages")
    sent = [m for m in chat.json()["messages"] if m["direction"] == "to_business"][1:]
    assert [m["type"] for m in sent] == ["document", "voice", "location", "contacts", "interactive"]
    document, voice, place, card, row = sent
    assert document["document"]["filename"] == "invoice.pdf"
    assert document["document"]["caption"] == "The invoice"
    assert document["document"]["mime_type"] == "application/pdf"
    assert voice["voice"]["mime_type"] == "audio/ogg; codecs=opus"
    assert place["location"] == {"latitude": 52.52, "longitude": 13.405, "name": "Home"}
    assert card["contacts"][0]["name"] == {
        "formatted_name": "Jane Roe",
        "first_name": "Jane",
        "last_name": "Roe",
    }
    assert row["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": "red", "title": "Red", "description": "The red one"},
    }
    assert row["context"] == {"from": BUSINESS, "id": question}
    document_link = inbox.message(document["id"]).locator("a.document")
    await expect(document_link).to_contain_text("invoice.pdf")
