"""The webapp's CoreClient against a real CoreServer on a real socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.databases import free_port
from waemu.coreapp.dispatch import Dispatcher, Operation
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.server import CoreServer
from waemu.errors import ApiError, forbidden
from waemu.protocol import framing
from waemu.protocol.client import CoreClient

HOST = "127.0.0.1"


def unreachable_details(port: int) -> str:
    """What the real webapp says when the coreapp cannot be reached (spec §10.1)."""
    return f"Connection timed out. Please check if wacore is running: {HOST}:{port}"


class CountingServer(CoreServer):
    """A CoreServer that counts the connections it accepted."""

    def __init__(self, dispatcher: Dispatcher, host: str, port: int) -> None:
        super().__init__(dispatcher, host, port)
        self.connections = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await super()._serve(reader, writer)


class Ops:
    """Operations registered for these tests; ``slow`` waits until its key is released."""

    def __init__(self) -> None:
        self.gates: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.entered: asyncio.Queue[str] = asyncio.Queue()

    async def echo(self, args: dict[str, Any], principal: Principal | None) -> dict[str, Any]:
        return {
            "args": args,
            "user": principal.user if principal else None,
            "apikey": principal.apikey if principal else None,
        }

    async def slow(self, args: dict[str, Any], _p: Principal | None) -> str:
        key = str(args["key"])
        await self.entered.put(key)
        await self.gates[key].wait()
        return key

    async def fail(self, _args: dict[str, Any], _p: Principal | None) -> None:
        raise ApiError(1009, "size must be a number")

    async def denied(self, _args: dict[str, Any], _p: Principal | None) -> None:
        raise ApiError(1005, "Invalid token: the token has expired", 401)

    async def crash(self, _args: dict[str, Any], _p: Principal | None) -> None:
        raise RuntimeError("secret internals")

    def operations(self) -> list[Operation]:
        return [
            Operation("echo", self.echo, Access.PUBLIC),
            Operation("slow", self.slow, Access.PUBLIC),
            Operation("fail", self.fail, Access.PUBLIC),
            Operation("denied", self.denied, Access.PUBLIC),
            Operation("crash", self.crash, Access.PUBLIC),
        ]

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.set()


@pytest.fixture
def ops() -> Ops:
    return Ops()


@pytest.fixture
def dispatcher(ops: Ops) -> Dispatcher:
    """A dispatcher whose database is ready, serving the test operations."""
    readiness = Readiness()
    readiness.move(Phase.UNREGISTERED)
    dispatcher = Dispatcher(readiness)
    dispatcher.register(ops.operations())
    return dispatcher


@pytest.fixture
async def server(dispatcher: Dispatcher, ops: Ops) -> AsyncIterator[CountingServer]:
    running = CountingServer(dispatcher, HOST, 0)
    await running.start()
    yield running
    ops.release_all()
    await running.stop(grace=1)


@pytest.fixture
async def client(server: CountingServer) -> AsyncIterator[CoreClient]:
    core = CoreClient(HOST, server.port, call_timeout=10, connect_timeout=1)
    yield core
    await core.close()


async def test_concurrent_calls_get_their_own_results_when_answered_out_of_order(
    client: CoreClient, server: CountingServer, ops: Ops
) -> None:
    keys = [f"k{n}" for n in range(20)]
    calls = {key: asyncio.create_task(client.call("slow", {"key": key})) for key in keys}
    entered = {await ops.entered.get() for _ in keys}
    assert entered == set(keys)
    for position, key in enumerate(reversed(keys)):
        ops.gates[key].set()
        assert await calls[key] == key
        still_waiting = keys[: len(keys) - position - 1]
        assert not any(calls[k].done() for k in still_waiting)
    assert server.connections == 1


async def test_concurrent_calls_get_their_own_results_when_many_share_one_connection(
    client: CoreClient, server: CountingServer
) -> None:
    results = await asyncio.gather(*(client.call("echo", {"n": n}) for n in range(200)))
    assert [r["args"] for r in results] == [{"n": n} for n in range(200)]
    assert server.connections == 1


async def test_principal_reaches_operation_when_sent_with_call(client: CoreClient) -> None:
    as_user = await client.call(
        "echo",
        principal={"user": "alice", "role": "ROLE_USER", "gen": "g1", "jti": "j1", "exp": 1},
    )
    as_apikey = await client.call("echo", principal={"apikey": True})
    anonymous = await client.call("echo")
    assert (as_user["user"], as_user["apikey"]) == ("alice", False)
    assert (as_apikey["user"], as_apikey["apikey"]) == (None, True)
    assert anonymous == {"args": {}, "user": None, "apikey": None}


async def test_call_fails_with_1014_naming_the_op_when_wait_expires(
    client: CoreClient, server: CountingServer, ops: Ops
) -> None:
    with pytest.raises(ApiError) as caught:
        await client.call("slow", {"key": "late"}, wait=0.05)
    assert caught.value.code == 1014
    assert caught.value.http_status == 500
    assert caught.value.details == "Coreapp did not answer slow within 0.05s"
    # The late reply is dropped and the connection keeps serving.
    ops.gates["late"].set()
    assert (await client.call("echo", {"after": "timeout"}))["args"] == {"after": "timeout"}
    assert server.connections == 1


async def test_call_fails_with_1014_naming_the_op_when_default_timeout_expires(
    server: CountingServer, ops: Ops
) -> None:
    core = CoreClient(HOST, server.port, call_timeout=0.05, connect_timeout=1)
    try:
        with pytest.raises(ApiError) as caught:
            await core.call("slow", {"key": "never"})
    finally:
        await core.close()
    assert caught.value.code == 1014
    assert caught.value.details == "Coreapp did not answer slow within 0.05s"


@pytest.mark.parametrize(
    ("op", "code", "details", "status"),
    [
        ("fail", 1009, "size must be a number", 400),
        ("denied", 1005, "Invalid token: the token has expired", 401),
    ],
)
async def test_api_error_arrives_intact_when_operation_raises_it(
    client: CoreClient, op: str, code: int, details: str, status: int
) -> None:
    with pytest.raises(ApiError) as caught:
        await client.call(op)
    assert caught.value.code == code
    assert caught.value.details == details
    assert caught.value.http_status == status
    assert caught.value.title == ApiError(code).title


async def test_unexpected_exception_becomes_1000_without_leaking_internals(
    client: CoreClient,
) -> None:
    with pytest.raises(ApiError) as caught:
        await client.call("crash")
    assert caught.value.code == 1000
    assert caught.value.http_status == 500
    assert caught.value.details == "Internal error in the coreapp"
    assert "secret internals" not in str(caught.value)
    assert (await client.call("echo", {"still": "alive"}))["args"] == {"still": "alive"}


async def test_call_answers_1014_naming_op_when_op_is_unknown(client: CoreClient) -> None:
    with pytest.raises(ApiError) as caught:
        await client.call("no.such.op")
    assert caught.value.code == 1014
    assert caught.value.http_status == 500
    assert caught.value.details == "Unknown coreapp operation 'no.such.op'"


async def test_server_answers_1025_when_args_are_not_an_object(server: CountingServer) -> None:
    reader, writer = await asyncio.open_connection(HOST, server.port)
    try:
        writer.write(framing.encode({"i": 41, "op": "echo", "a": [1, 2]}))
        reply = await asyncio.wait_for(framing.read(reader), 5)
    finally:
        writer.close()
        await writer.wait_closed()
    assert reply == {
        "i": 41,
        "e": {"code": 1025, "details": "Operation arguments must be an object", "status": 400},
    }


async def test_server_drops_connection_when_frame_is_garbage_and_keeps_serving_others(
    server: CountingServer, client: CoreClient
) -> None:
    reader, writer = await asyncio.open_connection(HOST, server.port)
    try:
        writer.write(framing.HEADER.pack(3) + b"{{{")
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()
        await writer.wait_closed()
    assert (await client.call("echo", {"ok": 1}))["args"] == {"ok": 1}


async def test_call_fails_fast_with_1014_when_nothing_listens() -> None:
    port = free_port()
    core = CoreClient(HOST, port, connect_timeout=1)
    try:
        async with asyncio.timeout(5):
            with pytest.raises(ApiError) as caught:
                await core.call("echo")
    finally:
        await core.close()
    assert caught.value.code == 1014
    assert caught.value.http_status == 500
    assert caught.value.details == unreachable_details(port)


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A port whose accept queue is full, so that a new connection attempt hangs."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect((HOST, port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_call_fails_with_1014_after_connect_timeout_when_connect_hangs(
    unresponsive_port: int,
) -> None:
    core = CoreClient(HOST, unresponsive_port, connect_timeout=0.2)
    try:
        async with asyncio.timeout(5):
            with pytest.raises(ApiError) as caught:
                await core.call("echo")
    finally:
        await core.close()
    assert caught.value.code == 1014
    assert caught.value.details == unreachable_details(unresponsive_port)


async def test_call_in_flight_fails_with_1014_when_server_stops(
    client: CoreClient, server: CountingServer, ops: Ops
) -> None:
    call = asyncio.create_task(client.call("slow", {"key": "stuck"}))
    assert await ops.entered.get() == "stuck"
    await server.stop(grace=0.05)
    async with asyncio.timeout(5):
        with pytest.raises(ApiError) as caught:
            await call
    assert caught.value.code == 1014
    assert caught.value.details == unreachable_details(server.port)


async def test_server_stop_lets_running_call_finish_when_within_grace(
    client: CoreClient, server: CountingServer, ops: Ops
) -> None:
    call = asyncio.create_task(client.call("slow", {"key": "draining"}))
    assert await ops.entered.get() == "draining"
    stopping = asyncio.create_task(server.stop(grace=10))
    await asyncio.sleep(0)
    assert not stopping.done()
    ops.gates["draining"].set()
    assert await call == "draining"
    async with asyncio.timeout(5):
        await stopping


async def test_same_client_reconnects_when_server_starts_again_on_same_port(
    client: CoreClient, server: CountingServer, dispatcher: Dispatcher
) -> None:
    assert (await client.call("echo", {"n": 1}))["args"] == {"n": 1}
    port = server.port
    await server.stop(grace=1)
    async with asyncio.timeout(5):
        with pytest.raises(ApiError) as caught:
            await client.call("echo", {"n": 2})
    assert caught.value.code == 1014
    assert caught.value.details == unreachable_details(port)

    restarted = CountingServer(dispatcher, HOST, port)
    await restarted.start()
    try:
        assert (await client.call("echo", {"n": 3}))["args"] == {"n": 3}
        assert restarted.connections == 1
    finally:
        await restarted.stop(grace=1)


# -- readiness -----------------------------------------------------------------------------


def admin_only(principal: Principal | None, _access: Access) -> None:
    """An authorizer that lets only the admin through."""
    if principal is None or not principal.is_admin:
        raise forbidden()


@dataclass
class Starting:
    """A coreapp whose readiness starts UNINITIALIZED, and a client of it."""

    readiness: Readiness
    dispatcher: Dispatcher
    client: CoreClient


@pytest.fixture
async def starting() -> AsyncIterator[Starting]:
    readiness = Readiness()

    async def where(_args: dict[str, Any], _p: Principal | None) -> str:
        return readiness.gateway_status

    async def guarded(_args: dict[str, Any], _p: Principal | None) -> str:
        return "admin only"

    dispatcher = Dispatcher(readiness)
    dispatcher.register(
        [
            Operation("db.read", where, Access.PUBLIC, needs_database=True),
            Operation("status.get", where, Access.PUBLIC, needs_database=False),
            Operation("admin.op", guarded, Access.ADMIN, needs_database=False),
        ]
    )
    running = CoreServer(dispatcher, HOST, 0)
    await running.start()
    core = CoreClient(HOST, running.port, call_timeout=10, connect_timeout=1)
    yield Starting(readiness, dispatcher, core)
    await core.close()
    await running.stop(grace=1)


async def test_database_op_answers_1011_when_readiness_is_uninitialized(
    starting: Starting,
) -> None:
    with pytest.raises(ApiError) as caught:
        await starting.client.call("db.read")
    assert caught.value.code == 1011
    assert caught.value.http_status == 503
    assert caught.value.details == "Coreapp is initializing its database"


async def test_op_without_database_runs_when_readiness_is_uninitialized(
    starting: Starting,
) -> None:
    assert await starting.client.call("status.get") == "uninitialized"


async def test_database_op_runs_when_readiness_leaves_uninitialized(starting: Starting) -> None:
    starting.readiness.move(Phase.UNREGISTERED)
    assert await starting.client.call("db.read") == "unregistered"


async def test_database_op_answers_1011_when_readiness_is_stopping(starting: Starting) -> None:
    starting.readiness.move(Phase.UNREGISTERED)
    starting.readiness.move(Phase.STOPPING)
    with pytest.raises(ApiError) as caught:
        await starting.client.call("db.read")
    assert caught.value.code == 1011
    assert await starting.client.call("status.get") == "disconnected"


async def test_guarded_op_answers_1011_until_authorizer_is_installed(starting: Starting) -> None:
    admin = {"user": "admin", "role": "ROLE_ADMIN", "gen": "g", "jti": "j", "exp": 1}
    user = {**admin, "user": "bob", "role": "ROLE_USER"}
    with pytest.raises(ApiError) as before:
        await starting.client.call("admin.op", principal=admin)
    assert before.value.code == 1011

    starting.dispatcher.set_authorizer(admin_only)
    assert await starting.client.call("admin.op", principal=admin) == "admin only"
    with pytest.raises(ApiError) as refused:
        await starting.client.call("admin.op", principal=user)
    assert (refused.value.code, refused.value.http_status) == (1005, 403)
