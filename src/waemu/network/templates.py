"""The businesses' message templates, as WhatsApp Business Manager keeps them (docs/templates.md).

A template belongs to a namespace: each business account gets its own (a uuid with
underscores, like the real ``cdb2df51_9816_c754_c5a4_64cdabdcad3e``), and the templates of the
seed live in one shared namespace every business may use. Templates have the Graph API shape
(``components`` with ``HEADER``/``BODY``/``FOOTER``/``BUTTONS``); the coreapp fetches the
ones its business may send with ``templates.list`` on every login (spec §12) and checks
sends against them (spec §7.7, §7.10).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from waemu import templating

log = logging.getLogger(__name__)

# The namespace of the seeded templates, shared by every business (the Postman conformance
# test names it: docs/templates.md).
SHARED_NAMESPACE = "c0ffee00_7e57_4a11_9b5e_0123456789ab"
STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION", "TRANSACTIONAL", "OTP")
# Supported template languages (spec §7.7).
_CODES = (
    "af sq ar az bn bg ca zh_CN zh_HK zh_TW hr cs da nl en en_GB en_US et fil fi fr ka de el "
    "gu ha he hi hu id ga it ja kn kk rw_RW ko ky_KG lo lv lt mk ms ml mr nb fa pl pt_BR pt_PT "
    "pa ro ru sr sk sl es es_AR es_ES es_MX sw sv ta te th tr uk ur uz vi zu"
)
LANGUAGES = frozenset(_CODES.split(" "))


def new_namespace() -> str:
    """A fresh namespace in the real shape: a uuid with underscores."""
    return str(uuid.uuid4()).replace("-", "_")


@dataclass
class Template:
    """One template in one language (an element of a language pack)."""

    namespace: str
    name: str
    language: str
    category: str = "UTILITY"
    status: str = "APPROVED"
    components: list[dict[str, Any]] = field(default_factory=list)
    rejected_reason: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies it: namespace, name, language."""
        return (self.namespace, self.name, self.language)

    def to_json(self) -> dict[str, Any]:
        """The stored, control-API and ``templates.list`` form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], namespace: str = SHARED_NAMESPACE) -> Template:
        """Rebuild from the stored or seed form (seed entries may leave out the namespace)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known.setdefault("namespace", namespace)
        template = cls(**known)
        template.status = template.status.upper()
        template.category = template.category.upper()
        return template


class TemplateStore:
    """Every namespace's templates and which namespace each business account owns."""

    def __init__(
        self, templates: list[Template] | None = None, namespaces: dict[str, str] | None = None
    ) -> None:
        self._by_key: dict[tuple[str, str, str], Template] = {t.key: t for t in templates or []}
        self.namespaces: dict[str, str] = dict(namespaces or {})  # business wa_id -> namespace
        # Control API switch: ``templates.list`` fails, so coreapps cannot load their
        # templates (the 2002 "Template Fetch Failed" path). Not saved.
        self.unavailable = False

    @classmethod
    def from_seed(
        cls, seed: dict[str, Any], namespaces: dict[str, str] | None = None
    ) -> TemplateStore:
        """The seed's templates (in the shared namespace unless they name one)."""
        return cls([Template.from_json(t) for t in seed.get("templates", [])], namespaces)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemplateStore:
        """Rebuild from the saved form."""
        templates = [Template.from_json(t) for t in data.get("templates", [])]
        return cls(templates, data.get("namespaces") or {})

    def to_json(self) -> dict[str, Any]:
        """The saved form."""
        return {"namespaces": dict(self.namespaces), "templates": [t.to_json() for t in self.all()]}

    def all(self) -> list[Template]:
        """Every template, ordered by namespace, name and language."""
        return [self._by_key[k] for k in sorted(self._by_key)]

    def get(self, namespace: str, name: str, language: str) -> Template | None:
        """One template."""
        return self._by_key.get((namespace, name, language))

    def put(self, template: Template) -> bool:
        """Add or replace a template; whether it is new."""
        new = template.key not in self._by_key
        self._by_key[template.key] = template
        return new

    def remove(self, namespace: str, name: str, language: str) -> bool:
        """Delete a template; whether it existed."""
        return self._by_key.pop((namespace, name, language), None) is not None

    def known_namespace(self, namespace: str) -> bool:
        """Whether ``namespace`` is the shared one or a business's."""
        return namespace == SHARED_NAMESPACE or namespace in self.namespaces.values()

    def namespace_of(self, wa_id: str) -> tuple[str, bool]:
        """The business's namespace, created on first need; and whether it was just created."""
        existing = self.namespaces.get(wa_id)
        if existing is not None:
            return existing, False
        self.namespaces[wa_id] = created = new_namespace()
        return created, True

    def visible_to(self, wa_id: str) -> list[Template]:
        """The templates the business may send: its own namespace's and the shared ones."""
        own = self.namespaces.get(wa_id)
        return [t for t in self.all() if t.namespace in (own, SHARED_NAMESPACE)]

    def listing(self, wa_id: str) -> dict[str, Any]:
        """What ``templates.list`` answers: the namespaces and templates of the business."""
        own, _ = self.namespace_of(wa_id)
        return {
            "namespace": own,
            "namespaces": [own, SHARED_NAMESPACE],
            "templates": [t.to_json() for t in self.visible_to(wa_id)],
        }

    def rendering(self, business: str, message: dict[str, Any]) -> dict[str, Any]:
        """For a template send: ``{"rendered": ...}``, what the customer's phone shows.

        ``rendered`` is None when the template is unknown here (the coreapp checks sends
        before they reach the network, so only a template deleted meanwhile gets there).
        """
        if message.get("type") not in ("template", "hsm"):
            return {}
        namespace, name, code, policy = templating.identity(message)
        own = self.namespaces.get(business)
        namespaces = [own, SHARED_NAMESPACE] if own is not None else [SHARED_NAMESPACE]
        found = templating.find(
            [t.to_json() for t in self.all()],
            namespaces,
            namespace=namespace,
            name=name,
            code=code,
            policy=policy,
        )
        return {"rendered": templating.render(found, message) if found is not None else None}
