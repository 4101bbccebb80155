"""The webapp's connections are bounded (docs/security.md): idle and slow connections close,
header size and count are limited, the number of connections is capped, and every answer the
HTTP layer gives itself is the On-Premises envelope. Raw sockets against the real process."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Processes, running_processes
from tests.databases import database_env
from tests.stacks import first_login

pytestmark = pytest.mark.slow

LIMITS = {
    "WA_WEB_HEADER_TIMEOUT_SECONDS": "1",
    "WA_WEB_BODY_TIMEOUT_SECONDS": "1",
    "WA_WEB_KEEPALIVE_SECONDS": "1",
    "WA_WEB_MAX_CONNECTIONS": "40",
}
HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    tmp: Path = tmp_path_factory.mktemp("limits")
    with running_processes({**database_env("sqlite", tmp), **LIMITS}, tmp) as running:
        yield running


def connect(web: Processes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(web.env["WA_WEB_PORT"])), timeout=10)
    return sock


def read_until_closed(sock: socket.socket, limit: float = 10) -> bytes:
    sock.settimeout(limit)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def exchange(web: Processes, raw: bytes) -> tuple[int, dict[str, str], Any]:
    """Send ``raw`` on a new connection; the status, headers and JSON body of the answer."""
    with connect(web) as sock:
        sock.sendall(raw)
        answer = read_until_closed(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, json.loads(body)


def assert_envelope(answer: tuple[int, dict[str, str], Any], status: int, details: str) -> None:
    code, headers, body = answer
    assert code == status, body
    assert headers["content-type"] == "application/json"
    (error,) = body["errors"]
    assert error["code"] == (1016 if status == 503 else 1025)
    assert details in error["details"]
    assert body["meta"]["version"].startswith("v")


def test_a_plain_request_still_answers(web: Processes) -> None:
    code, _headers, body = exchange(web, HEALTH)
    assert code == 401 and body["errors"][0]["code"] == 1005  # reached the application


def test_connection_that_never_sends_is_closed(web: Processes) -> None:
    started = time.monotonic()
    with connect(web) as sock:
        assert read_until_closed(sock) == b""  # closed, nothing owed
    assert time.monotonic() - started < 5


def test_slow_headers_get_408(web: Processes) -> None:
    with connect(web) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"code":1025' in answer and b"took too long" in answer


def test_stalled_body_gets_408(web: Processes) -> None:
    with web.client() as http:
        token = first_login(http)
    with connect(web) as sock:
        sock.sendall(
            b"POST /v1/messages HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
            + token.encode()
            + b'\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"to":'
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"Request body stopped arriving" in answer


def test_idle_keep_alive_connection_is_closed(web: Processes) -> None:
    with connect(web) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        started = time.monotonic()
        answer = read_until_closed(sock)  # the answer, then the close after the idle time
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert time.monotonic() - started < 5


def test_header_over_the_size_limit_gets_431_without_being_read_whole(web: Processes) -> None:
    big = b"GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"
    assert_envelope(exchange(web, big), 431, "larger than 65536 bytes")


def test_too_many_headers_get_431(web: Processes) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    raw = b"GET /v1/health HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n"
    assert_envelope(exchange(web, raw), 431, "100 fields")


def test_long_path_gets_414_in_the_envelope(web: Processes) -> None:
    raw = b"GET /v1/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    assert_envelope(exchange(web, raw), 414, "longer than 8190 bytes")


def test_fifty_thousand_query_parameters_get_414_in_the_envelope(web: Processes) -> None:
    query = "&".join(f"p{i}=1" for i in range(50_000)).encode()
    raw = b"GET /v1/health?" + query + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    assert_envelope(exchange(web, raw), 414, "longer than 8190 bytes")


def test_nul_in_a_header_gets_400_in_the_envelope(web: Processes) -> None:
    raw = b"GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Nul: a\x00b\r\n\r\n"
    assert_envelope(exchange(web, raw), 400, "Invalid HTTP request")


def test_garbage_request_line_gets_400_in_the_envelope(web: Processes) -> None:
    assert_envelope(exchange(web, b"\x16\x03\x01garbage\r\n\r\n"), 400, "Invalid HTTP request")


def test_idle_connections_over_the_cap_make_room_for_new_requests(web: Processes) -> None:
    idle = [connect(web) for _ in range(100)]  # far more than the cap of 40
    try:
        for _ in range(5):
            code, _headers, _body = exchange(web, HEALTH)
            assert code == 401
    finally:
        for sock in idle:
            sock.close()


def test_busy_connections_at_the_cap_get_503_in_the_envelope(web: Processes) -> None:
    busy = [connect(web) for _ in range(40)]
    try:
        for sock in busy:  # each one in the middle of its headers: not idle
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n")
        time.sleep(0.2)
        assert_envelope(exchange(web, HEALTH), 503, "Too many open connections")
    finally:
        for sock in busy:
            sock.close()
    time.sleep(0.2)
    assert exchange(web, HEALTH)[0] == 401  # room again once they are gone
