"""The message status table (spec §11.3)."""

from __future__ import annotations

import pytest

from waemu.coreapp.services import message_status as st


@pytest.mark.parametrize(("current", "new"), sorted(st.TRANSITIONS))
def test_advance_follows_the_table(current: str, new: str) -> None:
    assert st.advance(current, new) == new


@pytest.mark.parametrize(
    ("current", "new"),
    [(st.READ, st.DELIVERED), (st.DELIVERED, st.SENT), (st.FAILED, st.SENT), (st.READ, st.READ)],
)
def test_advance_refuses_moves_off_the_table(current: str, new: str) -> None:
    with pytest.raises(st.IllegalStatusTransition, match=f"{current} -> {new}"):
        st.advance(current, new)


def test_settle_keeps_the_status_when_a_late_receipt_arrives() -> None:
    assert st.settle(st.READ, st.DELIVERED) == st.READ
    assert st.settle(st.SENT, st.DELIVERED) == st.DELIVERED
