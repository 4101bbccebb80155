"""``waemu_webhooks``: a real HTTP server the emulator's webhooks go to (docs/testing.md).

It records every POST, answers 200 (or what the test scripted), can forward each POST to the
service under test, and waits for a customer message or a message status with a deadline,
failing with a summary of what did arrive. It runs in a thread of the test process, so
blocking tests and ``async`` tests (``async_wait_for_*``) use it alike.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from waemu.testing.waiting import DEFAULT_TIMEOUT, async_poll, poll

Notification = dict[str, Any]
FORWARD_TIMEOUT = 20.0  # the coreapp's own webhook timeout (WA_WEBHOOK_TIMEOUT_SECONDS)


@dataclass(frozen=True, slots=True)
class Post:
    """One POST the receiver got: its body, path, headers, the status it answered, when."""

    body: Any
    path: str
    headers: dict[str, str]
    status_code: int
    received_at: float = field(default_factory=time.time)


class WebhookReceiver:
    """Records the emulator's webhook POSTs; ``url`` is what ``webhooks.url`` is set to."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._posts: list[Post] = []
        self._script: deque[tuple[int, float]] = deque()
        self._forward: str | None = None
        self._server = ThreadingHTTPServer((host, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._http = httpx.Client(timeout=FORWARD_TIMEOUT)

    @property
    def url(self) -> str:
        """The webhook URL: ``http://127.0.0.1:<port>/webhook``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhook"

    def start(self) -> WebhookReceiver:
        """Start serving in a thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(10)
            self._thread = None
        self._server.server_close()
        self._http.close()

    # -- what the test scripts -------------------------------------------------------------

    def respond_with(self, status_code: int, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next ``times`` POSTs with ``status_code`` (after ``delay`` seconds)
        instead of 200: the coreapp retries what was not answered 200."""
        with self._lock:
            self._script.extend([(status_code, delay)] * times)

    def forward_to(self, url: str | None) -> None:
        """Pass every POST on to ``url`` (the service under test) and answer with its status
        (502 when it cannot be reached); None stops forwarding. POSTs are recorded either way."""
        with self._lock:
            self._forward = url

    def clear(self) -> None:
        """Forget what arrived."""
        with self._lock:
            self._posts.clear()

    def reset(self) -> None:
        """Answer 200 again, stop forwarding and forget what arrived (between tests)."""
        with self._lock:
            self._posts.clear()
            self._script.clear()
            self._forward = None

    # -- what arrived ----------------------------------------------------------------------

    @property
    def posts(self) -> list[Post]:
        """Every POST, oldest first, whatever was answered."""
        with self._lock:
            return list(self._posts)

    @property
    def bodies(self) -> list[Any]:
        """The bodies of the POSTs answered 200 (delivered notifications), oldest first."""
        return [post.body for post in self.posts if post.status_code == 200]

    def _entries(self, key: str) -> list[Notification]:
        found: list[Notification] = []
        for body in self.bodies:
            if isinstance(body, dict) and isinstance(body.get(key), list):
                found.extend(entry for entry in body[key] if isinstance(entry, dict))
        return found

    @property
    def messages(self) -> list[Notification]:
        """Every customer or system message delivered (``messages[]`` entries)."""
        return self._entries("messages")

    @property
    def statuses(self) -> list[Notification]:
        """Every message status delivered (``statuses[]`` entries)."""
        return self._entries("statuses")

    @property
    def errors(self) -> list[Notification]:
        """Every errors notification delivered (``errors[]`` entries)."""
        return self._entries("errors")

    @property
    def contacts(self) -> list[Notification]:
        """The ``contacts[]`` entries that came with customer messages."""
        return self._entries("contacts")

    def describe(self) -> str:
        """What arrived, in a line or a few: for failure messages."""
        posts = self.posts
        if not posts:
            return "no webhook arrived"
        lines = [f"{len(posts)} webhook POST(s) arrived:"]
        for message in self.messages:
            sender, gist = message.get("from"), _gist(message)
            lines.append(f"  message {message.get('id')} from {sender}: {gist}")
        for status in self.statuses:
            lines.append(f"  status {status.get('id')} {status.get('status')}")
        for error in self.errors:
            lines.append(f"  error {error.get('code')} {error.get('title')}")
        refused = [p.status_code for p in posts if p.status_code != 200]
        if refused:
            lines.append(f"  answered other than 200: {refused}")
        return "\n".join(lines)

    # -- waiting ---------------------------------------------------------------------------

    def _message_finder(
        self,
        sender: str | None,
        type: str | None,
        text: str | None,
        match: Callable[[Notification], bool] | None,
    ) -> Callable[[], Notification | None]:
        def find() -> Notification | None:
            for message in self.messages:
                if sender is not None and message.get("from") != sender:
                    continue
                if type is not None and message.get("type") != type:
                    continue
                if text is not None and (message.get("text") or {}).get("body") != text:
                    continue
                if match is not None and not match(message):
                    continue
                return message
            return None

        return find

    def _status_finder(self, message_id: str, status: str) -> Callable[[], Notification | None]:
        def find() -> Notification | None:
            for entry in self.statuses:
                if entry.get("id") == message_id and entry.get("status") == status:
                    return entry
            return None

        return find

    def wait_for_message(
        self,
        *,
        sender: str | None = None,
        type: str | None = None,
        text: str | None = None,
        match: Callable[[Notification], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Notification:
        """The first delivered message from ``sender`` (a wa_id), of ``type``, whose text is
        ``text`` and that ``match`` accepts (every criterion optional); waits up to
        ``timeout`` seconds, then fails listing what arrived."""
        what = _wanted("message", sender=sender, type=type, text=text)
        finder = self._message_finder(sender, type, text, match)
        return poll(finder, timeout, f"no {what} arrived", self.describe)

    async def async_wait_for_message(
        self,
        *,
        sender: str | None = None,
        type: str | None = None,
        text: str | None = None,
        match: Callable[[Notification], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - as the blocking wait
    ) -> Notification:
        """``wait_for_message`` for async tests."""
        what = _wanted("message", sender=sender, type=type, text=text)
        finder = self._message_finder(sender, type, text, match)
        return await async_poll(finder, timeout, f"no {what} arrived", self.describe)

    def wait_for_status(
        self, message_id: str, status: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> Notification:
        """The delivered status ``status`` (``sent``, ``delivered``, ``read``, ``failed``,
        ``deleted``) of the business's message ``message_id``; waits up to ``timeout``
        seconds, then fails listing what arrived."""
        what = f"no status {status!r} of message {message_id} arrived"
        return poll(self._status_finder(message_id, status), timeout, what, self.describe)

    async def async_wait_for_status(
        self,
        message_id: str,
        status: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - as the blocking wait
    ) -> Notification:
        """``wait_for_status`` for async tests."""
        what = f"no status {status!r} of message {message_id} arrived"
        finder = self._status_finder(message_id, status)
        return await async_poll(finder, timeout, what, self.describe)

    # -- serving ---------------------------------------------------------------------------

    def _answer(self, raw: bytes, path: str, headers: dict[str, str]) -> int:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            status, delay = self._script.popleft() if self._script else (200, 0.0)
            forward = self._forward
        if delay:
            time.sleep(delay)
        if forward is not None and status == 200:
            try:
                # No keep-alive: the service under test stops without waiting for us.
                headers = {"Content-Type": "application/json", "Connection": "close"}
                status = self._http.post(forward, content=raw, headers=headers).status_code
            except httpx.HTTPError:
                status = 502
        with self._lock:
            self._posts.append(Post(body, path, headers, status))
        return status


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 30  # an idle connection does not hold a thread for ever

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status = receiver._answer(raw, self.path, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test output is not the place for an access log."""

    return Handler


def _wanted(kind: str, **criteria: str | None) -> str:
    named = ", ".join(f"{name}={value!r}" for name, value in criteria.items() if value is not None)
    return f"{kind} with {named}" if named else kind


def _gist(message: Notification) -> str:
    kind = str(message.get("type"))
    inner = message.get(kind)
    if isinstance(inner, dict):
        for key in ("body", "caption", "payload"):
            if isinstance(inner.get(key), str):
                return f"{kind} {inner[key]!r}"
    return kind
