"""``/v1/settings/application`` (spec §9.1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory, create_user
from tests.webapp.postman import requests_for, send
from tests.webapp.restarts import restart_core
from waemu.application_settings import ApplicationSettings
from waemu.storage import engine as db_engine
from waemu.storage.repos import config

PATH = "/v1/settings/application"
DEFAULTS: dict[str, Any] = {
    "axolotl_context_striping_disabled": False,
    "callback_backoff_delay_ms": 3000,
    "callback_persist": True,
    "db_garbagecollector_enable": True,
    "garbagecollector_enable": {"media": False, "messages": True},
    "heartbeat_interval": 5,
    "log_level": "info",
    "max_callback_backoff_delay_ms": 900000,
    "media": {"auto_download": ["image", "video", "voice", "sticker", "audio", "document"]},
    "notify_user_change_number": True,
    "pass_through": False,
    "sent_status": False,
    "show_security_notifications": False,
    "skip_referral_media_download": False,
    "unhealthy_interval": 30,
    "verbose_logging": False,
    "webhook_payload_conversation_pricingmodel_disabled": False,
    "webhooks": {
        "max_concurrent_requests": 6,
        "message": {"delivered": True, "read": True, "sent": False},
        "url": "",
    },
}


async def read(stack: InProcessStack, token: str) -> dict[str, Any]:
    """The ``settings.application`` object of GET."""
    body = assert_ok(await stack.http.get(PATH, headers=bearer(token)))
    assert set(body) == {"settings"}
    application: dict[str, Any] = body["settings"]["application"]
    return application


async def patch(stack: InProcessStack, token: str, data: object) -> Any:
    """PATCH and return the response."""
    return await stack.http.patch(PATH, json=data, headers=bearer(token))


async def test_get_returns_every_setting_with_its_default(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert await read(sqlite_stack, token) == DEFAULTS


async def test_get_includes_wa_id_once_registered(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    sessions = db_engine.session_factory(sqlite_stack.core.engine)
    async with sessions.begin() as session:
        await config.put(session, "account.registration", {"wa_id": "16315551019"})
    assert (await read(sqlite_stack, token))["wa_id"] == "16315551019"


async def test_patch_merges_nested_objects_key_by_key(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    first = {"webhooks": {"url": "https://hooks.example.com/wa", "max_concurrent_requests": 12}}
    assert assert_ok(await patch(stack, token, first)) == {}
    second = {
        "webhooks": {"message": {"read": False}},
        "garbagecollector_enable": {"media": True},
        "media": {"auto_download": ["image", "document"]},
    }
    assert_ok(await patch(stack, token, second))
    got = await read(stack, token)
    assert got["webhooks"] == {
        "max_concurrent_requests": 12,
        "message": {"delivered": True, "read": False, "sent": False},
        "url": "https://hooks.example.com/wa",
    }
    assert got["garbagecollector_enable"] == {"media": True, "messages": True}
    assert got["media"] == {"auto_download": ["image", "document"]}
    assert got["callback_persist"] is True


async def test_settings_survive_a_coreapp_restart(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    changes = {
        "callback_backoff_delay_ms": "1500",
        "heartbeat_interval": 7,
        "on_call_pager": "16315550000",
        "webhooks": {"url": "http://127.0.0.1:8000/hook", "message": {"sent": True}},
    }
    assert_ok(await patch(stack, token, changes))
    before = await read(stack, token)
    await restart_core(stack)
    after = await read(stack, token)
    assert after == before
    assert after["callback_backoff_delay_ms"] == 1500
    assert after["on_call_pager"] == "16315550000"
    assert after["sent_status"] is True
    snapshot = stack.core.app_settings.application() if stack.core.app_settings else None
    assert isinstance(snapshot, ApplicationSettings)
    assert snapshot.webhooks.url == "http://127.0.0.1:8000/hook"


async def test_delete_restores_every_default(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    changes = {"verbose_logging": True, "log_level": "debug", "webhooks": {"url": "https://x.io"}}
    assert_ok(await patch(stack, token, changes))
    response = await stack.http.delete(PATH, headers=bearer(token))
    assert assert_ok(response) == {}
    assert await read(stack, token) == DEFAULTS
    await restart_core(stack)
    assert await read(stack, token) == DEFAULTS


async def test_delays_accept_strings_and_integers(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    body = {"callback_backoff_delay_ms": "5000", "max_callback_backoff_delay_ms": 600000}
    assert_ok(await patch(sqlite_stack, token, body))
    got = await read(sqlite_stack, token)
    assert got["callback_backoff_delay_ms"] == 5000
    assert got["max_callback_backoff_delay_ms"] == 600000


async def test_whole_numbers_written_as_floats_are_integers(sqlite_stack: InProcessStack) -> None:
    # JSON Schema, and so the OpenAPI document, reads 12.0 as the integer 12 (webapp/numbers.py).
    token = await sqlite_stack.api.admin_token()
    body = {"webhooks": {"max_concurrent_requests": 12.0}, "heartbeat_interval": 1e1}
    assert_ok(await patch(sqlite_stack, token, body))
    current = await read(sqlite_stack, token)
    assert current["webhooks"]["max_concurrent_requests"] == 12
    assert current["heartbeat_interval"] == 10
    assert isinstance(current["heartbeat_interval"], int)


async def test_empty_webhook_url_clears_it(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await patch(sqlite_stack, token, {"webhooks": {"url": "https://a.example/x"}}))
    assert_ok(await patch(sqlite_stack, token, {"webhooks": {"url": ""}}))
    assert (await read(sqlite_stack, token))["webhooks"]["url"] == ""


async def test_http_webhook_url_accepted_unless_https_required(
    sqlite_stack: InProcessStack, make_stack: StackFactory
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await patch(sqlite_stack, token, {"webhooks": {"url": "http://localhost:9999/"}}))
    async with make_stack(WA_WEBHOOK_REQUIRE_HTTPS="1") as strict:
        strict_token = await strict.api.admin_token()
        body = {"webhooks": {"url": "http://localhost:9999/"}}
        response = await patch(strict, strict_token, body)
        assert_error(response, 400, 1009, "webhooks.url: must be an https:// URL")
        ok = {"webhooks": {"url": "https://localhost:9999/"}}
        assert_ok(await patch(strict, strict_token, ok))


async def test_sent_status_is_the_legacy_form_of_message_sent(
    sqlite_stack: InProcessStack,
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await patch(sqlite_stack, token, {"sent_status": True}))
    got = await read(sqlite_stack, token)
    assert got["sent_status"] is True
    assert got["webhooks"]["message"]["sent"] is True
    assert_ok(await patch(sqlite_stack, token, {"webhooks": {"message": {"sent": False}}}))
    assert (await read(sqlite_stack, token))["sent_status"] is False


async def test_db_garbagecollector_enable_is_the_legacy_messages_switch(
    sqlite_stack: InProcessStack,
) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_ok(await patch(sqlite_stack, token, {"db_garbagecollector_enable": False}))
    got = await read(sqlite_stack, token)
    assert got["db_garbagecollector_enable"] is False
    assert got["garbagecollector_enable"] == {"media": False, "messages": False}


async def test_wa_id_sent_back_unchanged_is_ignored(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    assert_error(await patch(sqlite_stack, token, {"wa_id": "1555"}), 400, 1010, "read-only")
    sessions = db_engine.session_factory(sqlite_stack.core.engine)
    async with sessions.begin() as session:
        await config.put(session, "account.registration", {"wa_id": "1555"})
    assert_ok(await patch(sqlite_stack, token, {"wa_id": "1555", "verbose_logging": True}))


INVALID: list[tuple[dict[str, Any], int, str]] = [
    ({"callback_persist": "true"}, 1009, "callback_persist"),
    ({"callback_persist": None}, 1009, "callback_persist: must be a boolean"),
    ({"callback_backoff_delay_ms": "3s"}, 1009, "callback_backoff_delay_ms"),
    ({"callback_backoff_delay_ms": 0}, 1009, "callback_backoff_delay_ms: must be between"),
    ({"max_callback_backoff_delay_ms": -1}, 1009, "max_callback_backoff_delay_ms"),
    ({"max_callback_backoff_delay_ms": 1.5}, 1009, "max_callback_backoff_delay_ms"),
    ({"heartbeat_interval": 0}, 1009, "heartbeat_interval: must be between 1"),
    ({"heartbeat_interval": True}, 1009, "heartbeat_interval"),
    ({"unhealthy_interval": "30"}, 1009, "unhealthy_interval"),
    ({"webhooks": {"max_concurrent_requests": 7}}, 1009, "must be one of 6, 12, 18, 24"),
    ({"webhooks": {"url": "ftp://example.com"}}, 1009, "webhooks.url: must be an http"),
    ({"webhooks": {"url": "<Webhook URL, https>"}}, 1009, "webhooks.url"),
    ({"webhooks": {"url": "https://"}}, 1009, "webhooks.url"),
    # urlsplit raises on these: refused like any other non-URL, not a 500.
    ({"webhooks": {"url": "http://[x/hook"}}, 1009, "webhooks.url: must be an http"),
    ({"webhooks": {"url": "http://host:99999/hook"}}, 1009, "webhooks.url: must be an http"),
    ({"webhooks": {"message": {"read": "no"}}}, 1009, "webhooks.message.read"),
    ({"webhooks": None}, 1009, "webhooks: must be an object"),
    ({"webhooks": "https://example.com"}, 1009, "webhooks"),
    ({"media": {"auto_download": ["image", "gif"]}}, 1009, "media.auto_download.1"),
    ({"media": {"auto_download": "image"}}, 1009, "media.auto_download"),
    ({"garbagecollector_enable": {"media": 1}}, 1009, "garbagecollector_enable.media"),
    ({"pass_through": True}, 1009, "pass_through can no longer be enabled"),
    ({"log_level": "trace"}, 1009, "log_level: must be one of"),
    ({"on_call_pager": 1.5}, 1009, "on_call_pager: must be a string or an integer"),
    (
        {"sent_status": True, "webhooks": {"message": {"sent": False}}},
        1009,
        "sent_status: contradicts webhooks.message.sent",
    ),
    (
        {"db_garbagecollector_enable": True, "garbagecollector_enable": {"messages": False}},
        1009,
        "contradicts garbagecollector_enable.messages",
    ),
    ({"unhealthy_interface_count": 3}, 1010, "Unexpected parameter: unhealthy_interface_count"),
    ({"webhooks": {"urls": "https://a.b"}}, 1010, "Unexpected parameter: webhooks.urls"),
    ({"media": {"providers": []}}, 1010, "Unexpected parameter: media.providers"),
]


@pytest.mark.parametrize(("body", "code", "details"), INVALID, ids=[d for _, _, d in INVALID])
async def test_invalid_patch_is_refused_and_changes_nothing(
    sqlite_stack: InProcessStack, body: dict[str, Any], code: int, details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    # A valid change in the same body must not be applied either.
    response = await patch(sqlite_stack, token, {"verbose_logging": True, **body})
    assert_error(response, 400, code, details)
    assert await read(sqlite_stack, token) == DEFAULTS


async def test_patch_without_body_is_refused(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    response = await sqlite_stack.http.patch(PATH, headers=bearer(token))
    assert_error(response, 400, 1008, "Request body is required")
    assert_error(await patch(sqlite_stack, token, ["a"]), 400, 1025, "JSON object")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_non_admin_is_refused_before_the_body_is_read(
    sqlite_stack: InProcessStack, method: str
) -> None:
    token = await create_user(sqlite_stack, "alice")
    response = await sqlite_stack.http.request(
        method, PATH, content=b"{not json", headers={**bearer(token), "Content-Type": "x/y"}
    )
    assert_error(response, 403, 1005, "admin")


async def test_listeners_see_every_change(sqlite_stack: InProcessStack) -> None:
    service = sqlite_stack.core.app_settings
    assert service is not None
    seen: list[ApplicationSettings] = []
    service.subscribe(seen.append)
    token = await sqlite_stack.api.admin_token()
    assert_ok(await patch(sqlite_stack, token, {"webhooks": {"max_concurrent_requests": 24}}))
    assert [s.webhooks.max_concurrent_requests for s in seen] == [24]
    assert service.application() is seen[-1]
    assert_ok(await sqlite_stack.http.delete(PATH, headers=bearer(token)))
    assert seen[-1] == ApplicationSettings()


async def test_postman_requests_are_accepted(sqlite_stack: InProcessStack) -> None:
    requests = requests_for(PATH)
    assert set(requests) == {
        "Get-Settings",
        "Update-Webhooks",
        "Delete-Webhooks",
        "Update-Settings",
        "Delete-App-Settings",
    }
    token = await sqlite_stack.api.admin_token()
    assert_ok(await send(sqlite_stack, requests["Update-Webhooks"], token))
    assert (await read(sqlite_stack, token))["webhooks"]["url"] == "https://example.com/webhook"
    assert_ok(await send(sqlite_stack, requests["Delete-Webhooks"], token))
    assert (await read(sqlite_stack, token))["webhooks"]["url"] == ""
    assert_ok(await send(sqlite_stack, requests["Update-Settings"], token))
    got = assert_ok(await send(sqlite_stack, requests["Get-Settings"], token))
    application = got["settings"]["application"]
    assert application["media"]["auto_download"] == ["image", "document", "audio"]
    assert application["webhooks"]["max_concurrent_requests"] == 12
    assert_ok(await send(sqlite_stack, requests["Delete-App-Settings"], token))
    assert await read(sqlite_stack, token) == DEFAULTS
