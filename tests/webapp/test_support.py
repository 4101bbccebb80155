"""``GET /v1/support`` reports the coreapp's real state (spec §10.4)."""

from __future__ import annotations

from tests.registration import WA_ID, register
from tests.stacks import InProcessStack, bearer
from tests.webapp.assertions import assert_error

ENGINE_NAMES = {"sqlite": "SQLITE", "postgres": "PGSQL", "mysql": "MYSQL"}
STORES = {"axolotl", "callback", "cluster", "config", "contact", "jobqueue", "message"}


async def test_support_reports_unregistered_client(stack: InProcessStack, engine: str) -> None:
    token = await stack.api.admin_token()
    response = await stack.http.get("/v1/support", headers=bearer(token))
    assert response.status_code == 200, response.text
    support = response.json()["support"]
    assert support["db_engine"] == ENGINE_NAMES[engine]
    assert support["debug_info"] == "unregistered"
    assert support["socket_conn"] == "DN"
    assert support["shards"] == []
    assert set(support["schema"]) == STORES
    assert all(isinstance(v, int) and v >= 1 for v in support["schema"].values())
    assert support["multi_connect"] is False
    assert isinstance(support["free_space_data"], int)
    assert not any("PASSWORD" in entry or "KEY" in entry for entry in support["env"])


async def test_support_reports_registered_connected_client(sqlite_stack: InProcessStack) -> None:
    token = await sqlite_stack.api.admin_token()
    await register(sqlite_stack, token)
    support = (await sqlite_stack.http.get("/v1/support", headers=bearer(token))).json()["support"]
    assert support["debug_info"] == WA_ID
    assert support["socket_conn"] == "UP"
    assert support["shards"] == [[-1, -1], [0, 0]]


async def test_support_requires_a_token(sqlite_stack: InProcessStack) -> None:
    assert_error(await sqlite_stack.http.get("/v1/support"), 401, 1005, "Authorization")
