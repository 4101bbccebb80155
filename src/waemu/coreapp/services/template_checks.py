"""The synchronous checks of ``template`` and ``hsm`` sends (spec §7.7, §7.8, §7.10, §15).

Pure functions over a send and the business's template (a dict in the Graph API shape, as
``templates.list`` answers); each problem raises the catalogue error the real client answers.
Which code goes with which problem, and why, is in docs/templates.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from waemu import templating
from waemu.errors import ApiError

HEADER_PARAM_LIMIT = 60  # header text, hydrated or as a parameter
BODY_LIMIT = 1024  # body parameter and hydrated body, when the template has other parts
BODY_ONLY_LIMIT = 32768  # ... when the body is all the template has
PAYLOAD_LIMIT = 256
STATUS_ERRORS = {"REJECTED": 2060, "PAUSED": 2061, "DISABLED": 2062}
TOO_MANY_SPACES = re.compile(r" {5,}")
URL_FORBIDDEN = re.compile(r"[\s<>\"{}|\\^`]")
# Sync template errors whose catalogue row has no HTTP status (async-only there).
BAD_REQUEST = 400


@dataclass(frozen=True)
class Send:
    """What a ``template`` or ``hsm`` send names: namespace, name, language and policy."""

    kind: str
    namespace: str | None
    name: str
    code: str
    policy: str


def _missing(path: str) -> ApiError:
    return ApiError(1008, f"Missing required parameter: {path}")


def _invalid(path: str, expected: str) -> ApiError:
    return ApiError(1009, f"Invalid value for {path}: {expected}")


def _text_field(body: dict[str, Any], key: str, path: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise _missing(path)
    if not isinstance(value, str):
        raise _invalid(path, "expected a string")
    return value


def read_send(message: dict[str, Any]) -> Send:
    """The template a send names; 1008/1009 for a malformed one, 2014 for an empty namespace.

    ``namespace`` is optional for ``template`` since v2.41.2 (spec §16) but was always
    required for the legacy ``hsm`` (spec §7.8): missing or empty there is 2014.
    """
    kind = str(message.get("type"))
    body = message.get(kind)
    if not isinstance(body, dict):
        raise _missing(kind)
    key = "element_name" if kind == "hsm" else "name"
    name = _text_field(body, key, f"{kind}.{key}")
    language = body.get("language")
    if language is None:
        raise _missing(f"{kind}.language")
    if not isinstance(language, dict):
        raise _invalid(f"{kind}.language", "expected an object with policy and code")
    code = _text_field(language, "code", f"{kind}.language.code")
    policy = language.get("policy", "deterministic")
    if policy not in templating.POLICIES:
        raise _invalid(f"{kind}.language.policy", "expected 'deterministic' or 'fallback'")
    namespace = body.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise _invalid(f"{kind}.namespace", "expected a string")
    if (namespace is None and kind == "hsm") or (namespace is not None and not namespace.strip()):
        raise ApiError(2014, f"{kind}.namespace is empty: give the namespace of your templates")
    if kind == "hsm" and not isinstance(body.get("localizable_params"), list):
        if body.get("localizable_params") is None:
            raise _missing("hsm.localizable_params")
        raise _invalid("hsm.localizable_params", "expected an array")
    return Send(kind, namespace, name, code, str(policy))


def check_namespace(send: Send, namespaces: list[str]) -> None:
    """1009 for a namespace that is not this business's (spec §15)."""
    if send.namespace is not None and send.namespace not in namespaces:
        raise ApiError(
            1009,
            f"Namespace {send.namespace} does not correspond to the WhatsApp Business Account "
            "of this number",
        )


