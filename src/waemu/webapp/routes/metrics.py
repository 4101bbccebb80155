"""``GET /metrics`` and its ``/v1/metrics`` alias (spec §10.3, §2.1).

The webapp's own metrics (webapp/metrics.py) followed by the coreapp's app stats (§10.2),
JSON by default as in Meta's example (``{"metrics": {...}}``), Prometheus text with
``?format=prometheus``. When the coreapp cannot be reached the webapp's metrics still
answer: monitoring needs them most then (docs/stats.md).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp.deps import Deps, UserOrApikey
from waemu.webapp.metrics import PROMETHEUS_CONTENT_TYPE, RequestMetrics, prometheus_text
from waemu.webapp.routes.stats import check_format

log = logging.getLogger(__name__)
router = APIRouter(tags=["metrics"])


async def _metrics(
    request: Request, deps: Deps, principal: UserOrApikey, fmt: str | None
) -> Response:
    chosen = check_format(fmt)
    web: RequestMetrics = request.app.state.metrics
    values: dict[str, Any] = web.report(deps.core.in_flight)
    try:
        values.update(await deps.core.call(ops.STATS_APP, {"internal": False}, principal))
    except ApiError as exc:
        if exc.code != 1014 and exc.code != 1011:
            raise
        log.info("metrics without the coreapp's stats: %s", exc.details)
    values = dict(sorted(values.items()))
    if chosen == "prometheus":
        return Response(prometheus_text(values), media_type=PROMETHEUS_CONTENT_TYPE)
    return deps.envelope.ok({"metrics": values})


@router.get("/metrics")
async def get_metrics(
    request: Request, deps: Deps, principal: UserOrApikey, format: str | None = None
) -> Response:
    """The webapp's metrics and the coreapp's counters."""
    return await _metrics(request, deps, principal, format)


@router.get("/v1/metrics")
async def get_metrics_v1(
    request: Request, deps: Deps, principal: UserOrApikey, format: str | None = None
) -> Response:
    """``/metrics`` under ``/v1`` too (spec §2.1 allows the alias)."""
    return await _metrics(request, deps, principal, format)
