"""``GET /events`` read as typed events (``events.py``): ``EventStream`` is what
``NetworkClient.events`` answers, ``AsyncEventStream`` what ``AsyncNetworkClient.events``
answers.

A stream opens when its ``with`` block starts (or its loop does) and waits for the
network's ``hello``, so whatever happens after that reaches it. It is read by one loop and
closes when the loop ends or is left, when the block ends, or at ``close()``: the
connection is closed and the network forgets the reader. With ``timeout`` the loop ends
(``timed_out`` then says so) once that many seconds passed since the stream opened. The
network writes a comment line every 15 s on an idle stream; one silent for
``SILENT_SECONDS`` is dead and raises httpx's ``ReadTimeout``.

The blocking stream's ``timeout`` is kept by a timer thread that shuts the connection's
socket down under a waiting read; over a transport without a socket (a mock) it is checked
at the next event instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from types import TracebackType

import httpx

from waemu.network.client.errors import raise_for
from waemu.network.client.events import EventDecoder, NetworkEvent

PATH = "/events"
SILENT_SECONDS = 45.0  # three of the network's keep-alives


def _stream_timeout(client: httpx.Timeout) -> httpx.Timeout:
    """The client's timeouts, but a read may wait for the next keep-alive."""
    return httpx.Timeout(
        connect=client.connect, read=SILENT_SECONDS, write=client.write, pool=client.pool
    )


class EventStream:
    """The network's events as they happen, ``hello`` first (``NetworkClient.events``)::

        with network.events(timeout=10) as events:
            network.send_text_as_customer("16315551001", "hi")
            for event in events:
                if isinstance(event, MessageEvent):
                    break

    A loop left early closes the stream at once.
    """

    def __init__(self, http: httpx.Client, timeout: float | None = None) -> None:
        self.http = http
        self.timeout = timeout
        self.timed_out = False
        self._decoder = EventDecoder()
        self._response: httpx.Response | None = None
        self._lines: Iterator[str] | None = None
        self._hello: NetworkEvent | None = None
        self._timer: threading.Timer | None = None
        self._closed = False

    def open(self) -> EventStream:
        """Open the stream and wait for the network's ``hello`` (once; the ``with`` block
        and the loop call it)."""
        if self._response is not None or self._closed:
            return self
        request = self.http.build_request("GET", PATH, timeout=_stream_timeout(self.http.timeout))
        response = self.http.send(request, stream=True)
        if not response.is_success:
            try:
                response.read()
            finally:
                response.close()
            raise_for(response)
        self._response = response
        self._lines = response.iter_lines()
        if self.timeout is not None:
            self._timer = threading.Timer(self.timeout, self._expire)
            self._timer.name = "waemu-events-timeout"
            self._timer.daemon = True
            self._timer.start()
        try:
            self._hello = self._read()
        except BaseException:
            self.close()
            raise
        return self

    def _read(self) -> NetworkEvent | None:
        """The next event; None once the stream ended or timed out."""
        if self._lines is None or self.timed_out:
            return None
        try:
            for line in self._lines:
                event = self._decoder.feed(line)
                if event is not None:
                    return None if self.timed_out else event
        except httpx.TransportError:
            if self.timed_out:  # _expire shut the socket down under the read
                return None
            raise
        return None

    def _expire(self) -> None:
        """The timeout passed (on the timer's thread): end a read waiting on the socket."""
        self.timed_out = True
        response = self._response
        stream = None if response is None else response.extensions.get("network_stream")
        sock = None if stream is None else stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        # Without a socket (a transport of another kind) the flag ends the loop at the next
        # event instead.

    def __iter__(self) -> Iterator[NetworkEvent]:
        try:
            self.open()
            event, self._hello = self._hello, None
            while event is not None:
                yield event
                event = self._read()
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading: the connection is closed and the network forgets this reader."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            self._timer = None
        self._lines = None
        if self._response is not None:
            self._response.close()

    def __enter__(self) -> EventStream:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncEventStream:
    """The network's events as they happen, ``hello`` first (``AsyncNetworkClient.events``)::

        async with network.events(timeout=10) as events:
            await network.send_text_as_customer("16315551001", "hi")
            async for event in events:
                if isinstance(event, MessageEvent):
                    break

    A loop left early closes the stream when the event loop finalizes it, soon after; the
    ``async with`` block closes it at once.
    """

    def __init__(self, http: httpx.AsyncClient, timeout: float | None = None) -> None:
        self.http = http
        self.timeout = timeout
        self.timed_out = False
        self._decoder = EventDecoder()
        self._response: httpx.Response | None = None
        self._lines: AsyncIterator[str] | None = None
        self._hello: NetworkEvent | None = None
        self._deadline: float | None = None
        self._closed = False

    async def open(self) -> AsyncEventStream:
        """Open the stream and wait for the network's ``hello`` (once; the ``async with``
        block and the loop call it)."""
        if self._response is not None or self._closed:
            return self
        if self.timeout is not None:
            self._deadline = asyncio.get_running_loop().time() + self.timeout
        request = self.http.build_request("GET", PATH, timeout=_stream_timeout(self.http.timeout))
        response = await self.http.send(request, stream=True)
        if not response.is_success:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise_for(response)
        self._response = response
        self._lines = response.aiter_lines()
        try:
            self._hello = await self._read()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def _read(self) -> NetworkEvent | None:
        """The next event; None once the stream ended or timed out."""
        if self._lines is None or self.timed_out:
            return None
        deadline = asyncio.timeout_at(self._deadline)
        try:
            async with deadline:
                async for line in self._lines:
                    event = self._decoder.feed(line)
                    if event is not None:
                        return event
        except TimeoutError:
            if not deadline.expired():
                raise
            self.timed_out = True
        return None

    async def _events(self) -> AsyncIterator[NetworkEvent]:
        try:
            await self.open()
            event, self._hello = self._hello, None
            while event is not None:
                yield event
                event = await self._read()
        finally:
            await self.aclose()

    def __aiter__(self) -> AsyncIterator[NetworkEvent]:
        return self._events()

    async def aclose(self) -> None:
        """Stop reading: the connection is closed and the network forgets this reader."""
        self._closed = True
        lines, self._lines = self._lines, None
        if isinstance(lines, AsyncGenerator):
            await lines.aclose()
        if self._response is not None:
            await self._response.aclose()

    async def __aenter__(self) -> AsyncEventStream:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
