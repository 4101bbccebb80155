"""The OpenAPI document (webapp/openapi.py): complete, well formed, and true to the bodies
clients send. tests/e2e/test_fuzz.py checks it against the running server."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from schemathesis.core.result import Ok

from tests.webapp.postman import (
    PLACEHOLDER,
    VALUES,
    PostmanRequest,
    load_collection,
    require_collection,
)
from waemu.coreapp.services import (
    backup,
    media_providers,
    media_types,
    profile,
    rules,
    settings,
    stickerpacks,
)
from waemu.settings import Settings
from waemu.webapp import openapi
from waemu.webapp.app import create_app
from waemu.webapp.openapi_build import documented_routes
from waemu.webapp.schemas import requests

ERROR_RESPONSE = {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The document of an application with the default settings."""
    found: dict[str, Any] = create_app(Settings()).openapi()
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(method, path, operation)`` for every operation of ``document``."""
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A validator of ``schema``, whose references point into ``document``."""
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


def request_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The JSON schema of an operation's request body."""
    body = document["paths"][path][method.lower()]["requestBody"]
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    app = create_app(Settings())
    served = {(method, path) for method, path, _route in documented_routes(app)}
    assert len(served) == 62
    assert served - set(openapi.OPERATIONS) == set(), "routes without an entry"
    assert set(openapi.OPERATIONS) - served == set(), "entries without a route"


def test_document_lists_every_operation_once_with_a_unique_id(document: dict[str, Any]) -> None:
    found = operations(document)
    assert {(method, path) for method, path, _op in found} == set(openapi.OPERATIONS)
    ids = [operation["operationId"] for _method, _path, operation in found]
    assert len(ids) == len(set(ids)) == 62


