"""Template checks on URLs that ``urlsplit`` cannot read (an invalid IPv6 literal): the
catalogue's error, never a 500 (coreapp/services/template_checks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from waemu.coreapp.services import template_checks
from waemu.errors import ApiError


def _template(*components: dict[str, Any]) -> dict[str, Any]:
    return {"name": "order_update", "language": "en", "components": list(components)}


def _send(*components: dict[str, Any]) -> dict[str, Any]:
    template = {"name": "order_update", "language": {"code": "en"}, "components": list(components)}
    return {"type": "template", "template": template}


def test_url_button_whose_suffix_breaks_the_host_is_2010() -> None:
    template = _template(
        {"type": "BODY", "text": "Your order"},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "url": "https://{{1}}.example.com/"}]},
    )
    button = {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "[x"}],
    }
    with pytest.raises(ApiError) as raised:
        template_checks.check_parameters(template, _send(button))
    assert (raised.value.code, raised.value.http_status) == (2010, 400)
    assert "makes an invalid URL" in raised.value.details


def test_document_header_link_that_is_not_a_url_is_judged_by_its_name() -> None:
    template = _template({"type": "HEADER", "format": "DOCUMENT"}, {"type": "BODY", "text": "Hi"})
    header = {
        "type": "header",
        "parameters": [{"type": "document", "document": {"link": "https://[x/invoice.docx"}}],
    }
    with pytest.raises(ApiError) as raised:
        template_checks.check_parameters(template, _send(header))
    assert (raised.value.code, raised.value.http_status) == (2008, 400)
    assert ".docx" in raised.value.details
