"""``GET /metrics`` (and ``/v1/metrics``): the webapp's own metrics and the coreapp's counters,
JSON by default and Prometheus text on request (spec §10.3)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error, assert_ok
from tests.webapp.helpers import StackFactory
from tests.webapp.test_stats import APP_STATS, assert_stat_format, value

WEB_METRICS = {
    "api_requests_duration_ms_count",
    "api_requests_duration_ms_sum",
    "web_connections",
    "web_idle_processes",
    "web_max_pending_connections",
    "web_pending_connections",
    "web_queue_len",
    "web_requests",
    "web_uptime",
}
API_KEY = "monitoring-key-0123"


async def metrics(stack: InProcessStack, headers: dict[str, str], path: str = "/metrics") -> Any:
    body = assert_ok(await stack.http.get(path, headers=headers))
    assert set(body) == {"metrics"}
    return body["metrics"]


def node_of(found: dict[str, Any]) -> str:
    node: str = found["web_uptime"]["data"][0]["labels"]["node"]
    return node


async def test_metrics_count_requests_per_node_and_result(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    headers = bearer(token)
    before = await metrics(sqlite_stack, headers)
    assert set(before) == WEB_METRICS | APP_STATS
    assert_stat_format(before)
    node = node_of(before)
    health = {"method": "GET_v1_health", "node": node, "result": "200"}
    refused = {"method": "GET_v1_health", "node": node, "result": "401"}
    start = value(before, "api_requests_duration_ms_count", **health)
    for _ in range(3):
        assert (await sqlite_stack.http.get("/v1/health", headers=headers)).status_code == 200
    assert (await sqlite_stack.http.get("/v1/health")).status_code == 401
    after = await metrics(sqlite_stack, headers, "/v1/metrics")
    assert value(after, "api_requests_duration_ms_count", **health) == start + 3
    assert value(after, "api_requests_duration_ms_count", **refused) == 1
    assert value(after, "api_requests_duration_ms_sum", **health) > 0
    # The /metrics request itself is the one request in flight, not answering yet.
    assert after["web_connections"]["data"] == [{"labels": {"node": node}, "value": 1}]
    assert after["web_pending_connections"]["data"] == [{"labels": {"node": node}, "value": 1}]
    assert value(after, "web_requests", node=node, state="handle-request") == 1
    assert value(after, "web_requests", node=node, state="write") == 0
    assert value(after, "web_idle_processes", node=node) == 1  # nothing else in hand
    assert value(after, "web_queue_len", node=node) == 0  # no call waiting for the coreapp
    # The coreapp's counters come along (spec §10.2 names).
    assert value(after, "endpoint_requests", method="health.get", result="ok") >= 3


async def test_path_parameters_are_left_out_of_the_node(sqlite_stack: InProcessStack) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    missing = "/v1/media/f043afd0-f0ae-4b9c-ab3d-696fb4c8cd68"
    assert (await sqlite_stack.http.get(missing, headers=headers)).status_code == 404
    assert (await sqlite_stack.http.get("/v1/no-such-node", headers=headers)).status_code == 404
    found = await metrics(sqlite_stack, headers)
    node = node_of(found)
    for method in ("GET_v1_media", "GET_unknown"):
        labels = {"method": method, "node": node, "result": "404"}
        assert value(found, "api_requests_duration_ms_count", **labels) == 1, method


async def test_uptime_follows_the_clock(sqlite_stack: InProcessStack) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    first = (await metrics(sqlite_stack, headers))["web_uptime"]["data"][0]["value"]
    sqlite_stack.clock.advance(3600)
    headers = bearer(await sqlite_stack.api.admin_token())
    later = (await metrics(sqlite_stack, headers))["web_uptime"]["data"][0]["value"]
    assert later == first + 3600


async def test_prometheus_text_parses(sqlite_stack: InProcessStack) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    await sqlite_stack.http.get("/v1/health", headers=headers)
    response = await sqlite_stack.http.get("/metrics?format=prometheus", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert set(families) == WEB_METRICS | APP_STATS
    assert families["web_uptime"].type == "gauge"
    counts = families["api_requests_duration_ms_count"].samples
    assert any(s.labels["method"] == "GET_v1_health" and s.value >= 1 for s in counts)


async def test_metrics_require_credentials(sqlite_stack: InProcessStack) -> None:
    for path in ("/metrics", "/v1/metrics"):
        assert_error(await sqlite_stack.http.get(path), 401, 1005, "Authorization")
    headers = bearer(await sqlite_stack.api.admin_token())
    response = await sqlite_stack.http.get("/metrics?format=yaml", headers=headers)
    assert_error(response, 400, 1009, "format")


async def test_metrics_answer_with_the_api_key_while_the_coreapp_is_down(
    make_stack: StackFactory,
) -> None:
    async with make_stack(WA_API_KEY=API_KEY, WA_CORE_CONNECT_TIMEOUT="0.5") as stack:
        key = {"Authorization": f"Apikey {API_KEY}"}
        assert set(await metrics(stack, key)) == WEB_METRICS | APP_STATS
        assert await stack.stop_core() == 0  # the webapp keeps running
        assert set(await metrics(stack, key)) == WEB_METRICS
        down = await stack.http.get("/v1/stats/app", headers=key)
        assert_error(down, 500, 1014, "Please check if wacore is running")


async def test_the_pending_high_water_mark_and_the_queue_follow_concurrent_requests(
    sqlite_stack: InProcessStack,
) -> None:
    headers = bearer(await sqlite_stack.api.admin_token())
    node = node_of(await metrics(sqlite_stack, headers))
    core = sqlite_stack.core
    seen: list[tuple[int, int]] = []

    async def health() -> None:
        assert (await sqlite_stack.http.get("/v1/health", headers=headers)).status_code == 200

    async def during() -> None:
        # Asked while eight health checks wait for the coreapp's answer.
        found = await metrics(sqlite_stack, headers)
        seen.append(
            (
                value(found, "web_queue_len", node=node),
                value(found, "web_idle_processes", node=node),
            )
        )

    release = asyncio.Event()
    handler = core.dispatcher._ops["health.get"].handler

    async def held(args: dict[str, Any], principal: Any) -> Any:
        await release.wait()
        return await handler(args, principal)

    core.dispatcher._ops["health.get"] = dataclasses.replace(
        core.dispatcher._ops["health.get"], handler=held
    )
    checks = [asyncio.create_task(health()) for _ in range(8)]
    for _ in range(200):
        if sqlite_stack.app.state.metrics.handling >= 8:
            break
        await asyncio.sleep(0.005)
    await during()
    release.set()
    await asyncio.gather(*checks)
    after = await metrics(sqlite_stack, headers)
    assert seen == [(8, 0)]
    assert value(after, "web_max_pending_connections", node=node) >= 9
    assert value(after, "web_queue_len", node=node) == 0
