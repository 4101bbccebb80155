"""Template and hsm sends through the real parts (spec §7.7, §7.8, §7.10, §12; docs/templates.md):
accepted sends reach the customer rendered, bad ones answer the real synchronous error, and the
coreapp reloads the business's templates on every new connection to the network."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.messaging import ALICE, inbox, ready, until
from tests.registration import WA_ID
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.postman import requests_for
from waemu.coreapp.readiness import Phase
from waemu.network.templates import SHARED_NAMESPACE

PDF = "https://files.example.com/invoice-7.pdf"
# The template each template request of Meta's Postman collection (folder 04-Messages) is
# sent with, and values for its other placeholders (docs/templates.md).
POSTMAN_TEMPLATES = {
    "Send-Message-Template-Text": "postman_template_text",
    "Send-Message-Template-Media": "postman_template_media",
    "Send-Message-Template-Call-To-Action": "postman_template_call_to_action",
    "Send-Message-Template-Quick-Reply": "postman_template_quick_reply",
}
POSTMAN_VALUES = {
    "{{Recipient-WA-ID}}": ALICE,
    "<Message Template Namespace>": SHARED_NAMESPACE,
    "<Message Template Language Policy>": "deterministic",
    "<Message Template Language Code>": "en_US",
    "<param type>": "text",
    "<param value>": "Alice",
    "<Message Caption>": "Your order",
    "<Media HTTPS URL>": "https://files.example.com/order-42.jpg",
    "<Message Text Param>": "a photo of order 42",
    "<Param Text>": "A-42",
    "<Developer Defined Dynamic URL suffix>": "A-42",
    "<Developer Defined payload for quick reply>": "confirm-A-42",
}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def body(*values: str) -> dict[str, Any]:
    return {"type": "body", "parameters": [text(v) for v in values]}


def template(name: str, *components: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A ``template`` send exactly as spec §7.7 writes it."""
    content: dict[str, Any] = {
        "namespace": SHARED_NAMESPACE,
        "name": name,
        "language": {"policy": "deterministic", "code": "en_US"},
        "components": list(components),
        **fields,
    }
    return {"to": ALICE, "type": "template", "template": content}


def hsm(name: str, *defaults: str) -> dict[str, Any]:
    """An ``hsm`` send exactly as spec §7.8 writes it."""
    return {
        "to": ALICE,
        "type": "hsm",
        "hsm": {
            "namespace": SHARED_NAMESPACE,
            "element_name": name,
            "language": {"policy": "deterministic", "code": "en_US"},
            "localizable_params": [{"default": d} for d in defaults],
        },
    }


async def send(stack: InProcessStack, token: str, message: dict[str, Any]) -> httpx.Response:
    """``POST /v1/messages``."""
    return await stack.http.post("/v1/messages", headers=bearer(token), json=message)


async def sent_id(stack: InProcessStack, token: str, message: dict[str, Any]) -> str:
    """Send; 201 expected; the message id."""
    response = await send(stack, token, message)
    message_id: str = assert_ok(response, 201)["messages"][0]["id"]
    return message_id


async def rendered(stack: InProcessStack, message_id: str) -> dict[str, Any]:
    """What the customer's phone shows for ``message_id`` (waits for it to get there)."""

    async def probe() -> bool:
        return any(m["id"] == message_id for m in await inbox(stack, ALICE))

    await until(probe, True)
    entry = next(m for m in await inbox(stack, ALICE) if m["id"] == message_id)
    shown: dict[str, Any] = entry["rendered"]
    return shown


async def reconnect(stack: InProcessStack) -> None:
    """Drop the coreapp's connection; wait until it is back and its templates are loaded."""
    moves: list[Phase] = []
    stack.core.readiness.listen(lambda _before, after: moves.append(after))
    dropped = await stack.control.post("/connections/drop", json={"wa_id": WA_ID})
    assert dropped.json() == {"dropped": 1}
    templates = stack.core.templates
    assert templates is not None
    for _ in range(500):
        back = Phase.DISCONNECTED in moves and moves[-1] is Phase.CONNECTED
        if back and not templates._tasks:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the coreapp did not reconnect: {moves}")


async def set_status(stack: InProcessStack, name: str, status: str) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/{name}/en_US/status"
    response = await stack.control.put(path, json={"status": status})
    assert response.status_code == 200, response.text


# -- accepted sends ------------------------------------------------------------------------


