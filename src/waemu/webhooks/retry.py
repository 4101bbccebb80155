"""The real client's retry schedule (spec §11.1)."""

from __future__ import annotations


def backoff_seconds(failures: int, delay_ms: int, max_delay_ms: int) -> float:
    """Seconds before the next attempt after ``failures`` consecutive failures: the delay
    grows by ``callback_backoff_delay_ms`` per failure (3 s, 6 s, 9 s, ...) and stays at
    ``max_callback_backoff_delay_ms`` once it gets there."""
    return min(delay_ms * max(failures, 1), max_delay_ms) / 1000
