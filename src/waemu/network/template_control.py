"""Control API endpoints for message templates: what WhatsApp Business Manager does for a real
business (create, review, pause, disable, delete), plus a switch that makes template fetches
fail or slow (the coreapp's startup waits for its template load, spec §12). Included by
``control.create_control_app``; listed in docs/templates.md and docs/readiness.md.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from waemu import templating
from waemu.network.server import NetworkServer
from waemu.network.templates import (
    CATEGORIES,
    LANGUAGES,
    SHARED_NAMESPACE,
    STATUSES,
    Template,
    TemplateStore,
)
from waemu.network.world import World

NAME = re.compile(r"^[a-z0-9_]{1,512}$")
PHONE = re.compile(r"^\+?[0-9]{6,20}$")
# Graph API limits of template creation (docs/templates.md).
HEADER_LIMIT, BODY_LIMIT, FOOTER_LIMIT, BUTTON_TEXT_LIMIT, MAX_BUTTONS = 60, 1024, 60, 25, 10


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _numbered(text: str, most: int | None = None) -> str:
    """``text`` if its placeholders run {{1}}..{{n}} (and n <= ``most``)."""
    found = {int(n) for n in templating.PLACEHOLDER.findall(text)}
    if found != set(range(1, len(found) + 1)):
        raise ValueError("placeholders must be numbered {{1}}, {{2}}, ... without gaps")
    if most is not None and len(found) > most:
        raise ValueError(f"at most {most} placeholder(s) allowed here")
    return text


class ButtonBody(BaseModel):
    """One button of a ``BUTTONS`` component."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["QUICK_REPLY", "URL", "PHONE_NUMBER"]
    text: str = Field(min_length=1, max_length=BUTTON_TEXT_LIMIT)
    url: str | None = Field(default=None, max_length=2000)
    phone_number: str | None = None

    _upper_type = field_validator("type", mode="before")(_upper)

    @model_validator(mode="after")
    def _shape(self) -> ButtonBody:
        if self.type == "URL":
            if self.url is None or not re.match(r"^https?://[^\s/]+", self.url):
                raise ValueError("a URL button needs an http(s) url")
            _numbered(self.url, 1)
            if templating.placeholders(self.url) and not self.url.endswith("{{1}}"):
                raise ValueError("a URL button's {{1}} must end the url")
        elif self.url is not None:
            raise ValueError(f"a {self.type} button has no url")
        if self.type == "PHONE_NUMBER":
            if self.phone_number is None or not PHONE.match(self.phone_number):
                raise ValueError("a PHONE_NUMBER button needs a phone_number like +16315550100")
        elif self.phone_number is not None:
            raise ValueError(f"a {self.type} button has no phone_number")
        return self


class ComponentBody(BaseModel):
    """One component in the Graph API shape."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["HEADER", "BODY", "FOOTER", "BUTTONS"]
    format: Literal["TEXT", "IMAGE", "DOCUMENT", "VIDEO", "LOCATION"] | None = None
    text: str | None = None
    buttons: list[ButtonBody] | None = None
    example: dict[str, Any] | None = None  # Graph API sample values; kept, not used

    _upper_type = field_validator("type", "format", mode="before")(_upper)

    @model_validator(mode="after")
    def _shape(self) -> ComponentBody:
        if self.type != "HEADER" and self.format is not None:
            raise ValueError(f"{self.type} has no format")
        if self.type != "BUTTONS" and self.buttons is not None:
            raise ValueError(f"{self.type} has no buttons")
        if self.type == "HEADER":
            self._header()
        elif self.type == "BODY":
            _numbered(self._text(BODY_LIMIT))
        elif self.type == "FOOTER":
            _numbered(self._text(FOOTER_LIMIT), 0)
        else:
            if self.text is not None or not self.buttons or len(self.buttons) > MAX_BUTTONS:
                raise ValueError(f"BUTTONS needs 1 to {MAX_BUTTONS} buttons and no text")
        return self

    def _header(self) -> None:
        if self.format is None:
            raise ValueError("HEADER needs a format")
        if self.format == "TEXT":
            _numbered(self._text(HEADER_LIMIT), 1)
        elif self.text is not None:
            raise ValueError(f"a {self.format} header has no text")

    def _text(self, limit: int) -> str:
        if not self.text:
            raise ValueError(f"{self.type} needs text")
        if len(self.text) > limit:
            raise ValueError(f"{self.type} text is longer than {limit} characters")
        return self.text


class TemplateBody(BaseModel):
    """``PUT /templates/{namespace}/{name}/{language}``: the template to create or replace."""

    model_config = ConfigDict(extra="forbid")

    category: str = "UTILITY"
    status: str = "APPROVED"
    components: list[ComponentBody] = Field(min_length=1)
    rejected_reason: str | None = None

    _upper_fields = field_validator("category", "status", mode="before")(_upper)

    @model_validator(mode="after")
    def _shape(self) -> TemplateBody:
        if self.category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        kinds = [c.type for c in self.components]
        if kinds.count("BODY") != 1:
            raise ValueError("a template has exactly one BODY")
        if any(kinds.count(k) > 1 for k in ("HEADER", "FOOTER", "BUTTONS")):
            raise ValueError("a template has at most one HEADER, FOOTER and BUTTONS")
        return self


class StatusBody(BaseModel):
    """``PUT .../status``: the review outcome or quality decision."""

    model_config = ConfigDict(extra="forbid")

    status: str
    reason: str | None = None

    _upper_status = field_validator("status", mode="before")(_upper)

    @model_validator(mode="after")
    def _known(self) -> StatusBody:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        return self


class UnavailableBody(BaseModel):
    """``PUT /templates/unavailable``: whether template fetches fail."""

    model_config = ConfigDict(extra="forbid")

    active: bool


class DelayBody(BaseModel):
    """``PUT /templates/delay``: how long template fetches take."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, le=600)