async def test_template_sends_reach_the_customer_rendered(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    shipping = await sent_id(
        stack, token, template("shipping_update", body("Alice", "A-42", "Fri"))
    )
    shown = await rendered(stack, shipping)
    assert shown["body"] == "Hi Alice, your order A-42 has shipped and should arrive by Fri."
    assert shown["text"] == f"{shown['body']}\nReply STOP to stop updates"

    invoice = template(
        "invoice_ready",
        {"type": "header", "parameters": [{"type": "document", "document": {"link": PDF}}]},
        body("7", "$9.99"),
    )
    shown = await rendered(stack, await sent_id(stack, token, invoice))
    assert shown["header"] == {"type": "document", "link": PDF}
    assert shown["body"] == "Your invoice 7 for $9.99 is attached."

    track = template(
        "track_package",
        {"type": "header", "parameters": [text("A-42")]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [text("A-42")]},
    )
    shown = await rendered(stack, await sent_id(stack, token, track))
    assert shown["header"] == "Order A-42"
    assert shown["buttons"][0]["url"] == "https://shop.example.com/track/A-42"

    legacy = await sent_id(stack, token, hsm("order_confirmation", "Alice", "7"))
    assert (await rendered(stack, legacy))[
        "body"
    ] == "Hi Alice, we received your order 7. Thank you!"


async def test_template_without_namespace_uses_the_business_templates(
    sqlite_stack: InProcessStack,
) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    listing = (await stack.control.get(f"/accounts/{WA_ID}/templates")).json()
    own = listing["namespace"]
    assert listing["namespaces"] == [own, SHARED_NAMESPACE]
    created = await stack.control.put(
        f"/templates/{own}/welcome_back/es",
        json={"category": "MARKETING", "components": [{"type": "BODY", "text": "¡Hola {{1}}!"}]},
    )
    assert created.status_code == 200, created.text
    # Created after the coreapp loaded its templates: the miss makes it fetch them again.
    message = template("welcome_back", body("Ana"), language={"code": "es"})
    del message["template"]["namespace"]
    shown = await rendered(stack, await sent_id(stack, token, message))
    assert (shown["namespace"], shown["body"]) == (own, "¡Hola Ana!")


async def test_postman_template_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    requests = requests_for("/v1/messages")
    for request_name, template_name in POSTMAN_TEMPLATES.items():
        raw = requests[request_name].raw
        assert raw is not None
        for placeholder, value in {
            **POSTMAN_VALUES,
            "<Message Template Element Name>": template_name,
        }.items():
            raw = raw.replace(placeholder, value)
        response = await stack.http.post(
            requests[request_name].path, headers=bearer(token), content=json.dumps(json.loads(raw))
        )
        message_id = assert_ok(response, 201)["messages"][0]["id"]
        assert (await rendered(stack, message_id))["name"] == template_name, request_name


# -- refused sends ---------------------------------------------------------------------------

LONG = "x" * 1025
# (message, HTTP status, code, part of the details)
ERRORS: list[tuple[dict[str, Any], int, int, str]] = [
    (template("hello_world", namespace="0000_1111"), 400, 1009, "does not correspond"),
    (template("hello_world", namespace=""), 400, 2014, "namespace is empty"),
    (template("no_such_template"), 400, 2001, "no_such_template does not exist in en_US"),
    (
        template("hello_world", language={"policy": "deterministic", "code": "de"}),
        400,
        2003,
        "No de language pack",
    ),
    (template("miracle_offer"), 400, 2060, "is rejected"),
    (template("summer_sale", body("20%", "May")), 400, 2061, "is paused"),
    (template("winter_sale", body("20%", "May")), 400, 2062, "is disabled"),
    (template("shipping_update", body("Alice")), 400, 2000, "the template has 3 parameter(s)"),
    (template("shipping_update", body("Al\nice", "1", "2")), 400, 2006, "new-line or tab"),
    (template("shipping_update", body("A     B", "1", "2")), 400, 2006, "4 consecutive spaces"),
    (template("shipping_update", body("A\x07B", "1", "2")), 400, 2007, "control characters"),
    (template("shipping_update", body(LONG, "1", "2")), 400, 2004, "the limit is 1024"),
    (template("shipping_update", body("x" * 1000, "y" * 30, "z")), 400, 2005, "the limit is 1024"),
    (
        template(
            "order_photo",
            {"type": "header", "parameters": [{"type": "document", "document": {"link": PDF}}]},
            body("A", "1"),
        ),
        400,
        2008,
        "header is IMAGE",
    ),
    (
        template(
            "invoice_ready",
            {
                "type": "header",
                "parameters": [
                    {"type": "document", "document": {"link": "https://f.example.com/a.docx"}}
                ],
            },
            body("7", "$9"),
        ),
        400,
        2008,
        "must be PDF",
    ),
    (template("order_photo", body("A", "1")), 400, 2009, "IMAGE header"),
    (
        template(
            "track_package",
            {"type": "header", "parameters": [text("A-42")]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [text("a b")]},
        ),
        400,
        2010,
        "invalid URL",
    ),
    (
        template(
            "appointment_confirmation",
            body("A", "B"),
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [text("x")]},
        ),
        400,
        2012,
        "is QUICK_REPLY, not url",
    ),
    (hsm("shipping_update", "Alice"), 400, 2000, "the request gives 1"),
]


async def test_bad_template_sends_answer_the_real_error(stack: InProcessStack) -> None:
    token = await ready(stack)
    for message, status, code, details in ERRORS:
        assert_error(await send(stack, token, message), status, code, details)


# -- loading ---------------------------------------------------------------------------------


async def test_templates_reload_when_the_coreapp_reconnects(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await sent_id(stack, token, template("hello_world"))
    await set_status(stack, "hello_world", "paused")
    # The coreapp checks against what it loaded for this connection (spec §12).
    await sent_id(stack, token, template("hello_world"))
    await reconnect(stack)
    assert_error(await send(stack, token, template("hello_world")), 400, 2061, "is paused")
    await set_status(stack, "hello_world", "approved")
    await reconnect(stack)
    await sent_id(stack, token, template("hello_world"))


async def test_unavailable_templates_answer_2002(sqlite_stack: InProcessStack) -> None:
    stack = sqlite_stack
    token = await ready(stack, ALICE)
    await stack.control.put("/templates/unavailable", json={"active": True})
    # A name the cache lacks is fetched again once; that fetch fails (2002, docs/templates.md).
    response = await send(stack, token, template("not_loaded_yet"))
    assert_error(response, 503, 2002, "Could not fetch the message templates")
    text_message = {"to": ALICE, "type": "text", "text": {"body": "hi"}}
    assert_ok(await send(stack, token, text_message), 201)  # other messages are not held up
    await sent_id(stack, token, template("hello_world"))  # loaded ones still check
    await stack.control.put("/templates/unavailable", json={"active": False})
    response = await send(stack, token, template("not_loaded_yet"))
    assert_error(response, 400, 2001, "not_loaded_yet")
