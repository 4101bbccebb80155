"""Message-template rules both sides share: the coreapp checks sends against them, the network
renders what the customer sees with them (spec §7.7, §7.8, docs/templates.md).

Templates are plain dicts in the Graph API shape the network stores: ``namespace``, ``name``,
``language``, ``category``, ``status`` and ``components`` (``HEADER``/``BODY``/``FOOTER``/
``BUTTONS``). Sends are plain dicts in the On-Premises shape of spec §7.7 (``template``) or
§7.8 (``hsm``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
POLICIES = ("deterministic", "fallback")
# Parameter types whose value is text: the fallback value is what gets rendered (spec §7.7:
# "later versions always render fallback_value").
TEXT_TYPES = ("text", "currency", "date_time")
MEDIA_FORMATS = ("IMAGE", "DOCUMENT", "VIDEO")


def placeholders(text: object) -> int:
    """How many parameters ``text`` takes: its highest ``{{n}}`` (they run 1..n)."""
    if not isinstance(text, str):
        return 0
    return max((int(n) for n in PLACEHOLDER.findall(text)), default=0)


def hydrate(text: str, values: list[str]) -> str:
    """``text`` with ``{{n}}`` replaced by ``values[n-1]`` (placeholders without one stay)."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return values[index] if 0 <= index < len(values) else match.group(0)

    return PLACEHOLDER.sub(value, text)


def component(template: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The template's component of ``kind`` (``HEADER``, ``BODY``, ``FOOTER``, ``BUTTONS``)."""
    for part in template.get("components") or ():
        if isinstance(part, dict) and str(part.get("type", "")).upper() == kind:
            return part
    return None


def buttons(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's buttons, in index order."""
    found = component(template, "BUTTONS")
    return list(found.get("buttons") or []) if found is not None else []


def param_text(param: object) -> str | None:
    """The text a parameter renders as, or None for a parameter that is not text."""
    if not isinstance(param, dict):
        return None
    kind = param.get("type")
    if kind == "text":
        value = param.get("text")
    elif kind in ("currency", "date_time"):
        inner = param.get(kind)
        value = inner.get("fallback_value") if isinstance(inner, dict) else None
    elif kind == "payload":
        value = param.get("payload")
    else:
        return None
    return value if isinstance(value, str) else None


def as_list(parameters: object) -> list[Any]:
    """A component's ``parameters`` as a list (Meta's Postman collection sends one object)."""
    if parameters is None:
        return []
    if isinstance(parameters, dict):
        return [parameters]
    return list(parameters) if isinstance(parameters, list) else []


def request_components(message: dict[str, Any]) -> dict[str, Any]:
    """The parameters a send supplies: ``header``/``body`` lists and ``buttons`` by index.

    A legacy ``hsm`` send supplies body parameters only, as ``localizable_params`` whose
    ``default`` is what renders (spec §7.8).
    """
    found: dict[str, Any] = {"header": None, "body": None, "buttons": {}}
    if message.get("type") == "hsm":
        hsm = message.get("hsm") or {}
        params = [
            {"type": "text", "text": p.get("default")} if isinstance(p, dict) else p
            for p in as_list(hsm.get("localizable_params"))
        ]
        found["body"] = params
        return found
    template = message.get("template") or {}
    for part in template.get("components") or ():
        if not isinstance(part, dict):
            continue
        kind = str(part.get("type", "")).lower()
        params = as_list(part.get("parameters"))
        if kind in ("header", "body"):
            found[kind] = params
        elif kind == "button":
            found["buttons"][str(part.get("index", ""))] = part
    return found


def identity(message: dict[str, Any]) -> tuple[str | None, str, str, str]:
    """``(namespace, name, language code, policy)`` of a ``template`` or ``hsm`` send."""
    if message.get("type") == "hsm":
        body = message.get("hsm") or {}
        name = body.get("element_name")
    else:
        body = message.get("template") or {}
        name = body.get("name")
    language = body.get("language") or {}
    namespace = body.get("namespace")
    return (
        namespace if isinstance(namespace, str) else None,
        str(name or ""),
        str(language.get("code") or "") if isinstance(language, dict) else "",
        str(language.get("policy") or "deterministic") if isinstance(language, dict) else "",
    )


def find(
    templates: Iterable[dict[str, Any]],
    namespaces: list[str],
    *,
    namespace: str | None,
    name: str,
    code: str,
    policy: str = "deterministic",
) -> dict[str, Any] | None:
    """The template a send names, or None.

    Without a namespace (optional since v2.41.2, spec §16) the business's own namespace is
    searched before the shared one. ``deterministic`` wants exactly ``code``; the deprecated
    ``fallback`` also takes another locale of the same language (docs/templates.md).
    """
    searched = [namespace] if namespace is not None else namespaces
    named = [t for t in templates if t.get("name") == name and t.get("namespace") in searched]
    named.sort(key=lambda t: searched.index(t["namespace"]))
    exact = [t for t in named if t.get("language") == code]
    if exact or policy != "fallback":
        return exact[0] if exact else None
    base = code.split("_")[0]
    siblings = [t for t in named if str(t.get("language", "")).split("_")[0] == base]
    siblings.sort(key=lambda t: (searched.index(t["namespace"]), str(t.get("language"))))
    return siblings[0] if siblings else None


def render(template: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """What the customer sees: header, body, footer and buttons with the parameters filled."""
    supplied = request_components(message)
    shown: dict[str, Any] = {
        "namespace": template.get("namespace"),
        "name": template.get("name"),
        "language": template.get("language"),
    }
    lines: list[str] = []
    header = component(template, "HEADER")
    if header is not None:
        fmt = str(header.get("format", "TEXT")).upper()
        params = supplied["header"] or []
        if fmt == "TEXT":
            shown["header"] = hydrate(str(header.get("text", "")), _texts(params))
            lines.append(shown["header"])
        else:
            media = params[0] if params and isinstance(params[0], dict) else {}
            inner = media.get(fmt.lower())
            shown["header"] = {"type": fmt.lower(), **(inner if isinstance(inner, dict) else {})}
            for key in ("id", "link"):  # the flat form of Meta's Postman collection
                if key in media and key not in shown["header"]:
                    shown["header"][key] = media[key]
            lines.append(f"[{fmt.lower()}]")
    body = component(template, "BODY")
    shown["body"] = hydrate(str((body or {}).get("text", "")), _texts(supplied["body"] or []))
    lines.append(shown["body"])
    footer = component(template, "FOOTER")
    if footer is not None:
        shown["footer"] = str(footer.get("text", ""))
        lines.append(shown["footer"])
    shown_buttons = [
        _button(b, supplied["buttons"].get(str(i))) for i, b in enumerate(buttons(template))
    ]
    if shown_buttons:
        shown["buttons"] = shown_buttons
        lines.extend(f"[{b['text']}]" for b in shown_buttons)
    shown["text"] = "\n".join(lines)
    return shown


def _texts(params: list[Any]) -> list[str]:
    return [param_text(p) or "" for p in params]


def _button(button: dict[str, Any], supplied: dict[str, Any] | None) -> dict[str, Any]:
    kind = str(button.get("type", "")).upper()
    shown: dict[str, Any] = {"type": kind, "text": str(button.get("text", ""))}
    params = as_list(supplied.get("parameters")) if supplied is not None else []
    if kind == "URL":
        shown["url"] = hydrate(str(button.get("url", "")), _texts(params))
    elif kind == "PHONE_NUMBER":
        shown["phone_number"] = button.get("phone_number")
    elif kind == "QUICK_REPLY" and params:
        shown["payload"] = param_text(params[0])
    return shown
