"""``NetworkClient`` and ``AsyncNetworkClient``: the control API of the simulated network as
typed methods, one per endpoint (docs/testing.md#the-control-api-client).

Both clients have the same methods: each is a function of ``calls.py`` (its arguments and
documentation) sent with httpx, blocking or awaited, but ``events``, a stream read as it
comes (``streams.py``). A client made from a base URL owns its httpx client and closes it;
one given an httpx client (``http=``; e.g. an ASGI transport in tests) leaves it open.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from waemu.network.client import calls
from waemu.network.client.calls import Call
from waemu.network.client.errors import raise_for
from waemu.network.client.streams import AsyncEventStream, EventStream

T = TypeVar("T")
P = ParamSpec("P")
DEFAULT_TIMEOUT = 30.0


def _blocking(build: Callable[P, Call[T]]) -> Callable[Concatenate[NetworkClient, P], T]:
    def method(self: NetworkClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.send(build(*args, **kwargs))

    _describe(method, build)
    return method


def _awaited(
    build: Callable[P, Call[T]],
) -> Callable[Concatenate[AsyncNetworkClient, P], Coroutine[Any, Any, T]]:
    async def method(self: AsyncNetworkClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.send(build(*args, **kwargs))

    _describe(method, build)
    return method


def _describe(method: Callable[..., Any], build: Callable[..., Any]) -> None:
    method.__name__ = method.__qualname__ = build.__name__
    method.__doc__ = build.__doc__


def _read(call: Call[T], response: httpx.Response) -> T:
    raise_for(response)
    return call.read(response)


class NetworkClient:
    """The control API, blocking: ``NetworkClient("http://127.0.0.1:9190")``."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if http is None:
            if base_url is None:
                raise ValueError("give the control API's base_url or an httpx client")
            http = httpx.Client(base_url=base_url, timeout=timeout)
            self._owned = True
        else:
            self._owned = False
        self.http = http

    @property
    def base_url(self) -> str:
        """The control API's address."""
        return str(self.http.base_url).rstrip("/")

    def send(self, call: Call[T]) -> T:
        """Send one request; its answer, or the ``ControlError`` the network's refusal is."""
        response = self.http.request(
            call.method, call.path, json=call.json, params=dict(call.params)
        )
        return _read(call, response)

    def close(self) -> None:
        """Close the httpx client when this client made it."""
        if self._owned:
            self.http.close()

    def __enter__(self) -> NetworkClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def events(self, *, timeout: float | None = None) -> EventStream:
        """The network's events as they happen (``GET /events``), ``hello`` first, typed
        (``MessageEvent``, ``StatusEvent``, ``ChangedEvent`` …). The stream opens with its
        ``with`` (``async with``) block or its loop and closes when either ends or is left;
        with ``timeout`` the loop ends that many seconds after it opened (``timed_out``)."""
        return EventStream(self.http, timeout)

    health = _blocking(calls.health)
    customers = _blocking(calls.customers)
    find_customers = _blocking(calls.find_customers)
    customer = _blocking(calls.customer)
    put_customer = _blocking(calls.put_customer)
    update_customer = _blocking(calls.update_customer)
    delete_customer = _blocking(calls.delete_customer)
    rotate_identity = _blocking(calls.rotate_identity)
    change_number = _blocking(calls.change_number)
    customer_messages = _blocking(calls.customer_messages)
    send_as_customer = _blocking(calls.send_as_customer)
    send_text_as_customer = _blocking(calls.send_text_as_customer)
    receipt = _blocking(calls.receipt)
    issue_certificate = _blocking(calls.issue_certificate)
    accounts = _blocking(calls.accounts)
    registration_code = _blocking(calls.registration_code)
    block_registration = _blocking(calls.block_registration)
    drop_connections = _blocking(calls.drop_connections)
    set_outage = _blocking(calls.set_outage)
    reset = _blocking(calls.reset)
    settings = _blocking(calls.settings)
    update_settings = _blocking(calls.update_settings)
    lookups = _blocking(calls.lookups)
    clear_lookups = _blocking(calls.clear_lookups)
    webhook_attempts = _blocking(calls.webhook_attempts)
    retry_webhooks = _blocking(calls.retry_webhooks)
    redeliver_webhook = _blocking(calls.redeliver_webhook)
    clear_webhook_journal = _blocking(calls.clear_webhook_journal)
    conversations = _blocking(calls.conversations)
    conversation = _blocking(calls.conversation)
    conversation_messages = _blocking(calls.conversation_messages)
    business_media = _blocking(calls.business_media)
    switches = _blocking(calls.switches)
    templates = _blocking(calls.templates)
    account_templates = _blocking(calls.account_templates)
    template = _blocking(calls.template)
    put_template = _blocking(calls.put_template)
    set_template_status = _blocking(calls.set_template_status)
    delete_template = _blocking(calls.delete_template)
    set_templates_unavailable = _blocking(calls.set_templates_unavailable)
    set_template_delay = _blocking(calls.set_template_delay)
    stickerpacks = _blocking(calls.stickerpacks)
    sticker_image = _blocking(calls.sticker_image)
    offline_state = _blocking(calls.offline_state)
    set_offline_feed = _blocking(calls.set_offline_feed)
    start_chatter = _blocking(calls.start_chatter)
    stop_chatter = _blocking(calls.stop_chatter)


