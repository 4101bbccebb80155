"""Meta's Postman collection: its requests for a node, sent as written.

The collection's bodies hold placeholders (``<Webhook URL, https>``, ``"true | false"``);
each is replaced by a realistic value of the same JSON type, and nothing else changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stacks import InProcessStack, bearer

COLLECTION = Path(__file__).resolve().parents[3] / "shared/conformance/postman/collection.json"
PLACEHOLDER = re.compile(r"<[^>]*>")

# Placeholder → value. Keys are the collection's strings, verbatim.
VALUES: dict[str, Any] = {
    "<Webhook URL, https>": "https://example.com/webhook",
    "<Provider Name>": "my-provider",
    "<Bearer Auth Token>": "bearer-token-123",
    "<About Profile>": "We sell butterflies",
    "<Business Profile Address>": "1 Hacker Way, Menlo Park, CA",
    "<Business Profile Description>": "We sell butterflies.",
    "<Business Profile Email>": "butterflies@example.com",
    "<Business Profile Vertical>": "Shopping and Retail",
    "<Business Entity Name>": "Lucky Shrub",
    "<Business Entity Type: 'Limited liability partnership' | 'Sole proprietorship' | "
    "'Partnership' | 'Public Company' | 'Private Company' | 'Other' >": "Partnership",
    "<Use when entity_type is set to 'Other' or 'Partnership' >": "General partnership",
    "true | false": True,
    "<customer care email address>": "support@example.com",
    "<customer care landline number>": "+913857614343",
    "<customer care mobile number>": "+913854559033",
    "<grievance officer name>": "Chandravati P.",
    "<grievance officer email address>": "chandravati@example.com",
    "<grievance officer landline number>": "+913857614344",
    "<grievance officer mobile number>": "+913854559034",
    # 03-Contacts: a seeded customer of the simulated network (network/seed.json).
    "{{Recipient-WA-ID}}": "16315551001",
    "<false (default) | true>": False,
    "<identity hash>": "UKD6Y/5SqDU=",
}


@dataclass(frozen=True)
class PostmanRequest:
    """One request of the collection."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    mode: str | None
    raw: str | None

    def body(self) -> Any:
        """The JSON body with its placeholders replaced."""
        assert self.raw is not None
        return _substitute(json.loads(self.raw))


def _substitute(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    if isinstance(value, str):
        if value in VALUES:
            return VALUES[value]
        assert not PLACEHOLDER.search(value), f"unknown Postman placeholder {value!r}"
    return value


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        found.extend(_items(item["item"]) if "item" in item else [item])
    return found


def requests_for(*paths: str) -> dict[str, PostmanRequest]:
    """The collection's requests whose path (without query) is one of ``paths``, by name."""
    if not COLLECTION.is_file():
        pytest.skip(f"the Postman collection is not at {COLLECTION}")
    collection = json.loads(COLLECTION.read_text())
    found: dict[str, PostmanRequest] = {}
    for item in _items(collection["item"]):
        request = item["request"]
        url = request["url"] if isinstance(request["url"], str) else request["url"]["raw"]
        path = url.removeprefix("{{URL}}")
        for placeholder, value in VALUES.items():
            if isinstance(value, str):
                path = path.replace(placeholder, value)
        if path.split("?", 1)[0].rstrip("/") not in paths:
            continue
        body = request.get("body") or {}
        found[item["name"]] = PostmanRequest(
            item["name"],
            request["method"],
            path,
            {h["key"]: h["value"] for h in request.get("header", [])},
            body.get("mode"),
            body.get("raw"),
        )
    return found


async def send(
    stack: InProcessStack, request: PostmanRequest, token: str, file: bytes = b""
) -> httpx.Response:
    """Send ``request`` with its own headers, the admin token, and its body (or ``file``)."""
    headers = {**request.headers, **bearer(token)}
    if request.mode == "file":
        content = file
    elif request.raw:
        content = json.dumps(request.body()).encode()
    else:
        content = b""
    return await stack.http.request(request.method, request.path, headers=headers, content=content)
