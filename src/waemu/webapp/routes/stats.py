"""``/v1/stats/app`` and ``/v1/stats/db`` and their ``/internal`` variants (spec §10.2).

JSON by default (``{"stats": {"app": {...}}}``), Prometheus text with ``?format=prometheus``.
The ``/internal`` variants add the detailed stats listed in docs/stats.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp.deps import Deps, UserOrApikey
from waemu.webapp.metrics import PROMETHEUS_CONTENT_TYPE, prometheus_text

router = APIRouter(tags=["stats"])
FORMATS = ("json", "prometheus")


def check_format(value: str | None) -> str:
    """``json`` (the default) or ``prometheus``; 400/1009 for anything else."""
    chosen = value or "json"
    if chosen not in FORMATS:
        raise ApiError(1009, "Invalid value for format: must be json or prometheus")
    return chosen


async def _stats(
    deps: Deps, principal: UserOrApikey, store: str, *, internal: bool, fmt: str | None
) -> Response:
    chosen = check_format(fmt)
    op = ops.STATS_APP if store == "app" else ops.STATS_DB
    values = await deps.core.call(op, {"internal": internal}, principal=principal)
    if chosen == "prometheus":
        return Response(prometheus_text(values), media_type=PROMETHEUS_CONTENT_TYPE)
    return deps.envelope.ok({"stats": {store: values}})


@router.get("/v1/stats/app")
async def get_app_stats(deps: Deps, principal: UserOrApikey, format: str | None = None) -> Response:
    """The coreapp's stats, kept in its memory."""
    return await _stats(deps, principal, "app", internal=False, fmt=format)


@router.get("/v1/stats/app/internal")
async def get_app_stats_internal(
    deps: Deps, principal: UserOrApikey, format: str | None = None
) -> Response:
    """The coreapp's stats with the detailed internals."""
    return await _stats(deps, principal, "app", internal=True, fmt=format)


@router.get("/v1/stats/db")
async def get_db_stats(deps: Deps, principal: UserOrApikey, format: str | None = None) -> Response:
    """Counts of what the database holds (slow on a big database: poll rarely)."""
    return await _stats(deps, principal, "db", internal=False, fmt=format)


@router.get("/v1/stats/db/internal")
async def get_db_stats_internal(
    deps: Deps, principal: UserOrApikey, format: str | None = None
) -> Response:
    """The database counts with the detailed ones."""
    return await _stats(deps, principal, "db", internal=True, fmt=format)
