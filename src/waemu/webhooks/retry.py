"""The real client's retry schedule (spec §11.1) and where it ends."""

from __future__ import annotations

from datetime import datetime, timedelta


def backoff_seconds(failures: int, delay_ms: int, max_delay_ms: int) -> float:
    """Seconds before the next attempt after ``failures`` consecutive failures: the delay
    grows by ``callback_backoff_delay_ms`` per failure (3 s, 6 s, 9 s, ...) and stays at
    ``max_callback_backoff_delay_ms`` once it gets there."""
    return min(delay_ms * max(failures, 1), max_delay_ms) / 1000


def past_horizon(created_at: datetime, next_attempt_at: datetime, horizon: timedelta) -> bool:
    """Whether a retry at ``next_attempt_at`` would come later than ``horizon`` after the
    notification was written; it is then given up instead. Meta's webhooks page: delivery is
    retried "with increasing delays up to a certain timeout (typically 24 hours, though this
    may vary), or until the delivery succeeds" (spec §11.1)."""
    return next_attempt_at > created_at + horizon