def not_found(send: Send, templates: list[dict[str, Any]], namespaces: list[str]) -> ApiError:
    """2003 when the namespace has no language pack for the language, else 2001."""
    searched = [send.namespace] if send.namespace is not None else namespaces
    mine = [t for t in templates if t.get("namespace") in searched]
    base = send.code.split("_")[0]
    pack = [
        t
        for t in mine
        if t.get("language") == send.code
        or (send.policy == "fallback" and str(t.get("language", "")).split("_")[0] == base)
    ]
    where = f"namespace {send.namespace}" if send.namespace else "your namespaces"
    if not pack:
        details = f"No {send.code} language pack in {where}: no template in that language"
        return ApiError(2003, details, BAD_REQUEST)
    others = sorted({str(t.get("language")) for t in mine if t.get("name") == send.name})
    also = f" (it exists in {', '.join(others)})" if others else ""
    return ApiError(2001, f"Template {send.name} does not exist in {send.code} in {where}{also}")


def check_status(template: dict[str, Any]) -> None:
    """Only approved templates are sent: 2060/2061/2062, and 2001 while pending review."""
    status = str(template.get("status", "APPROVED")).upper()
    label = f"Template {template.get('name')} ({template.get('language')})"
    if status in STATUS_ERRORS:
        reason = template.get("rejected_reason")
        why = f": {reason}" if status == "REJECTED" and reason else ""
        raise ApiError(STATUS_ERRORS[status], f"{label} is {status.lower()}{why}")
    if status != "APPROVED":
        raise ApiError(2001, f"{label} is not approved yet (status {status.lower()})")


def check_parameters(template: dict[str, Any], message: dict[str, Any]) -> None:
    """Every supplied parameter against the template's placeholders and formats."""
    if message.get("type") == "hsm":
        _check_hsm(template, message["hsm"]["localizable_params"])
        return
    header, body, buttons = _parts(message["template"])
    kinds = {str(c.get("type", "")).upper() for c in template.get("components") or ()}
    body_only = kinds <= {"BODY"}
    _check_header(template, header)
    _check_body(template, body or [], BODY_ONLY_LIMIT if body_only else BODY_LIMIT)
    _check_buttons(template, buttons)


# -- the send's components -------------------------------------------------------------------

Buttons = dict[int, tuple[str, list[dict[str, Any]]]]


def _params(part: dict[str, Any], where: str) -> list[dict[str, Any]]:
    raw = part.get("parameters")
    if raw is not None and not isinstance(raw, (list, dict)):
        raise _invalid(f"{where}.parameters", "expected an array")
    params = templating.as_list(raw)
    for i, param in enumerate(params):
        if not isinstance(param, dict):
            raise _invalid(f"{where}.parameters[{i}]", "expected an object")
        if not isinstance(param.get("type"), str):
            raise _missing(f"{where}.parameters[{i}].type")
    return params


def _parts(
    template: dict[str, Any],
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None, Buttons]:
    components = template.get("components")
    if components is None:
        components = []
    if not isinstance(components, list):
        raise _invalid("template.components", "expected an array")
    found: dict[str, list[dict[str, Any]]] = {}
    buttons: Buttons = {}
    for i, part in enumerate(components):
        where = f"template.components[{i}]"
        if not isinstance(part, dict):
            raise _invalid(where, "expected an object")
        kind = str(part.get("type") or "").lower()
        if kind not in ("header", "body", "button"):
            raise _invalid(f"{where}.type", "expected header, body or button")
        params = _params(part, where)
        if kind != "button":
            if kind in found:
                raise _invalid(where, f"more than one {kind} component")
            found[kind] = params
            continue
        sub_type = part.get("sub_type")
        if sub_type is None:
            raise _missing(f"{where}.sub_type")
        if str(sub_type).lower() not in ("quick_reply", "url"):
            raise _invalid(f"{where}.sub_type", "expected quick_reply or url")
        index = part.get("index")
        if index is None:
            raise _missing(f"{where}.index")
        if isinstance(index, bool) or not re.fullmatch(r"[0-9]", str(index)):
            raise _invalid(f"{where}.index", "expected a button index such as '0'")
        if int(index) in buttons:
            raise _invalid(f"{where}.index", f"button {index} is given twice")
        buttons[int(index)] = (str(sub_type).lower(), params)
    return found.get("header"), found.get("body"), buttons


# -- parameters ------------------------------------------------------------------------------


