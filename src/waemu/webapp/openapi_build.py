"""Building ``/openapi.json`` from the operation table (webapp/openapi.py) and the routes.

The routes give each operation its path, method, name, tag and description; the table
everything else. Pydantic models become component schemas (``#/components/schemas``), and
every error answer refers to one component: the On-Premises error envelope (spec §2.3).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from waemu.settings import Settings
from waemu.webapp import openapi
from waemu.webapp.openapi import ADMIN, BASIC, MONITOR, Operation, Source
from waemu.webapp.schemas import (
    interactive,
    message_contacts,
    message_location,
    responses,
    templates,
)
from waemu.webapp.schemas import message_media as media
from waemu.webapp.schemas import messages as message_models
from waemu.webapp.schemas import requests as request_schemas
from waemu.webapp.schemas.responses import Schema

REF = "#/components/schemas/{model}"
# The object each message type carries (webapp/schemas/messages.py validates them).
MESSAGE_PARTS: dict[str, type[BaseModel] | TypeAdapter[Any]] = {
    "text": message_models.Text,
    **media.MEDIA_MODELS,
    "location": message_location.Location,
    "contacts": message_contacts.CONTACTS,
    "interactive": interactive.Interactive,
    "template": templates.Template,
    "hsm": templates.Hsm,
    "context": message_models.Context,
}
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "basic": {"type": "http", "scheme": "basic"},
    "apikey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The header's value is 'Apikey <WA_API_KEY>' (spec §2.2).",
    },
}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    BASIC: [{"basic": []}],
    MONITOR: [{"bearer": []}, {"apikey": []}],
}
# The statuses every operation can answer, with what they mean there.
SHARED_ERRORS = {
    400: "A parameter or the body is not valid: missing (1008), invalid (1009), unexpected "
    "(1010), or not JSON (1025). Text holding U+0000 is always refused (1009).",
    401: "Credentials missing, malformed, expired or revoked (1005).",
    500: "Internal error (1000, 1014): the coreapp failed or cannot be reached.",
    503: "Not ready (1011): the coreapp is starting, or the operation needs a registered "
    "number connected to the network; or overloaded (1016).",
}
BODY_ERRORS = {
    413: "The body is larger than the limit (1025).",
    415: "The body is not application/json (1025).",
}
DESCRIPTION = """\
An emulator of the WhatsApp Business On-Premises API. Every JSON answer is the
On-Premises envelope: a success carries its payload and `meta`, a failure `errors` (one
error of the catalogue: code, title, details) and `meta`. Text anywhere (body, path, query)
may not hold U+0000 (400/1009).
"""


def errors_of(operation: Operation) -> dict[int, str]:
    """The error statuses of ``operation``: the shared ones and its own."""
    found = dict(SHARED_ERRORS)
    if operation.access == ADMIN:
        found[403] = "The token is not the admin's (1005)."
    if operation.body is not None:
        found[413] = BODY_ERRORS[413]
        if "application/json" in operation.body.content:
            found[415] = BODY_ERRORS[415]
    for status, meaning in operation.errors.items():
        found[status] = f"{found[status]} {meaning}" if status in found else meaning
    return dict(sorted(found.items()))


def documented_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """``(method, path, route)`` for every operation the document lists (HEAD is implicit).

    FastAPI keeps included routers nested; their route contexts give each route as served.
    """
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path
        if isinstance(route, APIRoute) and route.include_in_schema and path is not None:
            for method in sorted(set(context.methods or ()) - {"HEAD"}):
                yield method, path, route


class Builder:
    """The document of one application; pydantic models collected as components."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        adapters = {name: _adapter(model) for name, model in MESSAGE_PARTS.items()}
        for model in [s for op in openapi.OPERATIONS.values() for s in _sources(op)]:
            if isinstance(model, type):
                adapters.setdefault(model.__name__, TypeAdapter(model))
        mode: JsonSchemaMode = "validation"
        keys, top = TypeAdapter.json_schemas(
            [(name, mode, adapter) for name, adapter in adapters.items()], ref_template=REF
        )
        self.refs = {name: schema for (name, _mode), schema in keys.items()}
        self.components: dict[str, Schema] = dict(top.get("$defs", {}))
        clash = set(self.components) & set(responses.COMPONENTS)
        assert not clash, f"component names used twice: {clash}"
        self.components.update(responses.COMPONENTS)
        request_schemas.postman_shapes(self.components)
        parts = {kind: self.refs[kind] for kind in MESSAGE_PARTS}
        self.message = request_schemas.message(parts)

    def schema(self, source: Source) -> Schema:
        """The JSON schema of a body source."""
        if source == openapi.MESSAGE:
            return self.message
        if isinstance(source, type):
            return self.refs[source.__name__]
        if callable(source):
            return source(self.settings)
        assert isinstance(source, dict)
        return source

    def operation(self, route: APIRoute, op: Operation) -> dict[str, Any]:
        """The operation object."""
        doc = inspect.cleandoc(route.description or "")
        if op.notes:
            doc = f"{doc}\n\n{op.notes}" if doc else op.notes
        found: dict[str, Any] = {
            "tags": list(route.tags),
            "summary": route.name.replace("_", " ").capitalize(),
            "description": doc,
            "operationId": route.name,
        }
        parameters = self.parameters(route, op)
        if parameters:
            found["parameters"] = parameters
        if op.body is not None:
            content: dict[str, Any] = {}
            for media_type, source in op.body.content.items():
                schema = self.schema(source)
                if op.body.nullable:
                    schema = {"anyOf": [schema, {"type": "null"}]}
                content[media_type] = {"schema": schema}
                if op.body.example is not None:
                    content[media_type]["example"] = op.body.example
            found["requestBody"] = {"required": op.body.required, "content": content}
        answers: dict[str, Any] = {}
        for status, answer in op.ok.items():
            answers[str(status)] = _answer(answer.description, answer.content)
            if op.links:
                answers[str(status)]["links"] = {
                    name: {"operationId": name, "parameters": dict(parameters)}
                    for name, parameters in op.links.items()
                }
        for status, meaning in errors_of(op).items():
            envelope = {"application/json": {"$ref": REF.format(model="ErrorResponse")}}
            error = {} if status in op.bare else envelope
            answers[str(status)] = _answer(meaning, error)
        found["responses"] = answers
        found["security"] = SECURITY.get(op.access, [{"bearer": []}])
        return found

    def parameters(self, route: APIRoute, op: Operation) -> list[dict[str, Any]]:
        """Path parameters (strings unless the table says otherwise), then query ones."""
        found = []
        for name in route.param_convertors:
            schema = op.path.get(name, {"type": "string", "minLength": 1})
            found.append({"name": name, "in": "path", "required": True, "schema": schema})
        for name, schema in op.query.items():
            found.append({"name": name, "in": "query", "required": False, "schema": schema})
        for name, schema in op.headers.items():
            found.append({"name": name, "in": "header", "required": False, "schema": schema})
        return found


def _answer(description: str, content: Mapping[str, Schema]) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if content:
        answer["content"] = {kind: {"schema": schema} for kind, schema in content.items()}
    return answer


def _adapter(model: type[BaseModel] | TypeAdapter[Any]) -> TypeAdapter[Any]:
    return model if isinstance(model, TypeAdapter) else TypeAdapter(model)


def _sources(op: Operation) -> list[Source]:
    return list(op.body.content.values()) if op.body is not None else []


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``: every documented route, from the table."""
    settings: Settings = app.state.services.settings
    builder = Builder(settings)
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route in documented_routes(app):
        op = openapi.OPERATIONS[(method, path)]
        paths.setdefault(path, {})[method.lower()] = builder.operation(route, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": app.title, "version": app.version, "description": DESCRIPTION},
        "paths": paths,
        "components": {"schemas": builder.components, "securitySchemes": SECURITY_SCHEMES},
    }


def install(app: FastAPI) -> None:
    """Serve :func:`document` as ``app``'s OpenAPI document, built on first use."""

    def cached() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = cached  # type: ignore[method-assign]
