"""The coreapp's template cache and its checks of ``template``/``hsm`` sends (spec §7.7, §7.8,
§7.10, §12, §15; docs/templates.md). The templates come from the network's real store (the
seed), handed over by a stand-in for the network link."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.services.templates import TemplatesService
from waemu.errors import ApiError
from waemu.network.templates import SHARED_NAMESPACE, Template, TemplateStore
from waemu.network.world import load_seed

BUSINESS = "16315550100"
ALICE = "16315551001"
PDF = "https://files.example.com/invoice-7.pdf"


class Network:
    """Answers ``templates.list`` from a real template store, or fails like a lost link."""

    def __init__(self) -> None:
        self.store = TemplateStore.from_seed(load_seed(None))
        self.own, _ = self.store.namespace_of(BUSINESS)
        self.store.put(
            Template(self.own, "private_note", "en_US", components=[{"type": "BODY", "text": "x"}])
        )
        self.calls = 0
        self.failing = False

    async def call(self, op: str, args: dict[str, Any] | None = None, wait: float = 30.0) -> Any:
        self.calls += 1
        assert op == "templates.list"
        if self.failing:
            raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
        return copy.deepcopy(self.store.listing(BUSINESS))


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def service(network: Network) -> TemplatesService:
    return TemplatesService(network)


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def body(*values: str) -> dict[str, Any]:
    return {"type": "body", "parameters": [text(v) for v in values]}


def header(*params: dict[str, Any]) -> dict[str, Any]:
    return {"type": "header", "parameters": list(params)}


def button(sub_type: str, index: object, *params: dict[str, Any]) -> dict[str, Any]:
    return {"type": "button", "sub_type": sub_type, "index": index, "parameters": list(params)}


def media(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, kind: fields}


def template(
    name: str,
    *components: dict[str, Any],
    code: str = "en_US",
    namespace: str | None = SHARED_NAMESPACE,
    policy: str = "deterministic",
) -> dict[str, Any]:
    body_: dict[str, Any] = {"name": name, "language": {"policy": policy, "code": code}}
    if namespace is not None:
        body_["namespace"] = namespace
    if components:
        body_["components"] = list(components)
    return {"to": ALICE, "type": "template", "template": body_}


def hsm(name: str, *defaults: str, namespace: str | None = SHARED_NAMESPACE) -> dict[str, Any]:
    body_: dict[str, Any] = {
        "element_name": name,
        "language": {"policy": "deterministic", "code": "en_US"},
        "localizable_params": [{"default": d} for d in defaults],
    }
    if namespace is not None:
        body_["namespace"] = namespace
    return {"to": ALICE, "type": "hsm", "hsm": body_}


SHIPPING = body("Alice", "A-42", "Friday")
CURRENCY = {
    "type": "currency",
    "currency": {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990},
}
DATE = {"type": "date_time", "date_time": {"fallback_value": "February 25, 1977"}}
TRACK = button("url", "0", text("A-42"))

VALID: dict[str, dict[str, Any]] = {
    "no parameters": template("hello_world"),
    "body parameters": template("shipping_update", SHIPPING),
    "currency and date_time": template(
        "shipping_update", {"type": "body", "parameters": [text("Alice"), CURRENCY, DATE]}
    ),
    "image header by link": template(
        "order_photo", header(media("image", link="https://x.example/p.jpg")), body("A", "1")
    ),
    "image header by id": template(
        "order_photo", header(media("image", id="f0e1")), body("A", "1")
    ),
    "pdf document header": template(
        "invoice_ready", header(media("document", link=PDF, filename="inv.pdf")), body("7", "$9")
    ),
    "document header by id": template(
        "invoice_ready", header(media("document", id="d0c")), body("7", "$9")
    ),
    "video header": template(
        "product_video", header(media("video", link="https://x.example/v.mp4")), body("it")
    ),
    "location header": template(
        "store_pickup",
        header({"type": "location", "location": {"latitude": 37.48, "longitude": -122.14}}),
        body("Alice"),
    ),
    "quick reply payloads": template(
        "appointment_confirmation",
        body("Alice", "Monday"),
        button("quick_reply", "0", {"type": "payload", "payload": "yes-1"}),
        button("quick_reply", 1, {"type": "payload", "payload": "later-1"}),
    ),
    "quick replies without payloads": template("appointment_confirmation", body("A", "B")),
    "text header and url button": template("track_package", header(text("A-42")), TRACK),
    "spanish": template("order_confirmation", body("Ana", "7"), code="es"),
    "brazilian portuguese": template("order_confirmation", body("Bruna", "7"), code="pt_BR"),
    "fallback policy to a sibling locale": template(
        "order_confirmation", body("A", "7"), code="en", policy="fallback"
    ),
    "own namespace": template("private_note", namespace=None),
    "postman flat media and one-object parameters": template(
        "postman_template_call_to_action",
        {"type": "header", "parameters": text("A-1")},
        {"type": "body", "parameters": text("A-1")},
        button("url", "1", text("A-1")),
    ),
    "postman flat image": template(
        "postman_template_media",
        header({"type": "image", "caption": "c", "link": "https://x.example/p.png"}),
        body("a kitten"),
    ),
    "hsm": hsm("shipping_update", "Alice", "A-42", "Friday"),
}


@pytest.mark.parametrize("message", list(VALID.values()), ids=list(VALID))
async def test_prepare_accepts_a_valid_send(
    service: TemplatesService, message: dict[str, Any]
) -> None:
    prepared = await service.prepare(copy.deepcopy(message))
    if message["type"] == "template" and "namespace" in message["template"]:
        assert prepared == message


async def test_prepare_fills_in_the_namespace_a_template_send_left_out(
    service: TemplatesService, network: Network
) -> None:
    shared = await service.prepare(template("hello_world", namespace=None))
    assert shared["template"]["namespace"] == SHARED_NAMESPACE
    own = await service.prepare(template("private_note", namespace=None))
    assert own["template"]["namespace"] == network.own


async def test_prepare_passes_other_messages_without_loading(
    service: TemplatesService, network: Network
) -> None:
    message = {"to": ALICE, "type": "text", "text": {"body": "hi"}}
    assert await service.prepare(message) is message
    assert network.calls == 0 and service.loaded is False


def _with(message: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(message)
    changed["template"].update(changes)
    return changed


HELLO = template("hello_world")
LONG = "x" * 1025
# (message, code, HTTP status, part of the details)
ERRORS: dict[str, tuple[dict[str, Any], int, int, str]] = {
    "namespace of another business": (
        template("hello_world", namespace="aaaa_bbbb"),
        1009,
        400,
        "does not correspond to the WhatsApp Business Account",
    ),
    "empty namespace": (_with(HELLO, namespace=""), 2014, 400, "template.namespace is empty"),
    "hsm without namespace": (hsm("hello_world", namespace=None), 2014, 400, "hsm.namespace"),
    "missing name": (_with(HELLO, name=""), 1008, 400, "template.name"),
    "missing language": (
        {"to": ALICE, "type": "template", "template": {"name": "hello_world"}},
        1008,
        400,
        "template.language",
    ),
    "unknown policy": (
        template("hello_world", policy="closest"),
        1009,
        400,
        "template.language.policy",
    ),
    "unknown name": (template("no_such_template"), 2001, 400, "no_such_template does not exist"),
    "name missing in that language": (
        template("hello_world", code="es"),
        2001,
        400,
        "hello_world does not exist in es",
    ),
    "no language pack": (template("hello_world", code="de"), 2003, 400, "No de language pack"),
    "deterministic wants the exact locale": (
        template("order_confirmation", body("A", "7"), code="en"),
        2003,
        400,
        "No en language pack",
    ),
    "pending": (template("loyalty_program", body("A")), 2001, 400, "not approved yet"),
    "rejected": (template("miracle_offer"), 2060, 400, "is rejected: PROMOTIONAL"),
    "paused": (template("summer_sale", body("20%", "May")), 2061, 400, "is paused"),
    "disabled": (template("winter_sale", body("20%", "May")), 2062, 400, "is disabled"),
    "too few body parameters": (
        template("shipping_update", body("Alice")),
        2000,
        400,
        "body: the template has 3 parameter(s), the request gives 1",
    ),
    "body parameters for a template without": (
        template("hello_world", body("x")),
        2000,
        400,
        "body: the template has 0",
    ),
    "body component missing": (
        template("shipping_update"),
        2000,
        400,
        "the request gives 0",
    ),
    "header parameters for a template without header": (
        template("shipping_update", header(text("x")), SHIPPING),
        2000,
        400,
        "header: the template has 0",
    ),
    "newline in a parameter": (
        template("shipping_update", body("Al\nice", "A-42", "Friday")),
        2006,
        400,
        "new-line or tab",
    ),
    "tab in a parameter": (
        template("shipping_update", body("Alice", "A\t42", "Friday")),
        2006,
        400,
        "new-line or tab",
    ),
    "five spaces in a parameter": (
        template("shipping_update", body("Alice", "A     42", "Friday")),
        2006,
        400,
        "more than 4 consecutive spaces",
    ),
    "blank parameter": (
        template("shipping_update", body("Alice", "   ", "Friday")),
        2006,
        400,
        "body parameter 2 is blank",
    ),
    "control character in a parameter": (
        template("shipping_update", body("Alice", "A\x0742", "Friday")),
        2007,
        400,
        "control characters",
    ),
    "body parameter too long": (
        template("shipping_update", body(LONG, "A-42", "Friday")),
        2004,
        400,
        "1025 characters long; the limit is 1024",
    ),
    "header parameter too long": (
        template("track_package", header(text("x" * 61)), TRACK),
        2004,
        400,
        "header parameter 1 is 61 characters long; the limit is 60",
    ),
    "hydrated header too long": (
        template("track_package", header(text("x" * 55)), TRACK),
        2005,
        400,
        "The header with its parameters is 61 characters",
    ),
    "hydrated body too long": (
        template("shipping_update", body("x" * 1000, "y" * 20, "z")),
        2005,
        400,
        "The body with its parameters is",
    ),
    "media parameter in the body": (
        template(
            "shipping_update",
            {"type": "body", "parameters": [media("image", id="1"), text("b"), text("c")]},
        ),
        2012,
        400,
        "body parameter 1 is of type image",
    ),
    "image header given a document": (
        template("order_photo", header(media("document", link=PDF)), body("A", "1")),
        2008,
        400,
        "header is IMAGE: a document cannot be sent in it",
    ),
    "image header given text": (
        template("order_photo", header(text("x")), body("A", "1")),
        2008,
        400,
        "a text cannot be sent in it",
    ),
    "document header not a pdf (link)": (
        template(
            "invoice_ready",
            header(media("document", link="https://files.example.com/inv.docx")),
            body("7", "$9"),
        ),
        2008,
        400,
        "must be PDF, not .docx",
    ),
    "document header not a pdf (filename)": (
        template(
            "invoice_ready", header(media("document", id="d", filename="a.xls")), body("7", "$9")
        ),
        2008,
        400,
        "must be PDF, not .xls",
    ),
    "media header missing": (
        template("order_photo", body("A", "1")),
        2009,
        400,
        "IMAGE header: a header component with its image is required",
    ),
    "media header without id or link": (
        template("order_photo", header(media("image", caption="c")), body("A", "1")),
        1008,
        400,
        "header image.id or image.link",
    ),
    "location header without latitude": (
        template(
            "store_pickup",
            header({"type": "location", "location": {"longitude": 1.0}}),
            body("A"),
        ),
        1008,
        400,
        "header location.latitude",
    ),
    "dynamic url button missing": (
        template("track_package", header(text("A-42"))),
        2009,
        400,
        "button 0 is a URL button with a variable suffix",
    ),
    "url suffix with a space": (
        template("track_package", header(text("A-42")), button("url", "0", text("A 42"))),
        2010,
        400,
        "makes an invalid URL",
    ),
    "url suffix with a quote": (
        template("track_package", header(text("A-42")), button("url", "0", text('a"b'))),
        2010,
        400,
        "makes an invalid URL",
    ),
    "url button given a payload": (
        template(
            "track_package",
            header(text("A-42")),
            button("url", "0", {"type": "payload", "payload": "p"}),
        ),
        2012,
        400,
        "a URL suffix is text",
    ),
    "quick reply sub_type on a url button": (
        template("track_package", header(text("A-42")), button("quick_reply", "0")),
        2012,
        400,
        "button 0 of the template is URL, not quick_reply",
    ),
    "url sub_type on a phone button": (
        template("track_package", header(text("A-42")), TRACK, button("url", "1", text("x"))),
        2012,
        400,
        "button 1 of the template is PHONE_NUMBER, not url",
    ),
    "button index beyond the template's buttons": (
        template("appointment_confirmation", body("A", "B"), button("quick_reply", "2")),
        2000,
        400,
        "button 2: the template has 2 button(s)",
    ),
    "quick reply given text": (
        template("appointment_confirmation", body("A", "B"), button("quick_reply", "0", text("x"))),
        2012,
        400,
        "quick replies take payload",
    ),
    "payload too long": (
        template(
            "appointment_confirmation",
            body("A", "B"),
            button("quick_reply", "0", {"type": "payload", "payload": "p" * 257}),
        ),
        2004,
        400,
        "longer than 256",
    ),
    "button without index": (
        template("appointment_confirmation", body("A", "B"), {"type": "button", "sub_type": "url"}),
        1008,
        400,
        "template.components[1].index",
    ),
    "unknown component type": (
        template("hello_world", {"type": "footer", "parameters": []}),
        1009,
        400,
        "template.components[0].type",
    ),
    "two bodies": (
        template("shipping_update", SHIPPING, SHIPPING),
        1009,
        400,
        "more than one body component",
    ),
    "currency without code": (
        template(
            "shipping_update",
            {
                "type": "body",
                "parameters": [
                    text("A"),
                    {"type": "currency", "currency": {"fallback_value": "$1", "amount_1000": 1}},
                    text("B"),
                ],
            },
        ),
        1008,
        400,
        "body parameter 2.currency.code",
    ),
    "hsm parameter count": (
        hsm("shipping_update", "Alice"),
        2000,
        400,
        "body: the template has 3 parameter(s), the request gives 1",
    ),
    "hsm for a media template": (
        hsm("order_photo", "A", "1"),
        2009,
        400,
        "which hsm cannot carry",
    ),
    "hsm default with a newline": (
        hsm("shipping_update", "A", "B\nC", "D"),
        2006,
        400,
        "new-line or tab",
    ),
}


@pytest.mark.parametrize(
    ("message", "code", "status", "details"), ERRORS.values(), ids=list(ERRORS)
)
async def test_prepare_refuses_a_bad_send_with_the_real_error(
    service: TemplatesService, message: dict[str, Any], code: int, status: int, details: str
) -> None:
    with pytest.raises(ApiError) as refused:
        await service.prepare(message)
    assert refused.value.code == code, refused.value
    assert refused.value.http_status == status
    assert details in refused.value.details


# -- the cache -------------------------------------------------------------------------------


async def test_templates_load_once_and_are_cached(
    service: TemplatesService, network: Network
) -> None:
    await service.prepare(template("hello_world"))
    await service.prepare(template("shipping_update", SHIPPING))
    assert network.calls == 1
    assert service.loaded is True
    assert service.namespace == network.own
    assert service.namespaces == [network.own, SHARED_NAMESPACE]


async def test_a_miss_refetches_once_and_finds_a_new_template(
    service: TemplatesService, network: Network
) -> None:
    await service.load()
    network.store.put(
        Template(network.own, "brand_new", "en_US", components=[{"type": "BODY", "text": "New"}])
    )
    await service.prepare(template("brand_new", namespace=None))
    assert network.calls == 2
    with pytest.raises(ApiError) as missing:
        await service.prepare(template("still_missing"))
    assert missing.value.code == 2001
    assert network.calls == 3


async def test_a_stale_cache_keeps_the_old_status_until_the_next_load(
    service: TemplatesService, network: Network
) -> None:
    await service.prepare(template("hello_world"))
    found = network.store.get(SHARED_NAMESPACE, "hello_world", "en_US")
    assert found is not None
    found.status = "PAUSED"
    await service.prepare(template("hello_world"))
    await service.load()
    with pytest.raises(ApiError) as paused:
        await service.prepare(template("hello_world"))
    assert paused.value.code == 2061


async def test_fetch_failure_answers_2002_synchronously(
    service: TemplatesService, network: Network
) -> None:
    network.failing = True
    with pytest.raises(ApiError) as failed:
        await service.prepare(template("hello_world"))
    assert (failed.value.code, failed.value.http_status) == (2002, 503)
    assert "Could not fetch the message templates" in failed.value.details
    assert "not connected" in failed.value.details
    assert service.loaded is False
    network.failing = False
    await service.prepare(template("hello_world"))
    assert service.loaded is True


async def test_no_source_answers_2002() -> None:
    with pytest.raises(ApiError) as failed:
        await TemplatesService(None).prepare(template("hello_world"))
    assert failed.value.code == 2002


async def _settle(service: TemplatesService) -> None:
    for _ in range(100):
        if not service._tasks:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the template load did not finish")


async def test_every_new_connection_loads_the_templates(network: Network) -> None:
    readiness = Readiness()
    service = TemplatesService(network, readiness)
    readiness.move(Phase.CONNECTING)
    assert network.calls == 0
    readiness.move(Phase.CONNECTED)
    assert service.loaded is False
    await _settle(service)
    assert (service.loaded, network.calls) == (True, 1)
    readiness.move(Phase.DISCONNECTED)
    readiness.move(Phase.CONNECTING)
    readiness.move(Phase.CONNECTED)
    assert service.loaded is False  # until this connection's load is done
    await _settle(service)
    assert (service.loaded, network.calls) == (True, 2)
    await service.prepare(template("hello_world"))
    assert network.calls == 2


async def test_a_failed_load_on_connect_is_retried_by_the_next_send(network: Network) -> None:
    readiness = Readiness()
    service = TemplatesService(network, readiness)
    network.failing = True
    readiness.move(Phase.CONNECTING)
    readiness.move(Phase.CONNECTED)
    await _settle(service)
    assert service.loaded is False
    network.failing = False
    await service.prepare(template("hello_world"))
    assert (service.loaded, network.calls) == (True, 2)


async def test_close_cancels_a_load_under_way() -> None:
    class Hanging:
        async def call(self, op: str, args: Any = None, wait: float = 30.0) -> Any:
            await asyncio.sleep(3600)

    readiness = Readiness()
    service = TemplatesService(Hanging(), readiness)
    readiness.move(Phase.CONNECTING)
    readiness.move(Phase.CONNECTED)
    await asyncio.sleep(0)
    await asyncio.wait_for(service.close(), 1)
    assert service.loaded is False