class AsyncNetworkClient:
    """The control API, awaited: ``AsyncNetworkClient("http://127.0.0.1:9190")``."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if http is None:
            if base_url is None:
                raise ValueError("give the control API's base_url or an httpx client")
            http = httpx.AsyncClient(base_url=base_url, timeout=timeout)
            self._owned = True
        else:
            self._owned = False
        self.http = http

    @property
    def base_url(self) -> str:
        """The control API's address."""
        return str(self.http.base_url).rstrip("/")

    async def send(self, call: Call[T]) -> T:
        """Send one request; its answer, or the ``ControlError`` the network's refusal is."""
        response = await self.http.request(
            call.method, call.path, json=call.json, params=dict(call.params)
        )
        return _read(call, response)

    async def aclose(self) -> None:
        """Close the httpx client when this client made it."""
        if self._owned:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncNetworkClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def events(self, *, timeout: float | None = None) -> AsyncEventStream:
        """The network's events as they happen (``GET /events``), ``hello`` first, typed
        (``MessageEvent``, ``StatusEvent``, ``ChangedEvent`` …). The stream opens with its
        ``with`` (``async with``) block or its loop and closes when either ends or is left;
        with ``timeout`` the loop ends that many seconds after it opened (``timed_out``)."""
        return AsyncEventStream(self.http, timeout)

    health = _awaited(calls.health)
    customers = _awaited(calls.customers)
    find_customers = _awaited(calls.find_customers)
    customer = _awaited(calls.customer)
    put_customer = _awaited(calls.put_customer)
    update_customer = _awaited(calls.update_customer)
    delete_customer = _awaited(calls.delete_customer)
    rotate_identity = _awaited(calls.rotate_identity)
    change_number = _awaited(calls.change_number)
    customer_messages = _awaited(calls.customer_messages)
    send_as_customer = _awaited(calls.send_as_customer)
    send_text_as_customer = _awaited(calls.send_text_as_customer)
    receipt = _awaited(calls.receipt)
    issue_certificate = _awaited(calls.issue_certificate)
    accounts = _awaited(calls.accounts)
    registration_code = _awaited(calls.registration_code)
    block_registration = _awaited(calls.block_registration)
    drop_connections = _awaited(calls.drop_connections)
    set_outage = _awaited(calls.set_outage)
    reset = _awaited(calls.reset)
    settings = _awaited(calls.settings)
    update_settings = _awaited(calls.update_settings)
    lookups = _awaited(calls.lookups)
    clear_lookups = _awaited(calls.clear_lookups)
    webhook_attempts = _awaited(calls.webhook_attempts)
    retry_webhooks = _awaited(calls.retry_webhooks)
    redeliver_webhook = _awaited(calls.redeliver_webhook)
    clear_webhook_journal = _awaited(calls.clear_webhook_journal)
    conversations = _awaited(calls.conversations)
    conversation = _awaited(calls.conversation)
    conversation_messages = _awaited(calls.conversation_messages)
    business_media = _awaited(calls.business_media)
    switches = _awaited(calls.switches)
    templates = _awaited(calls.templates)
    account_templates = _awaited(calls.account_templates)
    template = _awaited(calls.template)
    put_template = _awaited(calls.put_template)
    set_template_status = _awaited(calls.set_template_status)
    delete_template = _awaited(calls.delete_template)
    set_templates_unavailable = _awaited(calls.set_templates_unavailable)
    set_template_delay = _awaited(calls.set_template_delay)
    stickerpacks = _awaited(calls.stickerpacks)
    sticker_image = _awaited(calls.sticker_image)
    offline_state = _awaited(calls.offline_state)
    set_offline_feed = _awaited(calls.set_offline_feed)
    start_chatter = _awaited(calls.start_chatter)
    stop_chatter = _awaited(calls.stop_chatter)
