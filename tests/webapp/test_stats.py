"""``GET /v1/stats/app`` and ``/v1/stats/db`` (+ ``/internal``) report real state, in the JSON
stat format and as Prometheus text (spec §10.2)."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.messaging import ALICE, customer_writes, ready, receipts, send_text, until
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.contacts_helpers import check, statuses
from tests.webapp.helpers import StackFactory, create_user
from waemu.storage.repos import stats as stats_repo
from waemu.storage.repos import webhooks as webhook_repo

APP_STATS = {
    "callback_queue_size",
    "callback_requests",
    "endpoint_requests",
    "incoming_messages",
    "message_queue",
    "outgoing_messages",
}
APP_INTERNAL = APP_STATS | {
    "callback_requests_duration_ms_count",
    "callback_requests_duration_ms_sum",
    "callbacks_given_up",
    "endpoint_requests_duration_ms_count",
    "endpoint_requests_duration_ms_sum",
    "incoming_receipts",
    "uptime_seconds",
}
DB_STATS = {
    "db_contacts",
    "db_message_receipts",
    "db_messages",
    "db_pending_callbacks",
    "db_pending_messages",
}
DB_INTERNAL = DB_STATS | {
    "db_contact_identities",
    "db_media",
    "db_media_bytes",
    "db_messages_by_status",
    "db_webhook_attempts",
}
API_KEY = "monitoring-key-0123"


async def app_stats(stack: InProcessStack, token: str, path: str = "/v1/stats/app") -> Any:
    body = assert_ok(await stack.http.get(path, headers=bearer(token)))
    assert set(body) == {"stats"} and set(body["stats"]) == {"app"}
    return body["stats"]["app"]


async def db_stats(stack: InProcessStack, token: str, path: str = "/v1/stats/db") -> Any:
    body = assert_ok(await stack.http.get(path, headers=bearer(token)))
    assert set(body) == {"stats"} and set(body["stats"]) == {"db"}
    return body["stats"]["db"]


def value(stats: dict[str, Any], name: str, **labels: str) -> float:
    """The value of the entry of ``name`` with exactly these labels (0 when there is none)."""
    for entry in stats[name]["data"]:
        if entry.get("labels", {}) == labels:
            found: float = entry["value"]
            return found
    return 0


def assert_stat_format(stats: dict[str, Any]) -> None:
    for name, entry in stats.items():
        assert set(entry) == {"data", "help", "type"}, name
        assert entry["type"] in ("gauge", "counter"), name
        assert isinstance(entry["help"], str) and entry["help"], name
        for sample in entry["data"]:
            assert set(sample) in ({"value"}, {"labels", "value"}), (name, sample)
            assert isinstance(sample["value"], int | float)
            assert all(isinstance(v, str) for v in sample.get("labels", {}).values())


async def test_app_stats_count_messages_and_operations(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    before = await app_stats(stack, token)
    assert set(before) == APP_STATS
    assert_stat_format(before)
    assert value(before, "outgoing_messages", type="text") == 0
    await customer_writes(stack, ALICE, "hello")
    first = await send_text(stack, token, ALICE)
    await until(lambda: receipts(stack, first), ["sent", "delivered", "read"])
    second = await send_text(stack, token, ALICE, "again")
    await until(lambda: receipts(stack, second), ["sent", "delivered", "read"])
    after = await app_stats(stack, token)
    assert_stat_format(after)
    assert value(after, "outgoing_messages", type="text") == 2
    assert value(after, "incoming_messages", type="text") == 1
    sends = value(after, "endpoint_requests", method="messages.send", result="ok")
    assert sends == value(before, "endpoint_requests", method="messages.send", result="ok") + 2
    assert value(after, "endpoint_requests", method="stats.app", result="ok") >= 1
    assert after["message_queue"]["data"] == [{"value": 0}]
    # No webhook URL: every notification waits in the outbox (spec §11.1).
    assert value(after, "callback_queue_size") >= 3
    assert after["callback_requests"]["data"] == []


async def test_app_stats_count_refused_operations_by_code(sqlite_stack: InProcessStack) -> None:
    token = await ready(sqlite_stack)
    response = await sqlite_stack.http.put(
        "/v1/messages/no-such-id", headers=bearer(token), json={"status": "read"}
    )
    assert response.status_code == 404, response.text
    stats = await app_stats(sqlite_stack, token)
    assert value(stats, "endpoint_requests", method="messages.mark_read", result="1006") == 1


async def test_db_stats_count_what_the_database_holds(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    empty = await db_stats(stack, token)
    assert set(empty) == DB_STATS
    assert_stat_format(empty)
    assert empty["db_message_receipts"]["data"] == [{"value": 0}]
    assert empty["db_messages"]["data"] == []
    answers = statuses(await check(stack, bearer(token), ["16315551002", "16315550000"]))
    assert [a["status"] for a in answers] == ["valid", "invalid"]
    await customer_writes(stack, ALICE)
    sent = [await send_text(stack, token, ALICE), await send_text(stack, token, ALICE, "2")]
    for message_id in sent:
        await until(lambda m=message_id: receipts(stack, m), ["sent", "delivered", "read"])
    stats = await db_stats(stack, token)
    assert_stat_format(stats)
    assert stats["db_contacts"]["data"] == [
        {"labels": {"type": "non_whatsapp_user"}, "value": 1},
        {"labels": {"type": "whatsapp_user"}, "value": 1},
    ]
    assert stats["db_messages"]["data"] == [{"labels": {"type": "text"}, "value": 3}]
    assert stats["db_message_receipts"]["data"] == [{"value": 6}]
    assert stats["db_pending_messages"]["data"] == [{"value": 0}]
    assert stack.core.messages is not None
    async with stack.core.messages.sessions() as session:
        waiting = await webhook_repo.pending(session)
    assert waiting >= 5  # the customer's message and the delivered/read statuses
    assert stats["db_pending_callbacks"]["data"] == [{"value": waiting}]


async def test_internal_variants_add_detail(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    message_id = await send_text(stack, token, ALICE)
    await until(lambda: receipts(stack, message_id), ["sent", "delivered", "read"])
    app = await app_stats(stack, token, "/v1/stats/app/internal")
    assert set(app) == APP_INTERNAL
    assert_stat_format(app)
    assert value(app, "endpoint_requests_duration_ms_count", method="messages.send", result="ok")
    assert value(app, "incoming_receipts", status="read") == 1
    db = await db_stats(stack, token, "/v1/stats/db/internal")
    assert set(db) == DB_INTERNAL
    assert_stat_format(db)
    assert value(db, "db_messages_by_status", direction="out", status="read") == 1
    assert value(db, "db_messages_by_status", direction="in", status="received") == 1
    assert db["db_media"]["data"] == []
    async with stack.core.messages.sessions() as session:  # type: ignore[union-attr]
        details = await stats_repo.details(session)
    assert db["db_webhook_attempts"]["data"] == [{"value": details.webhook_attempts}]


def parse(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(response.text)}


async def test_prometheus_format_carries_the_same_values(stack: InProcessStack) -> None:
    token = await ready(stack, ALICE)
    await customer_writes(stack, ALICE)
    await send_text(stack, token, ALICE)
    for node, names in (("app", APP_STATS), ("db", DB_STATS), ("db/internal", DB_INTERNAL)):
        response = await stack.http.get(
            f"/v1/stats/{node}", params={"format": "prometheus"}, headers=bearer(token)
        )
        families = parse(response)
        assert set(families) == names
    json_db = await db_stats(stack, token)
    text_db = parse(await stack.http.get("/v1/stats/db?format=prometheus", headers=bearer(token)))
    (sample,) = text_db["db_messages"].samples
    assert sample.labels == {"type": "text"}
    assert sample.value == value(json_db, "db_messages", type="text") == 2
    assert text_db["db_contacts"].type == "gauge"
    app = parse(await stack.http.get("/v1/stats/app?format=prometheus", headers=bearer(token)))
    outgoing = {s.labels["type"]: s.value for s in app["outgoing_messages"].samples}
    assert outgoing == {"text": 1}


async def test_stats_require_credentials(sqlite_stack: InProcessStack) -> None:
    for path in ("/v1/stats/app", "/v1/stats/db", "/v1/stats/app/internal"):
        assert_error(await sqlite_stack.http.get(path), 401, 1005, "Authorization")
        bad = {"Authorization": "Bearer not-a-token"}
        response = await sqlite_stack.http.get(path, headers=bad)
        assert response.status_code == 401, response.text


async def test_stats_accept_a_user_token_and_reject_a_bad_format(
    sqlite_stack: InProcessStack,
) -> None:
    token = await create_user(sqlite_stack, "monitor")
    assert set(await app_stats(sqlite_stack, token)) == APP_STATS
    response = await sqlite_stack.http.get("/v1/stats/db?format=xml", headers=bearer(token))
    assert_error(response, 400, 1009, "format")


async def test_stats_accept_the_api_key(make_stack: StackFactory) -> None:
    async with make_stack(WA_API_KEY=API_KEY) as stack:
        key = {"Authorization": f"Apikey {API_KEY}"}
        for path in ("/v1/stats/app", "/v1/stats/db/internal"):
            assert "stats" in assert_ok(await stack.http.get(path, headers=key))
        wrong = {"Authorization": "Apikey wrong-key-0123456"}
        assert_error(await stack.http.get("/v1/stats/db", headers=wrong), 401, 1005, "API key")
