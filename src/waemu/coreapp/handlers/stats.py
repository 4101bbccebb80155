"""Operations of ``/v1/stats/app`` and ``/v1/stats/db`` and their ``/internal`` variants
(spec §10.2). The webapp renders the JSON stat format as Prometheus text when asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.coreapp.dispatch import Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services import message_status as st
from waemu.coreapp.services.stats import AppStats, db_report
from waemu.protocol import ops
from waemu.storage.repos import stats as repo


def operations(
    stats: AppStats,
    sessions: async_sessionmaker[AsyncSession],
    message_queue: Callable[[], int],
) -> list[Operation]:
    """The stats area's operation table."""

    async def app(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        async with sessions() as session:
            callbacks = await repo.outbox_size(session)
        return stats.report(
            callback_queue=callbacks,
            message_queue=message_queue(),
            internal=a.get("internal") is True,
        )

    async def db(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        # spec §10.2: "slow; avoid frequent polling" - one grouped count per stat.
        async with sessions() as session:
            counts = await repo.counts(session, st.ACCEPTED)
            details = await repo.details(session) if a.get("internal") is True else None
        return db_report(counts, details)

    return [
        Operation(ops.STATS_APP, app, Access.USER_OR_APIKEY),
        Operation(ops.STATS_DB, db, Access.USER_OR_APIKEY),
    ]
