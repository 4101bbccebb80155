"""Shared pieces of the ``POST /v1/messages`` validation tests (spec §7).

* :data:`VALID`: a minimal valid body per message type;
* :func:`changed`: a body with one field set or removed, by path
  (``"interactive.action.sections[0].rows[0].title"``);
* :func:`post`: send a body with an admin token;
* :func:`postman_bodies`: the "04-Messages" bodies of Meta's Postman collection with their
  placeholders replaced by realistic values of the right JSON type.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest

from tests.registration import register
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_ok
from tests.webapp.postman import VALUES, load_collection, requests_for
from waemu.network.templates import SHARED_NAMESPACE
from waemu.storage.repos import messages as repo

CUSTOMER = "16315551001"  # a seeded customer of the simulated network
MEDIA_ID = "f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68"
VALIDATION_CODES = {1001, 1002, 1008, 1009, 1010, 1025, 2015, 2016, 2017, 2023, 2036}
"""Codes the webapp's validation answers; the coreapp's own refusals are others."""
DELETE = object()
"""Pass as the value to :func:`changed` to remove the field."""

ROW = {"id": "row-1", "title": "Row 1"}
VALID: dict[str, dict[str, Any]] = {
    "text": {"to": CUSTOMER, "type": "text", "text": {"body": "Hello"}},
    "image": {"to": CUSTOMER, "type": "image", "image": {"link": "https://127.0.0.1:9/a.jpg"}},
    "audio": {"to": CUSTOMER, "type": "audio", "audio": {"link": "https://127.0.0.1:9/a.mp3"}},
    "video": {"to": CUSTOMER, "type": "video", "video": {"link": "https://127.0.0.1:9/a.mp4"}},
    "document": {
        "to": CUSTOMER,
        "type": "document",
        "document": {"link": "https://127.0.0.1:9/a.pdf"},
    },
    "sticker": {
        "to": CUSTOMER,
        "type": "sticker",
        "sticker": {"link": "https://127.0.0.1:9/a.webp"},
    },
    "location": {
        "to": CUSTOMER,
        "type": "location",
        "location": {"latitude": 37.48, "longitude": -122.14},
    },
    "contacts": {
        "to": CUSTOMER,
        "type": "contacts",
        "contacts": [{"name": {"formatted_name": "Jane Doe", "first_name": "Jane"}}],
    },
    "list": {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pick one"},
            "action": {"button": "Options", "sections": [{"rows": [ROW]}]},
        },
    },
    "button": {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Yes or no?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]},
        },
    },
    "product": {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "product",
            "action": {"catalog_id": "cat-1", "product_retailer_id": "sku-1"},
        },
    },
    "product_list": {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "product_list",
            "header": {"type": "text", "text": "Our picks"},
            "body": {"text": "Have a look"},
            "action": {
                "catalog_id": "cat-1",
                "sections": [{"product_items": [{"product_retailer_id": "sku-1"}]}],
            },
        },
    },
    "location_request": {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": "Where are you?"},
            "action": {"name": "send_location"},
        },
    },
    "template": {
        "to": CUSTOMER,
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    },
    "hsm": {
        "to": CUSTOMER,
        "type": "hsm",
        "hsm": {
            "namespace": SHARED_NAMESPACE,
            "element_name": "hello_world",
            "language": {"policy": "deterministic", "code": "en_US"},
            "localizable_params": [],
        },
    },
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path)]


def changed(body: dict[str, Any], path: str, value: Any = DELETE) -> dict[str, Any]:
    """A deep copy of ``body`` with the field at ``path`` set to ``value`` (or removed)."""
    result = copy.deepcopy(body)
    *parents, last = _steps(path)
    target: Any = result
    for step in parents:
        target = target[step]
    if value is DELETE:
        del target[last]
    elif isinstance(last, int) and last == len(target):
        target.append(value)
    else:
        target[last] = value
    return result


def valid(kind: str, path: str | None = None, value: Any = DELETE) -> dict[str, Any]:
    """The minimal valid ``kind`` body, with one field changed when ``path`` is given."""
    return changed(VALID[kind], path, value) if path else copy.deepcopy(VALID[kind])


async def post(stack: InProcessStack, body: Any, token: str | None = None) -> httpx.Response:
    """``POST /v1/messages`` with ``body`` as JSON, as admin unless ``token`` is given."""
    token = token or await stack.api.admin_token()
    return await stack.http.post("/v1/messages", headers=bearer(token), json=body)


def case(body: Any, status: int, code: int, fragment: str, name: str) -> Any:
    """One refusal case: the body and the expected status, code and details fragment."""
    return pytest.param(body, status, code, fragment, id=name)


def prefixed(prefix: str, cases: list[Any]) -> list[Any]:
    """``cases`` with their ids prefixed, so groups of cases can share a test."""
    return [pytest.param(*c.values, id=f"{prefix}-{c.id}") for c in cases]


PROVIDER = "my-provider"  # the media provider the bodies with a link name


async def ready_to_send(stack: InProcessStack) -> str:
    """Register the number and set up the media provider the bodies name; an admin token."""
    token = await stack.api.admin_token()
    await register(stack, token)
    provider = [{"name": PROVIDER, "type": "www", "config": {"bearer": "s3cr3t-token"}}]
    response = await stack.http.post(
        "/v1/settings/application/media/providers", headers=bearer(token), json=provider
    )
    assert response.status_code == 200, response.text
    return token


async def sent(stack: InProcessStack, body: Any) -> str:
    """Send ``body`` to a registered number; it must be answered 201. Returns the id."""
    token = await ready_to_send(stack)
    response = await post(stack, body, token)
    (message,) = assert_ok(response, 201)["messages"]
    assert set(message) == {"id"}
    assert len(message["id"]) == 27 and message["id"].startswith("gBEG"), message
    message_id: str = message["id"]
    return message_id


def assert_validated(response: httpx.Response) -> None:
    """The body passed validation: 201, or a refusal of the coreapp's own (template
    checks 2xxx, unknown media 1006), never a validation code."""
    if response.status_code == 201:
        return
    code = response.json()["errors"][0]["code"]
    assert code not in VALIDATION_CODES and (code >= 2000 or code == 1006), response.text


async def stored(stack: InProcessStack, message_id: str) -> dict[str, Any]:
    """The message as the coreapp stored it (it is written in batches: wait for it)."""
    assert stack.core.messages is not None
    for _ in range(250):
        async with stack.core.messages.sessions() as session:
            row = await repo.get(session, message_id)
        if row is not None:
            content: dict[str, Any] = orjson.loads(row.content)
            return content
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} was not stored")


# -- Meta's Postman collection -----------------------------------------------------------

# Placeholders whose value needs a JSON type or format; the others are free text and become
# their own words without the brackets ("<Button 1>" → "Button 1"), which keeps ids unique.
TYPED_VALUES: dict[str, Any] = {
    **VALUES,
    "<Latitude>": 37.4847,
    "<Longitude>": -122.1477,
    "<Contact's Birthday>": "1990-06-15",
    "<Contact's Address Type>": "HOME",
    "<Contact's Email Type>": "WORK",
    "<Contact's Phone Number Type>": "CELL",
    "<Contact's Email>": "jane@example.com",
    "<Contact's Phone Number>": "+1 (631) 555-1002",
    "<Contact's Country Code>": "us",
    "<Media Id, from Media API>": MEDIA_ID,
    "<Sticker Media ID>": MEDIA_ID,
    "<Link to Image, https>": "https://127.0.0.1:9/media/photo.jpg",
    "<Link to Audio, https>": "https://127.0.0.1:9/media/voice.mp3",
    "<Link to Video, https>": "https://127.0.0.1:9/media/clip.mp4",
    "<Link to PDF, https>": "https://127.0.0.1:9/media/invoice.pdf",
    "<Image Link>": "https://127.0.0.1:9/media/sticker.webp",
    "<Media HTTPS URL>": "https://127.0.0.1:9/media/header.jpg",
    # The collection leaves this placeholder unclosed.
    "<Provider Name from Media Provider API, optional": PROVIDER,
    "<Filename>": "invoice.pdf",
    "<Message Text With URL>": "See https://www.whatsapp.com",
    # The seeded templates' namespace, which every business of the network may use.
    "<Message Template Namespace>": SHARED_NAMESPACE,
    "<Message Template Element Name>": "hello_world",
    "<Message Template Language Policy>": "deterministic",
    "<Message Template Language Code>": "en_US",
    "<param type>": "text",
}
_FREE_TEXT = re.compile(r"<([^<>]+)>")


def _substitute(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    if isinstance(value, str):
        if value in TYPED_VALUES:
            return TYPED_VALUES[value]
        text = _FREE_TEXT.sub(lambda m: m.group(1).replace("'", ""), value)
        assert "<" not in text, f"unknown Postman placeholder {value!r}"
        return text
    return value


@dataclass(frozen=True)
class PostmanBody:
    """One "04-Messages" send of the collection, placeholders replaced."""

    name: str
    path: str
    body: dict[str, Any]

    @property
    def checked_later(self) -> bool:
        """True when the coreapp may still refuse it: media ids and templates."""
        kind = self.body.get("type")
        content = self.body.get(str(kind))
        return kind == "template" or (isinstance(content, dict) and "id" in content)


def postman_bodies() -> list[PostmanBody]:
    """Every ``POST /v1/messages`` body of the collection; none when it is missing (this runs
    at collection time, where a test cannot be skipped yet)."""
    if load_collection() is None:
        return []
    found = requests_for("/v1/messages")
    return [
        PostmanBody(name, request.path, _substitute(json.loads(request.raw)))
        for name, request in sorted(found.items())
        if request.method == "POST" and request.raw
    ]