def _value(param: dict[str, Any], where: str) -> str:
    """The text of a text/currency/date_time parameter (what renders), checked."""
    kind = param["type"]
    if kind == "text":
        value = _text_field(param, "text", f"{where}.text")
    else:
        inner = param.get(kind)
        if not isinstance(inner, dict):
            raise _missing(f"{where}.{kind}")
        value = _text_field(inner, "fallback_value", f"{where}.{kind}.fallback_value")
        if kind == "currency":
            for key in ("code", "amount_1000"):
                if key not in inner:
                    raise _missing(f"{where}.currency.{key}")
    return value


def _policy(value: str, where: str, limit: int) -> None:
    """The white space and character rules of text parameters (2006, 2007, 2004)."""
    if not value.strip():
        raise ApiError(2006, f"{where} is blank")
    if any(c in value for c in "\n\r\t"):
        raise ApiError(2006, f"{where} cannot contain new-line or tab characters")
    if TOO_MANY_SPACES.search(value):
        raise ApiError(2006, f"{where} cannot contain more than 4 consecutive spaces")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ApiError(2007, f"{where} contains control characters")
    if len(value) > limit:
        raise ApiError(2004, f"{where} is {len(value)} characters long; the limit is {limit}")


def _texts(params: list[dict[str, Any]], part: str, limit: int) -> list[str]:
    values = []
    for i, param in enumerate(params, start=1):
        where = f"{part} parameter {i}"
        if param["type"] not in templating.TEXT_TYPES:
            raise ApiError(
                2012, f"{where} is of type {param['type']}; this part of the template takes text"
            )
        value = _value(param, where)
        _policy(value, where, limit)
        values.append(value)
    return values


def _count(part: str, expected: int, given: int) -> None:
    if expected != given:
        raise ApiError(
            2000, f"{part}: the template has {expected} parameter(s), the request gives {given}"
        )


