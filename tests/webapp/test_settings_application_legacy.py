"""``/v1/settings/application`` as published On-Premises clients call it (spec §9.1).

The bodies below are copied from the clients' source, so a change that refuses them again
fails here. docs/settings.md ("Older clients' keys") lists the clients and what they send.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks import InProcessStack
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.restarts import restart_core
from tests.webapp.test_settings_application import DEFAULTS, patch, read

# wabclient 2.3.3 (PyPI), wabclient/client.py ConfigurationManager.set_settings sends
# ApplicationSettingsCommand (wabclient/commands.py) rendered with attr.asdict:
#
#     on_call_pager = attr.ib(type=str)
#     webhooks = attr.ib(converter=lambda value: Webhooks(**value), default={})
#     callback_persist = attr.ib(type=bool, default=True)
#     callback_backoff_delay_ms = attr.ib(type=str, default="3000")
#     max_callback_backoff_delay_ms = attr.ib(type=str, default="900000")
#     pass_through = attr.ib(type=bool, default=False)
#     sent_status = attr.ib(type=bool, default=False)
#     tcp_listen_address = attr.ib(type=str, default="any")
#     heartbeat_interval = attr.ib(type=int, default=5)
#     unhealthy_interval = attr.ib(type=int, default=30)
#
# set_settings(on_call_pager, webhook, tcp_listen_address="any", pass_through=False,
# callback_persist=True, sent_status=False, callback_backoff_delay_ms=3000,
# max_callback_backoff_delay_ms=900000) passes the delays through str(); on_call_pager is
# passed as given, so callers send a string, a number or None.


def wabclient_settings(on_call_pager: object, **changes: object) -> dict[str, Any]:
    """The body ``wabclient.set_settings(on_call_pager, webhook)`` sends, defaults included."""
    body: dict[str, Any] = {
        "on_call_pager": on_call_pager,
        "webhooks": {"url": "https://hooks.example.com/wa"},
        "callback_persist": True,
        "callback_backoff_delay_ms": "3000",
        "max_callback_backoff_delay_ms": "900000",
        "pass_through": False,
        "sent_status": False,
        "tcp_listen_address": "any",
        "heartbeat_interval": 5,
        "unhealthy_interval": 30,
    }
    return body | changes


WABCLIENT_SET: dict[str, Any] = {**DEFAULTS, "webhooks": {**DEFAULTS["webhooks"]}}
WABCLIENT_SET["webhooks"]["url"] = "https://hooks.example.com/wa"


@pytest.mark.parametrize(
    ("on_call_pager", "shown"),
    [("311234567789", "311234567789"), (311234567789, "311234567789")],
    ids=["string", "number"],
)
async def test_wabclient_settings_are_accepted(
    stack: InProcessStack, on_call_pager: object, shown: str
) -> None:
    token = await stack.api.admin_token()
    assert assert_ok(await patch(stack, token, wabclient_settings(on_call_pager))) == {}
    # tcp_listen_address is accepted and ignored; the pager is kept as a string.
    expected = {**WABCLIENT_SET, "on_call_pager": shown}
    assert await read(stack, token) == expected
    await restart_core(stack)
    assert await read(stack, token) == expected


async def test_wabclient_settings_without_a_pager_are_accepted(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    assert_ok(await patch(stack, token, wabclient_settings(None)))
    assert await read(stack, token) == WABCLIENT_SET
    # null leaves a pager set earlier in place, as an absent key does.
    assert_ok(await patch(stack, token, {"on_call_pager": "16315550000"}))
    assert_ok(await patch(stack, token, wabclient_settings(None, sent_status=True)))
    got = await read(stack, token)
    assert got["on_call_pager"] == "16315550000"
    assert got["sent_status"] is True
    assert got["webhooks"]["message"]["sent"] is True


async def test_wabclient_delays_keep_their_meaning(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    # set_settings(..., callback_backoff_delay_ms=1500, max_callback_backoff_delay_ms=60000)
    body = wabclient_settings(
        "311234567789", callback_backoff_delay_ms="1500", max_callback_backoff_delay_ms="60000"
    )
    assert_ok(await patch(sqlite_stack, token, body))
    snapshot = sqlite_stack.core.app_settings
    assert snapshot is not None
    current = snapshot.application()
    assert current.callback_backoff_delay_ms == 1500
    assert current.max_callback_backoff_delay_ms == 60000


async def test_tcp_listen_address_alone_changes_nothing(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    for address in ("any", "127.0.0.1", "::"):
        assert_ok(await patch(sqlite_stack, token, {"tcp_listen_address": address}))
    assert await read(sqlite_stack, token) == DEFAULTS


# RapidPro's WhatsApp channel (nyaruka/rapidpro, temba/channels/types/whatsapp/type.py,
# WhatsAppType.activate, 2018-2022) raises "Unable to configure channel" unless this PATCH of
# /v1/settings/application answers 200:
#
#     payload = {
#         "messaging_api_rate_limit": ["15", "54600", "1000000"],
#         "contacts_scrape_rate_limit": "1000000",
#         "contacts_api_rate_limit": ["15", "54600", "1000000"],
#     }
RAPIDPRO_RATE_LIMITS = {
    "messaging_api_rate_limit": ["15", "54600", "1000000"],
    "contacts_scrape_rate_limit": "1000000",
    "contacts_api_rate_limit": ["15", "54600", "1000000"],
}


async def test_rapidpro_rate_limits_are_accepted_and_ignored(stack: InProcessStack) -> None:
    token = await stack.api.admin_token()
    # The channel's first PATCH sets the webhook, the second the rate limits.
    hook = {"webhooks": {"url": "https://rapidpro.example/c/wa/1234/receive"}}
    assert_ok(await patch(stack, token, hook))
    assert assert_ok(await patch(stack, token, RAPIDPRO_RATE_LIMITS)) == {}
    got = await read(stack, token)
    assert got == {**DEFAULTS, "webhooks": {**DEFAULTS["webhooks"], **hook["webhooks"]}}


LEGACY_INVALID: list[tuple[dict[str, Any], str]] = [
    ({"on_call_pager": 1.5}, "on_call_pager: must be a string or an integer"),
    ({"on_call_pager": True}, "on_call_pager: must be a string or an integer"),
    ({"on_call_pager": -5}, "on_call_pager: must not be negative"),
    ({"on_call_pager": ["311234567789"]}, "on_call_pager: must be a string or an integer"),
    ({"on_call_pager": "9" * 129}, "on_call_pager: must be at most 128 characters long"),
    ({"tcp_listen_address": "everywhere"}, 'tcp_listen_address: must be "any" or an IP address'),
    ({"tcp_listen_address": 0}, 'tcp_listen_address: must be "any" or an IP address'),
    ({"tcp_listen_address": None}, 'tcp_listen_address: must be "any" or an IP address'),
    ({"tcp_listen_address": "10.0.0.300"}, "tcp_listen_address"),
    ({"callback_backoff_delay_ms": "3000ms"}, "callback_backoff_delay_ms"),
    ({"max_callback_backoff_delay_ms": "-1"}, "max_callback_backoff_delay_ms"),
    ({"messaging_api_rate_limit": "fast"}, "messaging_api_rate_limit: must be an array"),
    ({"messaging_api_rate_limit": []}, "messaging_api_rate_limit: must hold 1 to 3 numbers"),
    ({"messaging_api_rate_limit": ["1", "2", "3", "4"]}, "must hold 1 to 3 numbers"),
    ({"messaging_api_rate_limit": ["15", "lots"]}, "messaging_api_rate_limit.1: must be a"),
    ({"contacts_api_rate_limit": [0]}, "contacts_api_rate_limit.0: must be between 1"),
    ({"contacts_api_rate_limit": None}, "contacts_api_rate_limit: must be an array"),
    ({"contacts_scrape_rate_limit": "1e6"}, "contacts_scrape_rate_limit: must be a"),
    ({"contacts_scrape_rate_limit": 2.5}, "contacts_scrape_rate_limit: must be a"),
    ({"control_api_rate_limit": ["15"]}, "Unexpected parameter: control_api_rate_limit"),
]


@pytest.mark.parametrize(("body", "details"), LEGACY_INVALID, ids=[d for _, d in LEGACY_INVALID])
async def test_garbage_in_older_keys_is_refused_and_changes_nothing(
    sqlite_stack: InProcessStack, body: dict[str, Any], details: str
) -> None:
    token = await sqlite_stack.api.admin_token()
    # Inside an otherwise valid wabclient body nothing of it may be applied either.
    response = await patch(sqlite_stack, token, {**wabclient_settings("311234567789"), **body})
    code = 1010 if details.startswith("Unexpected") else 1009
    assert_error(response, 400, code, details)
    assert await read(sqlite_stack, token) == DEFAULTS
