"""The network's message templates (docs/templates.md): the store and its namespaces, the
control API endpoints, ``templates.list`` over the coreapp socket, and what customers see."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from waemu.errors import ApiError
from waemu.network.control import create_control_app
from waemu.network.main import build
from waemu.network.server import NetworkServer
from waemu.network.templates import SHARED_NAMESPACE, Template, TemplateStore
from waemu.network.world import World, load_seed
from waemu.protocol.peer import Peer
from waemu.settings import Settings
from waemu.templating import find

CC, PHONE, VNAME = "1", "6315550100", "Acme Shop"
BUSINESS = CC + PHONE
ALICE = "16315551001"
NAMESPACE_SHAPE = re.compile(r"^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$")
SEED_COUNT = len(load_seed(None)["templates"])
BODY_ONLY = {"category": "UTILITY", "components": [{"type": "BODY", "text": "Hi {{1}}!"}]}


@dataclass
class Network:
    """A started network with its control client."""

    world: World
    server: NetworkServer
    control: httpx.AsyncClient


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Network]:
    settings = replace(Settings.from_env({"WA_DATA_DIR": str(tmp_path)}), network_port=0)
    world, server = build(settings)
    await server.start()
    transport = httpx.ASGITransport(app=create_control_app(world, server))
    async with httpx.AsyncClient(transport=transport, base_url="http://network") as control:
        try:
            yield Network(world, server, control)
        finally:
            await server.stop()


async def _refuse(op: str, _args: dict[str, Any]) -> Any:
    raise ApiError(1014, f"this test coreapp does not handle {op!r}")


@contextlib.asynccontextmanager
async def business(net: Network, *, login: bool = True) -> AsyncIterator[Peer]:
    """A coreapp-like client on a real socket: hello, and registered and logged in."""
    reader, writer = await asyncio.open_connection("127.0.0.1", net.server.port)
    peer = Peer(reader, writer, _refuse, name="client-a")
    task = asyncio.create_task(peer.run())
    try:
        await peer.call("hello", {"client_id": "client-a"}, 5)
        if login:
            issued = await net.control.post(
                "/certificates", json={"cc": CC, "phone_number": PHONE, "vname": VNAME}
            )
            args = {"cc": CC, "phone_number": PHONE, "method": "sms"}
            await peer.call("account.request_code", {**args, "cert": issued.json()["cert"]}, 5)
            code = (await net.control.get(f"/accounts/{BUSINESS}/code")).json()["code"]
            verified = await peer.call(
                "account.verify", {"cc": CC, "phone_number": PHONE, "code": code}, 5
            )
            login_args = {"wa_id": BUSINESS, "secret": verified["secret"]}
            await peer.call("account.login", login_args, 5)
        yield peer
    finally:
        peer.close()
        await asyncio.gather(task, return_exceptions=True)


def _template(namespace: str, name: str, language: str = "en_US", **extra: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "language": language, **extra}


# -- the store -------------------------------------------------------------------------------


def test_seed_templates_live_in_the_shared_namespace(tmp_path: Path) -> None:
    world = World(tmp_path)
    templates = world.templates.all()
    assert len(templates) == SEED_COUNT
    assert {t.namespace for t in templates} == {SHARED_NAMESPACE}
    assert NAMESPACE_SHAPE.match(SHARED_NAMESPACE)
    languages = {t.language for t in templates if t.name == "order_confirmation"}
    assert languages == {"en_US", "es", "pt_BR"}
    statuses = {t.name: t.status for t in templates}
    assert (statuses["summer_sale"], statuses["miracle_offer"]) == ("PAUSED", "REJECTED")
    assert (statuses["winter_sale"], statuses["loyalty_program"]) == ("DISABLED", "PENDING")


def test_namespace_of_creates_one_real_looking_namespace_per_business() -> None:
    store = TemplateStore()
    first, created = store.namespace_of(BUSINESS)
    again, created_again = store.namespace_of(BUSINESS)
    other, _ = store.namespace_of("447700900123")
    assert (created, created_again) == (True, False)
    assert first == again != other
    assert NAMESPACE_SHAPE.match(first)
    assert store.known_namespace(first) and store.known_namespace(SHARED_NAMESPACE)
    assert not store.known_namespace("nope")


def test_visible_to_shows_own_and_shared_templates_only() -> None:
    store = TemplateStore([Template(SHARED_NAMESPACE, "shared_one", "en_US")])
    mine, _ = store.namespace_of(BUSINESS)
    theirs, _ = store.namespace_of("447700900123")
    store.put(Template(mine, "mine", "en_US"))
    store.put(Template(theirs, "theirs", "en_US"))
    assert {t.name for t in store.visible_to(BUSINESS)} == {"shared_one", "mine"}
    listing = store.listing(BUSINESS)
    assert listing["namespace"] == mine
    assert listing["namespaces"] == [mine, SHARED_NAMESPACE]
    assert {t["name"] for t in listing["templates"]} == {"shared_one", "mine"}


def test_find_prefers_own_namespace_and_honours_the_language_policy() -> None:
    templates = [
        _template("own", "offer", "en_US", status="APPROVED"),
        _template("shared", "offer", "en_US"),
        _template("shared", "offer", "en_GB"),
        _template("shared", "other", "es"),
    ]
    spaces = ["own", "shared"]
    found = find(templates, spaces, namespace=None, name="offer", code="en_US")
    assert found is templates[0]
    named = find(templates, spaces, namespace="shared", name="offer", code="en_US")
    assert named is templates[1]
    assert find(templates, spaces, namespace=None, name="offer", code="en") is None
    fallback = find(templates, spaces, namespace=None, name="offer", code="en", policy="fallback")
    assert fallback is templates[0]
    assert find(templates, spaces, namespace="shared", name="other", code="es_MX") is None


async def test_templates_and_namespaces_survive_a_restart(tmp_path: Path) -> None:
    world = World(tmp_path)
    namespace, _ = world.templates.namespace_of(BUSINESS)
    world.templates.put(Template(namespace, "mine", "es", "MARKETING", "PAUSED"))
    hello = world.templates.get(SHARED_NAMESPACE, "hello_world", "en_US")
    assert hello is not None
    hello.status = "DISABLED"
    await world.save()
    again = World(tmp_path)
    assert again.templates.to_json() == world.templates.to_json()
    assert again.templates.namespace_of(BUSINESS) == (namespace, False)


async def test_state_saved_before_templates_existed_starts_with_the_seed(tmp_path: Path) -> None:
    world = World(tmp_path)
    await world.save()
    state = world.store.load()
    assert state is not None
    del state["templates"]
    await world.store.save(state)
    assert len(World(tmp_path).templates.all()) == SEED_COUNT


def test_reset_restores_seed_templates_and_keeps_namespaces_unless_accounts(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    namespace, _ = world.templates.namespace_of(BUSINESS)
    world.templates.put(Template(namespace, "mine", "en_US"))
    world.reset(accounts=False)
    assert len(world.templates.all()) == SEED_COUNT
    assert world.templates.namespace_of(BUSINESS) == (namespace, False)
    world.reset(accounts=True)
    assert world.templates.namespaces == {}


# -- templates.list over the coreapp socket -------------------------------------------------


async def test_templates_list_answers_the_logged_in_business_templates(net: Network) -> None:
    async with business(net) as peer:
        listing = await peer.call("templates.list", {}, 5)
    own = net.world.templates.namespaces[BUSINESS]
    assert listing["namespace"] == own
    assert listing["namespaces"] == [own, SHARED_NAMESPACE]
    assert len(listing["templates"]) == SEED_COUNT
    hello = next(t for t in listing["templates"] if t["name"] == "hello_world")
    assert set(hello) == {
        "namespace",
        "name",
        "language",
        "category",
        "status",
        "components",
        "rejected_reason",
    }
    saved = net.world.store.load()
    assert saved is not None and saved["templates"]["namespaces"] == {BUSINESS: own}


async def test_templates_list_refuses_an_anonymous_session(net: Network) -> None:
    async with business(net, login=False) as peer:
        with pytest.raises(ApiError) as refused:
            await peer.call("templates.list", {}, 5)
    assert refused.value.code == 1005


async def test_templates_list_fails_with_2002_while_templates_are_unavailable(
    net: Network,
) -> None:
    response = await net.control.put("/templates/unavailable", json={"active": True})
    assert response.json() == {"unavailable": True}
    async with business(net) as peer:
        with pytest.raises(ApiError) as failed:
            await peer.call("templates.list", {}, 5)
        assert failed.value.code == 2002
        await net.control.put("/templates/unavailable", json={"active": False})
        assert len((await peer.call("templates.list", {}, 5))["templates"]) == SEED_COUNT


# -- control API -----------------------------------------------------------------------------


async def test_list_templates_answers_all_and_filters(net: Network) -> None:
    listed = (await net.control.get("/templates")).json()
    assert listed["shared_namespace"] == SHARED_NAMESPACE
    assert len(listed["templates"]) == SEED_COUNT
    paused = (await net.control.get("/templates", params={"status": "paused"})).json()
    assert [t["name"] for t in paused["templates"]] == ["summer_sale"]
    named = (await net.control.get("/templates", params={"name": "order_confirmation"})).json()
    assert sorted(t["language"] for t in named["templates"]) == ["en_US", "es", "pt_BR"]


async def test_account_templates_answers_what_the_coreapp_loads(net: Network) -> None:
    assert (await net.control.get(f"/accounts/{BUSINESS}/templates")).status_code == 404
    async with business(net):
        response = await net.control.get(f"/accounts/{BUSINESS}/templates")
    assert response.status_code == 200
    body = response.json()
    assert body == net.world.templates.listing(BUSINESS)
    assert NAMESPACE_SHAPE.match(body["namespace"])


async def test_get_template_answers_one_or_404(net: Network) -> None:
    found = await net.control.get(f"/templates/{SHARED_NAMESPACE}/hello_world/en_US")
    assert found.status_code == 200
    assert found.json()["components"][0] == {
        "type": "HEADER",
        "format": "TEXT",
        "text": "Hello World",
    }
    missing = await net.control.get(f"/templates/{SHARED_NAMESPACE}/hello_world/de")
    assert missing.status_code == 404
    assert "no template hello_world in de" in missing.json()["detail"]


async def test_put_template_creates_in_a_business_namespace_and_saves(net: Network) -> None:
    async with business(net):
        namespace = (await net.control.get(f"/accounts/{BUSINESS}/templates")).json()["namespace"]
    body = {
        "category": "marketing",
        "components": [
            {"type": "header", "format": "image"},
            {"type": "BODY", "text": "Hi {{1}}, {{2}} is back in stock."},
            {"type": "FOOTER", "text": "Shop now"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "Buy", "url": "https://shop.example.com/p/{{1}}"},
                    {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+16315550100"},
                ],
            },
        ],
    }
    response = await net.control.put(f"/templates/{namespace}/back_in_stock/en_US", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert (created["category"], created["status"]) == ("MARKETING", "APPROVED")
    assert created["components"][0] == {"type": "HEADER", "format": "IMAGE"}
    assert net.world.templates.get(namespace, "back_in_stock", "en_US") is not None
    assert World(net.world.store.directory).templates.get(namespace, "back_in_stock", "en_US")
    listing = net.world.templates.listing(BUSINESS)
    assert "back_in_stock" in {t["name"] for t in listing["templates"]}


async def test_put_template_replaces_an_existing_one(net: Network) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/hello_world/en_US"
    response = await net.control.put(path, json={**BODY_ONLY, "status": "pending"})
    assert response.status_code == 200, response.text
    assert (await net.control.get(path)).json()["components"] == BODY_ONLY["components"]
    assert (await net.control.get(path)).json()["status"] == "PENDING"


@pytest.mark.parametrize(
    ("components", "complaint"),
    [
        ([{"type": "BODY", "text": "Hi {{2}}"}], "without gaps"),
        ([{"type": "BODY", "text": "a"}, {"type": "BODY", "text": "b"}], "exactly one BODY"),
        ([{"type": "HEADER", "format": "TEXT"}], "HEADER needs text"),
        ([{"type": "HEADER", "text": "x"}, {"type": "BODY", "text": "b"}], "needs a format"),
        ([{"type": "HEADER", "format": "TEXT", "text": "{{1}} {{2}}"}], "at most 1"),
        ([{"type": "HEADER", "format": "IMAGE", "text": "x"}], "has no text"),
        ([{"type": "BODY", "text": "x" * 1025}], "longer than 1024"),
        ([{"type": "BODY", "text": "b"}, {"type": "FOOTER", "text": "{{1}}"}], "at most 0"),
        ([{"type": "BODY", "text": "b"}, {"type": "BUTTONS", "buttons": []}], "1 to 10"),
        (
            [{"type": "BUTTONS", "buttons": [{"type": "URL", "text": "x", "url": "ftp://a"}]}],
            "http(s) url",
        ),
        (
            [
                {
                    "type": "BUTTONS",
                    "buttons": [{"type": "URL", "text": "x", "url": "https://a/{{1}}/b"}],
                }
            ],
            "must end the url",
        ),
        (
            [{"type": "BUTTONS", "buttons": [{"type": "PHONE_NUMBER", "text": "x"}]}],
            "needs a phone_number",
        ),
        ([{"type": "BUTTONS", "buttons": [{"type": "CALL", "text": "x"}]}], "QUICK_REPLY"),
        ([{"type": "SIDEBAR", "text": "x"}], "HEADER"),
    ],
)
async def test_put_template_rejects_a_bad_component_shape(
    net: Network, components: list[dict[str, Any]], complaint: str
) -> None:
    response = await net.control.put(
        f"/templates/{SHARED_NAMESPACE}/broken/en_US",
        json={"category": "UTILITY", "components": components},
    )
    assert response.status_code == 422
    assert complaint in response.text
    assert net.world.templates.get(SHARED_NAMESPACE, "broken", "en_US") is None


@pytest.mark.parametrize(
    ("path", "status", "complaint"),
    [
        ("/templates/unknown_namespace/fine/en_US", 404, "no namespace unknown_namespace"),
        (f"/templates/{SHARED_NAMESPACE}/Bad-Name/en_US", 400, "lowercase letters"),
        (f"/templates/{SHARED_NAMESPACE}/fine/xx_YY", 400, "xx_YY is not a supported"),
    ],
)
async def test_put_template_rejects_bad_paths(
    net: Network, path: str, status: int, complaint: str
) -> None:
    response = await net.control.put(path, json=BODY_ONLY)
    assert response.status_code == status
    assert complaint in response.json()["detail"]


async def test_put_template_rejects_unknown_category_and_status(net: Network) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/fine/en_US"
    bad_category = await net.control.put(path, json={**BODY_ONLY, "category": "SPAM"})
    assert bad_category.status_code == 422 and "category must be one of" in bad_category.text
    bad_status = await net.control.put(path, json={**BODY_ONLY, "status": "LIVE"})
    assert bad_status.status_code == 422 and "status must be one of" in bad_status.text


@pytest.mark.parametrize("status", ["paused", "DISABLED", "rejected", "pending", "approved"])
async def test_change_status_sets_it_and_saves(net: Network, status: str) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/shipping_update/en_US/status"
    response = await net.control.put(path, json={"status": status, "reason": "SCAM"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status.upper()
    expected_reason = "SCAM" if status == "rejected" else None
    assert response.json()["rejected_reason"] == expected_reason
    saved = World(net.world.store.directory).templates.get(
        SHARED_NAMESPACE, "shipping_update", "en_US"
    )
    assert saved is not None and saved.status == status.upper()


async def test_change_status_rejects_unknown_status_and_template(net: Network) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/shipping_update/en_US/status"
    assert (await net.control.put(path, json={"status": "gone"})).status_code == 422
    missing = f"/templates/{SHARED_NAMESPACE}/nothing/en_US/status"
    assert (await net.control.put(missing, json={"status": "paused"})).status_code == 404


async def test_delete_template_removes_one_language(net: Network) -> None:
    path = f"/templates/{SHARED_NAMESPACE}/order_confirmation/es"
    response = await net.control.delete(path)
    assert response.status_code == 200
    assert response.json()["deleted"]["language"] == "es"
    assert (await net.control.get(path)).status_code == 404
    assert (await net.control.get(path.replace("/es", "/pt_BR"))).status_code == 200
    assert (await net.control.delete(path)).status_code == 404
    assert len(World(net.world.store.directory).templates.all()) == SEED_COUNT - 1


# -- what the customer sees ------------------------------------------------------------------


async def test_customer_inbox_shows_the_rendered_template(net: Network) -> None:
    messaging = net.server.messaging
    assert messaging is not None
    message = {
        "id": "gBEGtemplate1",
        "to": ALICE,
        "type": "template",
        "template": {
            "namespace": SHARED_NAMESPACE,
            "name": "track_package",
            "language": {"policy": "deterministic", "code": "en_US"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "A-42"}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "A-42"}],
                },
            ],
        },
    }
    assert messaging.accept(BUSINESS, CC, message)["status"] == "sent"
    inbox = (await net.control.get(f"/customers/{ALICE}/messages")).json()["messages"]
    rendered = inbox[-1]["rendered"]
    assert rendered["header"] == "Order A-42"
    assert rendered["buttons"] == [
        {"type": "URL", "text": "Track package", "url": "https://shop.example.com/track/A-42"},
        {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+16315550100"},
    ]
    assert rendered["text"] == (
        "Order A-42\nYour package is on its way. Track it with the button below.\n"
        "[Track package]\n[Call us]"
    )


async def test_customer_inbox_shows_a_rendered_hsm(net: Network) -> None:
    messaging = net.server.messaging
    assert messaging is not None
    params = [{"default": "Alice"}, {"default": "A-42"}, {"default": "Friday"}]
    message = {
        "id": "gBEGhsm1",
        "to": ALICE,
        "type": "hsm",
        "hsm": {
            "namespace": SHARED_NAMESPACE,
            "element_name": "shipping_update",
            "language": {"policy": "deterministic", "code": "en_US"},
            "localizable_params": params,
        },
    }
    messaging.accept(BUSINESS, CC, message)
    entry = messaging.inboxes[ALICE][-1]
    assert entry["rendered"]["body"] == (
        "Hi Alice, your order A-42 has shipped and should arrive by Friday."
    )
    assert entry["rendered"]["footer"] == "Reply STOP to stop updates"


async def test_customer_inbox_marks_an_unknown_template_unrendered(net: Network) -> None:
    messaging = net.server.messaging
    assert messaging is not None
    message = {"id": "gBEGx", "to": ALICE, "type": "template", "template": {"name": "x"}}
    messaging.accept(BUSINESS, CC, message)
    assert messaging.inboxes[ALICE][-1]["rendered"] is None
    text = {"id": "gBEGt", "to": ALICE, "type": "text", "text": {"body": "hi"}}
    alice = net.world.customers.get(ALICE)
    assert alice is not None
    messaging.customer_writes(BUSINESS, alice, {"type": "text", "text": {"body": "yo"}})
    messaging.accept(BUSINESS, CC, text)
    assert "rendered" not in messaging.inboxes[ALICE][-1]