def _hydrated(part: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise ApiError(
            2005, f"The {part} with its parameters is {len(text)} characters; the limit is {limit}"
        )


def _check_header(template: dict[str, Any], given: list[dict[str, Any]] | None) -> None:
    header = templating.component(template, "HEADER")
    if header is None:
        _count("header", 0, len(given or []))
        return
    fmt = str(header.get("format", "TEXT")).upper()
    if fmt == "TEXT":
        text = str(header.get("text", ""))
        _count("header", templating.placeholders(text), len(given or []))
        values = _texts(given or [], "header", HEADER_PARAM_LIMIT)
        _hydrated("header", templating.hydrate(text, values), HEADER_PARAM_LIMIT)
        return
    kind = fmt.lower()
    if not given:
        raise ApiError(
            2009, f"The template has a {fmt} header: a header component with its {kind} is required"
        )
    _count("header", 1, len(given))
    param = given[0]
    if param["type"] != kind:
        raise ApiError(
            2008, f"The template's header is {fmt}: a {param['type']} cannot be sent in it"
        )
    if fmt == "LOCATION":
        location = param.get("location")
        if not isinstance(location, dict):
            raise _missing("header location")
        for key in ("latitude", "longitude"):
            value = location.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _missing(f"header location.{key}")
        return
    _check_media(param, kind)


def _check_media(param: dict[str, Any], kind: str) -> None:
    inner = param.get(kind)
    media = inner if isinstance(inner, dict) else param  # flat form of the Postman collection
    if not media.get("id") and not media.get("link"):
        raise _missing(f"header {kind}.id or {kind}.link")
    link = media.get("link")
    if link is not None and (not isinstance(link, str) or not re.match(r"^https?://", link)):
        raise _invalid(f"header {kind}.link", "expected an http(s) URL")
    if kind != "document":
        return
    # spec §7.7: document headers must be PDF. Judged by the file name or the link's path;
    # a media id alone is trusted (docs/templates.md).
    names = [media.get("filename"), _url_path(link) if isinstance(link, str) else None]
    for name in names:
        suffix = PurePosixPath(str(name)).suffix.lower() if name else ""
        if suffix and suffix != ".pdf":
            raise ApiError(2008, f"Template document headers must be PDF, not {suffix}")


def _url_path(link: str) -> str:
    """The path of ``link``; the whole text when it is not a URL (an invalid IPv6 literal
    makes urlsplit raise)."""
    try:
        return urlsplit(link).path
    except ValueError:
        return link


def _check_body(template: dict[str, Any], given: list[dict[str, Any]], limit: int) -> None:
    body = templating.component(template, "BODY") or {}
    text = str(body.get("text", ""))
    _count("body", templating.placeholders(text), len(given))
    values = _texts(given, "body", limit)
    _hydrated("body", templating.hydrate(text, values), limit)


def _check_buttons(template: dict[str, Any], given: Buttons) -> None:
    defined = templating.buttons(template)
    for index, (sub_type, params) in sorted(given.items()):
        if index >= len(defined):
            raise ApiError(2000, f"button {index}: the template has {len(defined)} button(s)")
        button = defined[index]
        kind = str(button.get("type", "")).upper()
        if {"QUICK_REPLY": "quick_reply", "URL": "url"}.get(kind) != sub_type:
            raise ApiError(2012, f"button {index} of the template is {kind}, not {sub_type}")
        if kind == "URL":
            _check_url(index, str(button.get("url", "")), params)
        else:
            _check_payload(index, params)
    for index, button in enumerate(defined):
        dynamic = templating.placeholders(button.get("url"))
        if str(button.get("type", "")).upper() == "URL" and dynamic and index not in given:
            raise ApiError(
                2009,
                f"button {index} is a URL button with a variable suffix: a button component "
                f"with sub_type url and index {index} is required",
            )


def _check_url(index: int, url: str, params: list[dict[str, Any]]) -> None:
    _count(f"button {index}", templating.placeholders(url), len(params))
    if not params:
        return
    where = f"button {index} parameter 1"
    if params[0]["type"] != "text":
        raise ApiError(2012, f"{where} is of type {params[0]['type']}; a URL suffix is text")
    suffix = _value(params[0], where)
    full = templating.hydrate(url, [suffix])
    try:
        parts = urlsplit(full)
    except ValueError:  # an invalid IPv6 literal ("https://[x"): not a URL, not a 500
        raise ApiError(2010, f"{where} makes an invalid URL: {full!r}") from None
    if URL_FORBIDDEN.search(suffix) or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(2010, f"{where} makes an invalid URL: {full!r}")


def _check_payload(index: int, params: list[dict[str, Any]]) -> None:
    if len(params) > 1:
        _count(f"button {index}", 1, len(params))
    for param in params:
        where = f"button {index} parameter 1"
        if param["type"] != "payload":
            raise ApiError(2012, f"{where} is of type {param['type']}; quick replies take payload")
        payload = _text_field(param, "payload", f"{where}.payload")
        if len(payload) > PAYLOAD_LIMIT:
            raise ApiError(2004, f"{where} is longer than {PAYLOAD_LIMIT} characters")


def _check_hsm(template: dict[str, Any], params: list[Any]) -> None:
    """Legacy hsm: ``localizable_params`` fill the body; nothing else can be given (§7.8)."""
    header = templating.component(template, "HEADER") or {}
    media = str(header.get("format", "TEXT")).upper() != "TEXT"
    header_takes = media or templating.placeholders(header.get("text")) > 0
    url_takes = any(templating.placeholders(b.get("url")) for b in templating.buttons(template))
    if header_takes or url_takes:
        part = "header" if header_takes else "URL button"
        raise ApiError(2009, f"The template's {part} takes a parameter, which hsm cannot carry")
    body = templating.component(template, "BODY") or {}
    text = str(body.get("text", ""))
    _count("body", templating.placeholders(text), len(params))
    values = []
    for i, param in enumerate(params, start=1):
        where = f"hsm.localizable_params[{i - 1}]"
        if not isinstance(param, dict):
            raise _invalid(where, "expected an object")
        value = _text_field(param, "default", f"{where}.default")
        _policy(value, f"body parameter {i}", BODY_LIMIT)
        values.append(value)
    _hydrated("body", templating.hydrate(text, values), BODY_LIMIT)
