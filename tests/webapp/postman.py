"""Meta's Postman collection: its requests for a node, sent as written.

The collection's bodies hold placeholders (``<Webhook URL, https>``, ``"true | false"``);
each is replaced by a realistic value of the same JSON type, and nothing else changes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stacks import InProcessStack, bearer

# Meta's collection is not part of this repository: WAEMU_POSTMAN_COLLECTION names its
# collection.json (docs/postman.md); without it, the tests that read it are skipped, except
# on CI, where they fail.
COLLECTION_VARIABLE = "WAEMU_POSTMAN_COLLECTION"
_DEFAULT = Path(__file__).resolve().parents[3] / "shared/conformance/postman/collection.json"
COLLECTION = Path(os.environ.get(COLLECTION_VARIABLE) or _DEFAULT)
PLACEHOLDER = re.compile(r"<[^>]*>")

# Placeholder → value, shared with the newman run of the whole collection (docs/postman.md):
# the placeholders every emulator takes as they are, the example values of those each instance
# gives out, and the recipient. Keys are the collection's strings, verbatim.
VALUES_FILE = Path(__file__).resolve().parents[2] / "conformance/postman-values.json"
_SHARED = json.loads(VALUES_FILE.read_text())
VALUES: dict[str, Any] = {
    **_SHARED["placeholders"],
    **_SHARED["examples"],
    # 03-Contacts: a seeded customer of the simulated network (network/seed.json).
    "{{Recipient-WA-ID}}": _SHARED["environment"]["Recipient-WA-ID"],
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


def require_collection() -> Path:
    """The collection's path; skips the calling test when it is missing (fails it on CI)."""
    if COLLECTION.is_file():
        return COLLECTION
    message = (
        f"Meta's Postman collection (v2.37) is not at {COLLECTION}: set {COLLECTION_VARIABLE} "
        "to the path of its collection.json to run this test (docs/postman.md)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def load_collection() -> dict[str, Any] | None:
    """The collection, or None when it is missing (safe at import time)."""
    if not COLLECTION.is_file():
        return None
    loaded: dict[str, Any] = json.loads(COLLECTION.read_text())
    return loaded


def requests_for(*paths: str) -> dict[str, PostmanRequest]:
    """The collection's requests whose path (without query) is one of ``paths``, by name.
    Inside a test only: without the collection, the test is skipped (``require_collection``)."""
    require_collection()
    collection = load_collection()
    assert collection is not None
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
