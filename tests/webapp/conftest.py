"""Fixtures of the webapp tests: stacks started with extra environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import database_env
from tests.stacks import InProcessStack
from tests.webapp.helpers import StackFactory


@pytest.fixture
def make_stack(tmp_path: Path) -> StackFactory:
    """Builds an in-process SQLite stack with variables such as ``WA_API_KEY`` set.

    Use as ``async with make_stack(WA_API_KEY="...") as stack:``.
    """

    def make(**env: str) -> InProcessStack:
        return InProcessStack({**database_env("sqlite", tmp_path), **env})

    return make
