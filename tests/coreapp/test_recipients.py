"""The wa_ids a message's ``to`` names (coreapp/services/recipients.py, docs/messages.md)."""

from __future__ import annotations

import pytest

from waemu.coreapp.services.recipients import Recipients

DK = "4525123456"


def known(*wa_ids: str, limit: int = 10) -> Recipients:
    """Recipients knowing ``wa_ids`` (no database: ``load`` is not called)."""
    recipients = Recipients(None, limit=limit)  # type: ignore[arg-type]
    recipients.learn(wa_ids)
    return recipients


@pytest.mark.parametrize("to", [DK, "45 25 12 34 56", " 45-25-12-34-56 ", "(45) 2512.3456"])
def test_address_is_plus_wa_id_when_digits_are_known(to: str) -> None:
    assert known(DK).address(to) == f"+{DK}"


@pytest.mark.parametrize("to", ["4525123457", f"+{DK}", f"wa:{DK}", f"0{DK}", ""])
def test_address_is_as_typed_when_not_a_known_wa_id(to: str) -> None:
    assert known(DK).address(to) == to


def test_learn_forgets_the_least_recently_seen_when_over_the_limit() -> None:
    recipients = known("441", "442", limit=2)
    recipients.learn(["441", "443"])  # 441 seen again: 442 is now the oldest
    assert "441" in recipients and "443" in recipients and "442" not in recipients
