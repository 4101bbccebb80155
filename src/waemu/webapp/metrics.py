"""The webapp's own metrics (spec §10.3) and the Prometheus text rendering of stats.

The edge middleware counts each request here: two gauge moves and one dictionary entry
update, no lock, no await (the event loop is the only writer). The names and labels of
``GET /metrics`` are the real ones; what each counts here is in docs/stats.md:

- ``web_uptime``: seconds since the webapp started, on the injected clock;
- ``web_connections``: requests in the webapp now (being handled or answered);
- ``web_pending_connections``: those of them not answering yet;
- ``web_max_pending_connections``: the most requests not answering yet at one time since
  the start;
- ``web_queue_len``: requests waiting for the coreapp's answer on the internal socket;
- ``web_idle_processes``: the webapp's one worker process, 1 when it has no request in hand
  besides the one asking for the metrics, else 0;
- ``web_requests`` (label ``state``): ``handle-request`` and ``write`` split of the above;
- ``api_requests_duration_ms_sum`` / ``_count`` (labels ``node``, ``result``, ``method``):
  per node as ``<METHOD>_<path without parameters>`` (``GET_v1_health``,
  ``GET_v1_media`` for ``/v1/media/{id}``), the HTTP status, and the time spent.

prometheus-client's own metric classes take a lock on every increment and rename counters
to ``*_total``; the stats keep the real names, so they are rendered here, with the
library's number formatting, and parse with its parser.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client.utils import floatToGoString
from starlette.types import Scope

from waemu.clock import Clock

# The classic text exposition format, which is what prometheus_text() writes.
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_go_float: Callable[[float], str] = floatToGoString  # the library's number format
UNKNOWN_NODE = "unknown"


def node_label(method: str, template: str | None) -> str:
    """``GET_v1_health`` for GET on ``/v1/health``; path parameters are left out."""
    if template is None:
        return f"{method}_{UNKNOWN_NODE}"
    parts = [p for p in template.strip("/").split("/") if p and not p.startswith("{")]
    return "_".join([method, *parts])


class RequestMetrics:
    """The request counters of one webapp."""

    def __init__(self, clock: Clock, node: str | None = None) -> None:
        self.clock = clock
        self.started_at = clock.now()
        self.node = node or socket.gethostname()
        self.handling = 0
        self.writing = 0
        self.max_pending = 0
        # (method, route template, status) -> [count, milliseconds]
        self.requests: dict[tuple[str, str | None, int], list[float]] = {}

    def begin(self) -> float:
        """A request came in; returns its start time for :meth:`end`."""
        self.handling += 1
        if self.handling > self.max_pending:
            self.max_pending = self.handling
        return time.perf_counter()

    def responding(self) -> None:
        """The request's response has started."""
        self.handling -= 1
        self.writing += 1

    def end(self, scope: Scope, status: int, started: float, responded: bool) -> None:
        """The request is over (``status`` 0: no response was started)."""
        if responded:
            self.writing -= 1
        else:
            self.handling -= 1
        route = scope.get("route")
        key = (scope.get("method", "GET"), getattr(route, "path", None), status)
        entry = self.requests.get(key)
        if entry is None:
            entry = self.requests[key] = [0, 0.0]
        entry[0] += 1
        entry[1] += (time.perf_counter() - started) * 1000

    def report(self, queue_len: int = 0) -> dict[str, dict[str, Any]]:
        """The webapp's metrics in the JSON stat format (``queue_len``: calls waiting for
        the coreapp)."""
        node = self.node
        sums: list[dict[str, Any]] = []
        counts: list[dict[str, Any]] = []
        totals: dict[tuple[str, str], list[float]] = {}
        for (method, template, status), (count, ms) in self.requests.items():
            total = totals.setdefault((node_label(method, template), str(status)), [0, 0.0])
            total[0] += count
            total[1] += ms
        for (label, result), (count, ms) in sorted(totals.items()):
            labels = {"method": label, "node": node, "result": result}
            counts.append({"labels": labels, "value": int(count)})
            sums.append({"labels": labels, "value": round(ms, 3)})
        uptime = int((self.clock.now() - self.started_at).total_seconds())
        return {
            "api_requests_duration_ms_count": {
                "data": counts,
                "help": "Total number of API requests",
                "type": "counter",
            },
            "api_requests_duration_ms_sum": {
                "data": sums,
                "help": "Total number of durations of API requests",
                "type": "counter",
            },
            "web_connections": _gauge(
                "Number of open connections", node, self.handling + self.writing
            ),
            "web_idle_processes": _gauge(
                "Number of idle worker processes",
                node,
                1 if self.handling + self.writing <= 1 else 0,
            ),
            "web_max_pending_connections": _gauge(
                "Maximum number of connections waiting for their response", node, self.max_pending
            ),
            "web_pending_connections": _gauge(
                "Number of connections waiting for their response", node, self.handling
            ),
            "web_requests": {
                "data": [
                    {"labels": {"node": node, "state": "handle-request"}, "value": self.handling},
                    {"labels": {"node": node, "state": "write"}, "value": self.writing},
                ],
                "help": "Number of ongoing requests",
                "type": "gauge",
            },
            "web_queue_len": _gauge("Number of requests waiting for the coreapp", node, queue_len),
            "web_uptime": _gauge("Number of seconds since web server has started", node, uptime),
        }


def _gauge(help_text: str, node: str, value: float) -> dict[str, Any]:
    return {
        "data": [{"labels": {"node": node}, "value": value}],
        "help": help_text,
        "type": "gauge",
    }


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def prometheus_text(stats: Mapping[str, Mapping[str, Any]]) -> str:
    """Stats in the JSON stat format as Prometheus text (exposition format 0.0.4)."""
    lines: list[str] = []
    for name, entry in stats.items():
        help_text = str(entry.get("help", name)).replace("\\", r"\\").replace("\n", r"\n")
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {entry.get('type', 'untyped')}")
        for sample in entry.get("data", ()):
            labels = sample.get("labels") or {}
            text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(labels.items()))
            value = _go_float(sample.get("value", 0))
            lines.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
    return "\n".join(lines) + "\n" if lines else ""
