"""Every ``POST /v1/messages`` body of Meta's Postman collection ("04-Messages") validates.

Placeholders are replaced by realistic values of their JSON type (message_validation_helpers);
nothing else of the bodies changes, including their quirks (a template parameter given as an
object, media fields inline in a template parameter, ``"ims": []``, trailing slashes).
"""

from __future__ import annotations

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_ok
from tests.webapp.message_validation_helpers import (
    PostmanBody,
    assert_validated,
    postman_bodies,
    ready_to_send,
)
from tests.webapp.postman import require_collection
from waemu.webapp.schemas.messages import validate_message

# Without the collection, one placeholder case that skips (or fails on CI) with the reason.
BODIES = [pytest.param(body, id=body.name) for body in postman_bodies()] or [
    pytest.param(None, id="collection-missing")
]


def test_postman_collection_has_every_send_when_read() -> None:
    require_collection()
    names = {body.name for body in postman_bodies()}
    assert len(names) == 22
    kinds = {body.body.get("type") for body in postman_bodies()}
    assert kinds == {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "interactive",
        "template",
        "contacts",
        "location",
    }


@pytest.mark.parametrize("postman", BODIES)
def test_postman_body_validates_when_placeholders_are_replaced(postman: PostmanBody) -> None:
    require_collection()
    message = validate_message(postman.body)
    kind = postman.body.get("type", "text")
    assert message["type"] == kind
    assert message["to"] == postman.body["to"]
    assert message["recipient_type"] == "individual"
    if kind != "template":  # templates are normalised (see the templates tests)
        assert message[kind] == postman.body[kind]


@pytest.mark.parametrize("postman", BODIES)
async def test_postman_send_is_accepted_when_number_is_registered(
    sqlite_stack: InProcessStack, postman: PostmanBody
) -> None:
    require_collection()
    token = await ready_to_send(sqlite_stack)
    response = await sqlite_stack.http.post(postman.path, headers=bearer(token), json=postman.body)
    if postman.checked_later:
        assert_validated(response)  # unknown media ids and templates: the coreapp's checks
        return
    (message,) = assert_ok(response, 201)["messages"]
    assert len(message["id"]) == 27 and message["id"].startswith("gBEG")