def test_no_operation_documents_422_or_an_empty_default_answer(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        answers = operation["responses"]
        assert "422" not in answers, (method, path)
        assert "default" not in answers, (method, path)
        successes = [status for status in answers if status.startswith("2")]
        assert successes, (method, path)
        for status in successes:
            assert answers[status].get("content"), (method, path, status)


def test_every_error_answer_is_the_envelope_unless_it_has_no_body(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            bare = int(status) in openapi.OPERATIONS[(method, path)].bare
            expected = None if bare else {"application/json": {"schema": ERROR_RESPONSE}}
            assert answer.get("content") == expected, (method, path, status)
        for shared in ("400", "401", "500", "503"):
            assert shared in operation["responses"], (method, path, shared)


def test_every_success_json_answer_carries_meta(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if int(status) < 300 and schema is not None:
                assert "meta" in schema["required"], (method, path, status)
                assert schema["properties"]["meta"] == {"$ref": "#/components/schemas/Meta"}


def test_error_envelope_validates_a_real_error_body(document: dict[str, Any]) -> None:
    body = {
        "errors": [{"code": 1006, "title": "Resource not found", "details": "No such user"}],
        "meta": {"api_status": "stable", "version": "v2.53.2"},
    }
    assert validator(document, ERROR_RESPONSE).is_valid(body)
    assert not validator(document, ERROR_RESPONSE).is_valid({"meta": body["meta"]})


def test_security_is_basic_for_login_apikey_for_monitoring_bearer_else(
    document: dict[str, Any],
) -> None:
    monitoring = {"/v1/health", "/metrics", "/v1/metrics"}
    for method, path, operation in operations(document):
        if path == "/v1/users/login":
            assert operation["security"] == [{"basic": []}]
        elif path in monitoring or path.startswith("/v1/stats/"):
            assert operation["security"] == [{"bearer": []}, {"apikey": []}]
        else:
            assert operation["security"] == [{"bearer": []}], (method, path)
        if operation["security"] != [{"basic": []}]:
            assert "401" in operation["responses"]


def test_text_message_validates_against_the_documented_send_schema(
    document: dict[str, Any],
) -> None:
    schema = validator(document, request_schema(document, "POST", "/v1/messages"))
    assert schema.is_valid({"to": "16315551234", "type": "text", "text": {"body": "Hello"}})
    assert schema.is_valid({"to": "+1 631-555-1234", "text": {"body": "Hi"}, "preview_url": True})
    assert schema.is_valid(
        {"to": "16315551234", "type": "image", "image": {"id": "f043afd0-f0ae-4b9c-ab3d-696f"}}
    )
    assert not schema.is_valid({"to": "16315551234", "type": "text"})
    assert not schema.is_valid({"to": "16315551234", "text": {"body": "x"}, "extra": 1})
    assert not schema.is_valid({"to": "16315551234", "type": "image", "text": {"body": "x"}})


def test_documented_examples_validate_against_their_schemas(document: dict[str, Any]) -> None:
    checked = 0
    for _method, _path, operation in operations(document):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            if "example" in content:
                assert validator(document, content["schema"]).is_valid(content["example"])
                checked += 1
    assert checked >= 1


def test_schemathesis_loads_every_operation_without_errors(document: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    loaded = list(schema.get_all_operations())
    assert len(loaded) == 62
    problems = [result for result in loaded if not isinstance(result, Ok)]
    assert problems == []


async def test_openapi_json_is_served_and_built_once() -> None:
    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as http:
        first = await http.get("/openapi.json")
        second = await http.get("/openapi.json")
    assert first.status_code == 200
    assert first.json() == second.json()
    assert first.json()["openapi"] == "3.1.0"
    assert app.openapi() is app.openapi()


def test_contacts_schema_carries_the_configured_maximum() -> None:
    document = create_app(Settings(contacts_max_per_call=7)).openapi()
    schema = request_schema(document, "POST", "/v1/contacts")
    assert schema["properties"]["contacts"]["maxItems"] == 7


def test_documented_limits_are_the_coreapps() -> None:
    assert requests.INT32_MAX == rules.INT32_MAX
    assert requests.MAX_URL_LENGTH == rules.MAX_URL_LENGTH
    assert requests.LOG_LEVELS == settings.LOG_LEVELS
    assert requests.AUTO_DOWNLOAD_TYPES == settings.AUTO_DOWNLOAD_TYPES
    assert requests.MAX_CONCURRENT_REQUESTS == settings.MAX_CONCURRENT_REQUESTS
    assert requests.MAX_CREDENTIAL_LENGTH == media_providers.MAX_CREDENTIAL_LENGTH
    assert requests.MAX_BEARER_LENGTH == media_providers.MAX_BEARER_LENGTH
    assert requests.MAX_ABOUT == profile.MAX_ABOUT
    assert requests.MAX_ENTITY_TEXT == profile.MAX_ENTITY_TEXT
    assert requests.VERTICALS == profile.VERTICALS
    assert requests.ENTITY_TYPES == profile.ENTITY_TYPES
    assert requests.MAX_PACK_TEXT == stickerpacks.MAX_TEXT
    assert requests.MAX_STORE_LINK == stickerpacks.MAX_LINK
    assert requests.APP_STORE_HOSTS == stickerpacks.APP_STORE_HOSTS
    assert requests.PLAY_STORE_HOSTS == stickerpacks.PLAY_STORE_HOSTS
    assert requests.MAX_EMOJIS == stickerpacks.MAX_EMOJIS
    assert requests.MAX_BACKUP_PASSWORD == backup.MAX_PASSWORD
    listed = media_types.AUDIO_TYPES + media_types.IMAGE_TYPES + media_types.VIDEO_TYPES
    assert set(listed + media_types.STICKER_TYPES) <= set(requests.UPLOAD_TYPES)


# -- Meta's Postman collection --------------------------------------------------------------


def _template(document: dict[str, Any], method: str, path: str) -> str | None:
    """The document's path template that ``path`` is an instance of, for ``method``."""
    for template, item in document["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if method.lower() in item and re.fullmatch(pattern, path):
            return template
    return None


def postman_requests() -> list[PostmanRequest]:
    """Every request of the collection with a raw body, its path's placeholders replaced."""
    require_collection()
    collection = load_collection()
    assert collection is not None
    found = []
    pending = list(collection["item"])
    while pending:
        item = pending.pop(0)
        if "item" in item:
            pending[:0] = item["item"]
            continue
        request = item["request"]
        body = request.get("body") or {}
        if body.get("mode") != "raw" or not body.get("raw"):
            continue
        url = request["url"] if isinstance(request["url"], str) else request["url"]["raw"]
        path = url.removeprefix("{{URL}}")
        for placeholder, value in VALUES.items():
            if isinstance(value, str):
                path = path.replace(placeholder, value)
        headers = {h["key"]: h["value"] for h in request.get("header", [])}
        found.append(
            PostmanRequest(item["name"], request["method"], path, headers, "raw", body["raw"])
        )
    return found


def _filled(value: Any) -> Any:
    """A Postman body with its placeholders replaced: the shared values where there is one
    (tests/webapp/postman.py), else the placeholder's own words (``<Header Text>`` →
    ``Header Text``): the interactive examples leave their texts and ids to the reader."""
    if isinstance(value, dict):
        return {key: _filled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item) for item in value]
    if isinstance(value, str):
        if value in VALUES:
            return VALUES[value]
        return PLACEHOLDER.sub(lambda match: match.group(0)[1:-1], value)
    return value


def test_postman_bodies_validate_against_the_documented_schemas(
    document: dict[str, Any],
) -> None:
    checked = []
    for request in postman_requests():
        path = request.path.split("?", 1)[0].rstrip("/")
        template = _template(document, request.method, path)
        assert template is not None, (request.name, request.method, request.path)
        operation = document["paths"][template][request.method.lower()]
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        body = _filled(json.loads(request.raw or "null"))
        assert not PLACEHOLDER.search(json.dumps(body)), request.name
        schema = validator(document, content["application/json"]["schema"])
        errors = [error.message for error in schema.iter_errors(body)]
        assert errors == [], (request.name, body)
        checked.append(request.name)
    assert len(checked) >= 20, checked