LIST_OP = "templates.list"


def create_router(world: World, server: NetworkServer | None = None) -> APIRouter:
    """The template endpoints of the control API for ``world`` (and ``server``'s delays)."""
    router = APIRouter(tags=["templates"])

    def store() -> TemplateStore:
        return world.templates  # looked up each time: a reset replaces the store

    def existing(namespace: str, name: str, language: str) -> Template:
        found = store().get(namespace, name, language)
        if found is None:
            raise HTTPException(404, f"no template {name} in {language} in namespace {namespace}")
        return found

    @router.get("/templates")
    async def list_templates(
        namespace: str | None = None, name: str | None = None, status: str | None = None
    ) -> dict[str, Any]:
        """Every template (filtered), and the shared namespace of the seeded ones."""
        found = [
            t.to_json()
            for t in store().all()
            if (namespace is None or t.namespace == namespace)
            and (name is None or t.name == name)
            and (status is None or t.status == status.upper())
        ]
        return {"shared_namespace": SHARED_NAMESPACE, "templates": found}

    @router.get("/accounts/{wa_id}/templates")
    async def account_templates(wa_id: str) -> dict[str, Any]:
        """What the business's coreapp loads: its namespace, the shared one, their templates."""
        if world.accounts.get(wa_id) is None:
            raise HTTPException(404, f"no account {wa_id}")
        _, created = store().namespace_of(wa_id)
        if created:
            await world.save()
        return store().listing(wa_id)

    @router.put("/templates/unavailable")
    async def unavailable(body: UnavailableBody) -> dict[str, Any]:
        """Make ``templates.list`` fail (coreapps then answer 2002) or work again."""
        store().unavailable = body.active
        return {"unavailable": body.active}

    @router.put("/templates/delay")
    async def delay(body: DelayBody) -> dict[str, Any]:
        """Make ``templates.list`` answer only after ``seconds`` (0: at once again)."""
        if server is None:
            raise HTTPException(503, "no coreapp socket to slow down")
        if body.seconds > 0:
            server.delays[LIST_OP] = body.seconds
        else:
            server.delays.pop(LIST_OP, None)
        return {"seconds": body.seconds}

    @router.get("/templates/{namespace}/{name}/{language}")
    async def get_template(namespace: str, name: str, language: str) -> dict[str, Any]:
        """One template."""
        return existing(namespace, name, language).to_json()

    @router.put("/templates/{namespace}/{name}/{language}")
    async def put_template(
        namespace: str, name: str, language: str, body: TemplateBody
    ) -> dict[str, Any]:
        """Create or replace a template (validated like Business Manager's form)."""
        if not store().known_namespace(namespace):
            raise HTTPException(
                404, f"no namespace {namespace}: see GET /accounts/{{wa_id}}/templates"
            )
        if not NAME.match(name):
            raise HTTPException(400, "name: lowercase letters, digits and underscores only")
        if language not in LANGUAGES:
            raise HTTPException(400, f"language {language} is not a supported template language")
        template = Template(
            namespace=namespace,
            name=name,
            language=language,
            category=body.category,
            status=body.status,
            components=[c.model_dump(exclude_none=True) for c in body.components],
            rejected_reason=body.rejected_reason,
        )
        store().put(template)
        await world.save()
        return template.to_json()

    @router.put("/templates/{namespace}/{name}/{language}/status")
    async def change_status(
        namespace: str, name: str, language: str, body: StatusBody
    ) -> dict[str, Any]:
        """Approve, reject, pause or disable; coreapps see it on their next template load."""
        template = existing(namespace, name, language)
        template.status = body.status
        template.rejected_reason = body.reason if body.status == "REJECTED" else None
        await world.save()
        return template.to_json()

    @router.delete("/templates/{namespace}/{name}/{language}")
    async def delete_template(namespace: str, name: str, language: str) -> dict[str, Any]:
        """Delete one language of a template."""
        existing(namespace, name, language)
        store().remove(namespace, name, language)
        await world.save()
        return {"deleted": {"namespace": namespace, "name": name, "language": language}}

    return router
