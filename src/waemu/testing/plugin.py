"""The pytest plugin (entry point ``pytest11``: installing waemu is enough; ``-p no:waemu``
turns it off). Its fixtures start the emulator only when a test asks for one of them; every
name starts with ``waemu_`` so it never shadows a project's own fixtures. docs/testing.md
describes each fixture and option.

    def test_customer_gets_a_reply(waemu_business, waemu_customers, waemu_webhooks):
        alice = waemu_customers("Alice")
        message_id = alice.send_text("hi")
        waemu_webhooks.wait_for_message(sender=alice.wa_id, text="hi")
        waemu_business.send_text(alice.wa_id, "Hello!")
        assert alice.wait_for_message(text="Hello!").status in ("sent", "delivered", "read")
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from waemu.network.client import NetworkClient
from waemu.testing.customers import Customers
from waemu.testing.emulator import Emulator
from waemu.testing.harness import Admin, Business, BusinessNumber, Harness, log_in
from waemu.testing.options import EmulatorOptions, OptionError, parse_env, resolve
from waemu.testing.receiver import WebhookReceiver


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--waemu-*`` options and their ini keys."""
    group = parser.getgroup("waemu", "WhatsApp On-Premises API emulator (waemu fixtures)")
    group.addoption(
        "--waemu-db",
        choices=["sqlite", "postgres", "mysql"],
        default=None,
        help="the emulator's database: sqlite (default, in a temporary folder), postgres or "
        "mysql (a database of its own on the server; ini waemu_db, env WAEMU_DB)",
    )
    group.addoption(
        "--waemu-db-url",
        default=None,
        metavar="URL",
        help="the PostgreSQL/MySQL server, e.g. postgresql://postgres@127.0.0.1:5432; "
        "without it the WA_DB_HOSTNAME/PORT/USERNAME/PASSWORD variables or their defaults "
        "(ini waemu_db_url, env WAEMU_DB_URL)",
    )
    group.addoption(
        "--waemu-tls",
        action="store_true",
        default=None,
        help="serve the API over HTTPS with a self-signed certificate (ini waemu_tls)",
    )
    group.addoption(
        "--waemu-start-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long the emulator may take to start (default 60; ini waemu_start_timeout)",
    )
    group.addoption(
        "--waemu-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable for the emulator's processes, e.g. WA_OFFLINE_DRAIN_MAX_SECONDS=5 "
        "(repeatable; ini waemu_env, one per line)",
    )
    parser.addini("waemu_db", "the emulator's database: sqlite, postgres or mysql")
    parser.addini("waemu_db_url", "the PostgreSQL/MySQL server's URL")
    parser.addini("waemu_tls", "serve the API over HTTPS", type="bool", default=False)
    parser.addini("waemu_start_timeout", "seconds the emulator may take to start")
    parser.addini("waemu_env", "NAME=VALUE variables for the emulator", type="linelist")


def pytest_configure(config: pytest.Config) -> None:
    """Check the ``--waemu-*`` options at once (a usage error before any test runs); nothing
    starts here."""
    emulator_options(config, {})


def emulator_options(config: pytest.Config, extra_env: dict[str, str]) -> EmulatorOptions:
    """The options of this run: command line, then ini file, then environment."""
    tls = config.getoption("waemu_tls")
    seconds = config.getoption("waemu_start_timeout") or config.getini("waemu_start_timeout")
    env = {
        **parse_env(list(config.getini("waemu_env"))),
        **extra_env,
        **parse_env(list(config.getoption("waemu_env"))),
    }
    try:
        return resolve(
            engine=config.getoption("waemu_db") or config.getini("waemu_db") or None,
            db_url=config.getoption("waemu_db_url") or config.getini("waemu_db_url") or None,
            tls=bool(tls if tls is not None else config.getini("waemu_tls")),
            start_seconds=float(seconds) if seconds else None,
            env=env,
            worker=os.environ.get("PYTEST_XDIST_WORKER", "main"),
        )
    except (OptionError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def waemu_env() -> dict[str, str]:
    """Variables for the emulator's processes (override it in a conftest.py, e.g. to set
    ``WA_WEBHOOK_REQUIRE_HTTPS`` or ``WA_OFFLINE_DRAIN_MAX_SECONDS``)."""
    return {}


@pytest.fixture(scope="session")
def waemu_business_number() -> BusinessNumber:
    """The number ``waemu_business`` registers: +1 631-555-0100, "Acme Shop" (override it
    in a conftest.py to register another)."""
    return BusinessNumber()


@pytest.fixture(scope="session")
def waemu_emulator(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    waemu_env: dict[str, str],
) -> Iterator[Emulator]:
    """The emulator of this session (of this xdist worker): network, coreapp and webapp
    started on free ports, stopped at the end of the session, whatever happens."""
    options = emulator_options(request.config, waemu_env)
    emulator = Emulator(options, tmp_path_factory.mktemp("waemu"))
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def waemu_admin(waemu_emulator: Emulator) -> Iterator[Admin]:
    """The admin, logged in once for the session (the first login changed the password):
    ``base_url``, ``token``, ``headers``, ``http`` (an httpx client), ``client()``."""
    admin = log_in(waemu_emulator)
    try:
        yield admin
    finally:
        admin.http.close()


@pytest.fixture(scope="session")
def waemu_harness(
    waemu_emulator: Emulator, waemu_admin: Admin, waemu_business_number: BusinessNumber
) -> Iterator[Harness]:
    """The session's state behind the other fixtures: the webhook receiver, the business
    number, the reset. Use it to build session-scoped fixtures of your own."""
    harness = Harness(waemu_emulator, waemu_admin, waemu_business_number)
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def waemu_network(waemu_harness: Harness) -> NetworkClient:
    """The network's control-API client, after the reset that starts each test from the
    seed (docs/testing.md: what the reset covers)."""
    waemu_harness.reset()
    return waemu_harness.network


@pytest.fixture
def waemu_business(waemu_harness: Harness, waemu_network: NetworkClient) -> Business:
    """The business number, registered (once a session) and ready for sends."""
    return waemu_harness.ensure_business()


@pytest.fixture
def waemu_customers(waemu_harness: Harness, waemu_network: NetworkClient) -> Customers:
    """Make customers: ``waemu_customers("Erika", reads=False)``; existing ones with
    ``waemu_customers.get("16315551001")``."""
    return Customers(waemu_network, waemu_harness.customer_numbers)


@pytest.fixture
def waemu_webhooks(waemu_harness: Harness, waemu_network: NetworkClient) -> WebhookReceiver:
    """The webhook receiver ``webhooks.url`` points at, emptied for this test."""
    return waemu_harness.receiver
