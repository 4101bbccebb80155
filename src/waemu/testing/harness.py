"""The state a test session keeps around its emulator: the logged-in admin, the business
number (registered once), the webhook receiver, and the reset that starts every test from the
same world (docs/testing.md#isolation-what-the-reset-covers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from waemu.network.client import ControlError, NetworkClient, WebhookJournal
from waemu.testing.customers import numbers
from waemu.testing.emulator import Emulator
from waemu.testing.receiver import WebhookReceiver

ADMIN_USERNAME = "admin"
DEFAULT_PASSWORD = "secret"  # noqa: S105 - the real client's first password (spec §3.3)
ADMIN_PASSWORD = "Waemu-Test-Adm1n!"  # noqa: S105 - documented; the first login sets it
READY_SECONDS = 30.0  # registration, reconnects after a reset, the outbox to drain
# Application settings every test starts from besides the defaults: webhooks to the
# receiver, and failed webhook POSTs retried within a second instead of 3 s, 6 s, 9 s …
BASELINE_BACKOFF = {"callback_backoff_delay_ms": 200, "max_callback_backoff_delay_ms": 1000}


class HarnessError(RuntimeError):
    """The emulator did not reach the state a fixture promises (the message says why)."""


@dataclass
class Admin:
    """The logged-in admin: the API's address, the token, ready-made clients."""

    base_url: str
    token: str
    username: str
    password: str
    verify: bool
    http: httpx.Client  # base_url and the Bearer token set; closed with the session

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, for requests or any other client."""
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client logged in as the admin; the caller closes it."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(
            base_url=self.base_url, headers=self.headers, verify=self.verify, **kwargs
        )

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A new httpx async client logged in as the admin; the caller closes it."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, verify=self.verify, **kwargs
        )


def log_in(emulator: Emulator) -> Admin:
    """The admin's first login, changing the default password as the real client requires."""
    http = emulator.http()
    response = http.post(
        "/v1/users/login",
        auth=(ADMIN_USERNAME, DEFAULT_PASSWORD),
        json={"new_password": ADMIN_PASSWORD},
    )
    if response.status_code != 200:
        http.close()
        raise HarnessError(f"the admin's first login answered {_said(response)}")
    token: str = response.json()["users"][0]["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return Admin(emulator.base_url, token, ADMIN_USERNAME, ADMIN_PASSWORD, emulator.verify, http)


@dataclass(frozen=True, slots=True)
class BusinessNumber:
    """The business number the session registers (override ``waemu_business_number``)."""

    cc: str = "1"
    phone_number: str = "6315550100"
    vname: str = "Acme Shop"

    @property
    def wa_id(self) -> str:
        """Country code and number, digits only."""
        return self.cc + self.phone_number.lstrip("0")


@dataclass(frozen=True, slots=True)
class CoreappState:
    """What ``/v1/health`` and ``/v1/support`` say of the coreapp's connection."""

    gateway: str  # gateway_status; "unregistered" also when it holds another number
    socket_conn: str  # "UP" once logged in and its startup done
    since_login: float | None  # seconds since its last login to the network

    def ready(self, logged_in_after: float | None = None) -> bool:
        """Whether sends are accepted (by a login after ``logged_in_after``, when given)."""
        if (self.gateway, self.socket_conn) != ("connected", "UP"):
            return False
        if logged_in_after is None:
            return True
        elapsed = time.monotonic() - logged_in_after
        return self.since_login is not None and self.since_login < elapsed


class Business:
    """The registered, connected business number, and sending as it."""

    def __init__(self, number: BusinessNumber, admin: Admin, network: NetworkClient) -> None:
        self.number = number
        self.admin = admin
        self.network = network

    @property
    def wa_id(self) -> str:
        """The number's wa_id (``16315550100`` by default)."""
        return self.number.wa_id

    @property
    def cc(self) -> str:
        """The country code."""
        return self.number.cc

    @property
    def phone_number(self) -> str:
        """The national number."""
        return self.number.phone_number

    @property
    def vname(self) -> str:
        """The verified name customers see."""
        return self.number.vname

    def send(self, message: dict[str, Any]) -> str:
        """``POST /v1/messages`` as the admin; the message id (fails unless 201)."""
        response = self.admin.http.post("/v1/messages", json=message)
        if response.status_code != 201:
            raise AssertionError(f"POST /v1/messages answered {_said(response)}")
        message_id: str = response.json()["messages"][0]["id"]
        return message_id

    def send_text(self, to: str, body: str) -> str:
        """Send a text (the customer must have written in the last 24 hours)."""
        return self.send({"to": to, "type": "text", "text": {"body": body}})

    def send_template(
        self,
        to: str,
        name: str,
        *,
        language: str = "en_US",
        components: list[dict[str, Any]] | None = None,
        namespace: str | None = None,
    ) -> str:
        """Send a template (``hello_world`` and the other seeded ones need no namespace)."""
        template: dict[str, Any] = {
            "name": name,
            "language": {"policy": "deterministic", "code": language},
        }
        if components is not None:
            template["components"] = components
        if namespace is not None:
            template["namespace"] = namespace
        return self.send({"to": to, "type": "template", "template": template})

    def mark_read(self, message_id: str) -> None:
        """Mark a customer's message read (``PUT /v1/messages/{id}``)."""
        response = self.admin.http.put(f"/v1/messages/{message_id}", json={"status": "read"})
        if response.status_code != 200:
            raise AssertionError(f"marking {message_id} read answered {_said(response)}")

    def webhook_attempts(self, limit: int = 50) -> WebhookJournal:
        """The coreapp's journal of webhook POSTs, newest first, and its pending count."""
        return self.network.webhook_attempts(self.wa_id, limit=limit)


class Harness:
    """A session's emulator with its admin, business, receiver and customer numbers."""

    def __init__(self, emulator: Emulator, admin: Admin, number: BusinessNumber) -> None:
        self.emulator = emulator
        self.admin = admin
        self.network = emulator.network
        self.business = Business(number, admin, self.network)
        self.receiver = WebhookReceiver().start()
        self.customer_numbers: Iterator[str] = numbers()
        self.registered = False

    def close(self) -> None:
        """Stop the receiver."""
        self.receiver.stop()

    # -- the business ----------------------------------------------------------------------

    def ensure_business(self) -> Business:
        """The business registered and ready for sends (registered now when it is not)."""
        if not self.registered or self._coreapp_state().gateway == "unregistered":
            self._register()
            self.registered = True
        self._until_ready()
        return self.business

    def _register(self) -> None:
        number, http = self.business.number, self.admin.http
        cert = self.network.issue_certificate(number.cc, number.phone_number, number.vname).cert
        body = {"cc": number.cc, "phone_number": number.phone_number, "method": "sms", "cert": cert}
        deadline = time.monotonic() + READY_SECONDS
        requested = http.post("/v1/account", json=body)
        while requested.status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.05)  # the coreapp is (re)connecting to the network: 1011 meanwhile
            requested = http.post("/v1/account", json=body)
        if requested.status_code == 201:
            return  # this coreapp holds the number already
        if requested.status_code != 202:
            raise HarnessError(f"POST /v1/account answered {_said(requested)}")
        code = self.network.registration_code(number.wa_id).code
        verified = http.post("/v1/account/verify", json={"code": code})
        if verified.status_code != 201:
            raise HarnessError(f"POST /v1/account/verify answered {_said(verified)}")

    def _coreapp_state(self) -> CoreappState:
        """The coreapp's ``gateway_status``, ``socket_conn`` and time since its login."""
        health = self.admin.http.get("/v1/health")
        support = self.admin.http.get("/v1/support")
        if health.status_code != 200 or support.status_code != 200:
            return CoreappState("unknown", "unknown", None)
        gateway = str(health.json()["health"].get("gateway_status"))
        info = support.json()["support"]
        if info.get("debug_info") != self.business.wa_id:
            gateway = "unregistered"  # another number, or none
        since = (info.get("startup") or {}).get("seconds_since_login")
        return CoreappState(gateway, str(info.get("socket_conn")), since)

    def _until_ready(self, logged_in_after: float | None = None) -> None:
        """Until the coreapp is logged in and its startup done (sends accepted, spec §12);
        with ``logged_in_after`` (a ``time.monotonic()``), by a login after that moment."""
        deadline = time.monotonic() + READY_SECONDS
        state = self._coreapp_state()
        while not state.ready(logged_in_after):
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"the coreapp of {self.business.wa_id} was not ready within "
                    f"{READY_SECONDS:g}s: gateway_status {state.gateway}, "
                    f"socket_conn {state.socket_conn}"
                )
            time.sleep(0.05)
            state = self._coreapp_state()

    # -- the reset -------------------------------------------------------------------------

    def reset(self) -> None:
        """Start a test from the seed: see docs/testing.md for what is and is not reset."""
        self.receiver.reset()
        templates_before = self.network.templates()
        self.network.reset(conversations=True, switches=True)
        self._reset_settings()
        if self.registered:
            if self._coreapp_state().gateway == "unregistered" or not self._network_holds_number():
                self.registered = False  # a test gave the number up: registered on demand
            else:
                dropped_at = None
                if self.network.templates() != templates_before:
                    # The coreapp loads templates at login: log in again to see the seed's.
                    dropped_at = time.monotonic()
                    self.network.drop_connections(self.business.wa_id)
                self._until_ready(logged_in_after=dropped_at)
                self._drain_outbox()
        self.receiver.clear()

    def _reset_settings(self) -> None:
        http = self.admin.http
        deleted = http.delete("/v1/settings/application")
        baseline = {"webhooks": {"url": self.receiver.url}, **BASELINE_BACKOFF}
        patched = http.patch("/v1/settings/application", json=baseline)
        for response in (deleted, patched):
            if response.status_code != 200:
                raise HarnessError(
                    f"resetting the application settings answered {_said(response)} "
                    "(did a test log the admin out or change its password?)"
                )

    def _network_holds_number(self) -> bool:
        wa_id = self.business.wa_id
        return any(a.wa_id == wa_id and a.registered for a in self.network.accounts())

    def _drain_outbox(self) -> None:
        """Until the coreapp's outbox is empty: notifications of the previous test reach
        the receiver now, not during the next test."""
        deadline = time.monotonic() + READY_SECONDS
        pending: int | str = "unknown"
        while time.monotonic() < deadline:
            try:
                pending = self.network.webhook_attempts(self.business.wa_id, limit=1).pending
            except ControlError as exc:
                pending = f"unknown ({exc.detail})"
            if pending == 0:
                return
            time.sleep(0.05)
        raise HarnessError(
            f"{pending} webhook notification(s) of an earlier test were still undelivered "
            f"after {READY_SECONDS:g}s"
        )


def _said(response: httpx.Response) -> str:
    """A response's status and body, for error messages."""
    return f"{response.status_code}: {response.text}"
