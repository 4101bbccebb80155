"""The webapp's HTTP/1.1 connections: uvicorn's httptools protocol with the limits a
production front server has, and the On-Premises envelope on every answer it gives itself.

uvicorn alone keeps a connection that never sends a request open forever, reads a header of
any size, and answers an unparsable request with plain text. Here (docs/security.md):

- a request's line and headers must arrive within ``header_timeout`` seconds (408), and a body
  may pause for at most ``body_timeout`` seconds (408); an idle keep-alive connection closes
  after ``keepalive_timeout`` (uvicorn's ``timeout_keep_alive``);
- the request line is at most ``max_url_bytes`` (414), the line and headers together at most
  ``max_header_bytes`` and ``max_headers`` fields (431);
- at most ``max_connections`` connections are open: at the cap, a new connection closes the
  longest-idle one (a keep-alive connection with no request under way, or one that has sent
  nothing yet); when every connection is busy, it is answered 503, code 1016;
- a request the parser refuses (a NUL in a header, a broken request line…) gets 400, code
  1025, in the envelope, not uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from waemu.errors import ApiError
from waemu.settings import WebLimits

log = logging.getLogger(__name__)

# How long a refused connection is still read (and what arrives dropped) before it closes.
LINGER_SECONDS = 2.0
# The log says that connections are refused at most this often (a flood is one line a minute).
WARN_EVERY_SECONDS = 60.0


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing a request the limits refuse."""


def error_response(error: ApiError, version: str) -> bytes:
    """A whole HTTP/1.1 response carrying ``error`` in the envelope; the connection closes."""
    body = orjson.dumps(
        {"errors": [error.body()], "meta": {"api_status": "stable", "version": version}}
    )
    head = (
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return STATUS_LINE[error.http_status] + head + body


def protocol_class(limits: WebLimits, version: str) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's ``http`` option, with ``limits`` and ``meta.version``."""
    return type(
        "GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits, "version": version}
    )


class GuardedHttpProtocol(HttpToolsProtocol):
    """One HTTP/1.1 connection of the webapp, within ``limits``."""

    limits = WebLimits()
    version = ""
    last_warning = float("-inf")  # when "connections refused" was last logged

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._in_head = True  # reading a request line and headers (or waiting for one)
        self._head_bytes = 0
        self._header_count = 0
        self._url_bytes = 0
        self._refusal: ApiError | None = None
        self._idle_since = self.loop.time()

    # -- connections ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._evict_idle():
            now = self.loop.time()
            if now - GuardedHttpProtocol.last_warning >= WARN_EVERY_SECONDS:
                GuardedHttpProtocol.last_warning = now
                log.warning("connections refused: %d open, all busy", len(self.connections))
            self.transport = transport  # not counted among the connections
            self._refuse(ApiError(1016, "Too many open connections; try again later", 503))
            return
        super().connection_made(transport)
        self._arm(self.limits.header_timeout, self._head_too_slow)

    def _evict_idle(self) -> bool:
        """Close the connection idle the longest; whether there was one."""
        idle = [c for c in self.connections if isinstance(c, GuardedHttpProtocol) and c.idle]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._idle_since)
        oldest.transport.close()
        self.connections.discard(oldest)
        return True

    @property
    def idle(self) -> bool:
        """No request under way: nothing of one received, no response pending (a refused
        connection that lingers counts as idle)."""
        if self._refusal is not None:
            return True
        reading = self._in_head and self._head_bytes > 0
        answering = self.cycle is not None and not self.cycle.response_complete
        return not reading and not answering

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- timers ------------------------------------------------------------------------------

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_too_slow(self) -> None:
        self._timer = None
        if self._head_bytes == 0 and self.cycle is None:
            self.transport.close()  # it never sent anything: no answer is owed
            return
        self._refuse(ApiError(1025, "Request headers took too long to arrive", http_status=408))

    def _body_too_slow(self) -> None:
        self._timer = None
        cycle = self.cycle
        if cycle is None or cycle.response_started:
            self.transport.close()
            return
        self._refuse(ApiError(1025, "Request body stopped arriving", http_status=408))

    # -- reading -----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None or self.parser is None:
            return
        self._unset_keepalive_if_required()
        cycle = self.cycle
        if not self._in_head and cycle is not None and cycle.more_body:
            self._arm(self.limits.body_timeout, self._body_too_slow)  # the body moves on
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no protocol to switch to: the request is served as plain HTTP (as uvicorn)
        except httptools.HttpParserError as exc:
            self._refuse(self._refusal or ApiError(1025, f"Invalid HTTP request: {exc}"))
            return
        if self._in_head:  # still no end of the headers: what they take so far (at most)
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._refuse(self._headers_too_large())

    def _headers_too_large(self) -> ApiError:
        return ApiError(
            1025,
            f"Request line and headers are larger than {self.limits.max_header_bytes} bytes "
            f"or {self.limits.max_headers} fields",
            http_status=431,
        )

    def _refuse(self, error: ApiError) -> None:
        """Answer ``error`` in the envelope and close (nothing more is read)."""
        self._refusal = error
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application's answer, if any, goes nowhere
            cycle.message_event.set()
        transport = self.transport
        if transport.is_closing():
            return
        log.debug("request refused: %s (%s)", error.details, error.http_status)
        transport.write(error_response(error, self.version))
        # A lingering close: what the client is still sending is read and dropped for a
        # moment, so that its kernel does not reset the connection before the answer is read.
        if transport.can_write_eof():
            transport.write_eof()
        if self.flow is not None:
            self.flow.resume_reading()
        self._arm(LINGER_SECONDS, transport.close)

    # -- parser callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_count = self._url_bytes = 0
        self._arm(self.limits.header_timeout, self._head_too_slow)

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.limits.max_url_bytes:
            self._refusal = ApiError(
                1025, f"Request URL is longer than {self.limits.max_url_bytes} bytes", 414
            )
            raise _Refused
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._refusal = self._headers_too_large()
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._disarm()
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body:
            self._arm(self.limits.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
        super().on_response_complete()
