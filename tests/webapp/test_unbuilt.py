"""Nodes not emulated yet answer a clear 501 instead of looking like typos."""

from __future__ import annotations

import pytest

from tests.stacks import InProcessStack
from tests.webapp.assertions import assert_error
from waemu.webapp.routes.unbuilt import UNBUILT


@pytest.mark.parametrize(("path", "methods"), UNBUILT, ids=[p for p, _ in UNBUILT])
async def test_unbuilt_node_answers_not_implemented(
    sqlite_stack: InProcessStack, path: str, methods: tuple[str, ...]
) -> None:
    concrete = path.replace("{", "").replace("}", "")
    for method in methods:
        response = await sqlite_stack.http.request(method, concrete)
        assert_error(response, 501, 1000, "not implemented by this emulator yet")


async def test_unknown_path_is_not_confused_with_unbuilt(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/v1/no-such-node")
    assert_error(response, 404, 1006, "Unknown path: /v1/no-such-node")
