"""The pytest plugin as a user's project meets it (docs/testing.md): installed with the
package, silent until a ``waemu_*`` fixture is asked for, and every test starting from the
same world whatever the test before it did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import require_server
from tests.testing.sessions import emulators, leftovers, run_pytest, write_project

pytestmark = pytest.mark.slow

# Tests that leave dirt behind, each followed by one that checks it is gone.
ISOLATION = """
import time

import httpx
import pytest
from waemu.testing import WaitTimeout

ALICE, BOB, CAROL = "16315551001", "16315551002", "16315551003"
HELLO = [{"type": "BODY", "text": "Hello {{1}}"}]


def test_1_leaves_dirt(waemu_business, waemu_customers, waemu_webhooks, waemu_network, waemu_admin):
    net = waemu_network
    made = waemu_customers("Erika")
    assert made.wa_id == "16315560000"
    alice = waemu_customers.get(ALICE)
    alice.update(name="Changed", reads=False)
    alice.send_text("hi")
    waemu_webhooks.wait_for_message(sender=ALICE, text="hi")
    waemu_business.send_text(ALICE, "open window")
    bob = waemu_customers.get(BOB)
    bob.go_offline()
    waemu_business.send_template(BOB, "hello_world")
    own = net.account_templates(waemu_business.wa_id).namespace
    net.put_template(own, "leftover", "en_US", HELLO)
    net.update_settings(realistic_statuses=True)
    net.start_chatter(CAROL, 5, body="chatter")
    waemu_webhooks.respond_with(500, times=3)
    settings = {"show_security_notifications": True, "webhooks": {"url": "http://127.0.0.1:9/x"}}
    assert waemu_admin.http.patch("/v1/settings/application", json=settings).status_code == 200
    net.set_offline_feed(waemu_business.wa_id, hold=True)
    net.set_outage(True)


def test_2_starts_clean(
    waemu_business, waemu_customers, waemu_webhooks, waemu_network, waemu_admin
):
    net = waemu_network
    assert waemu_webhooks.posts == []
    alice = waemu_customers.get(ALICE)
    info = alice.info()
    assert (info.name, info.reads) == ("Alice Example", True)
    assert alice.messages() == [] and waemu_customers.get(BOB).messages() == []
    assert "16315560000" not in [c.wa_id for c in net.customers()]
    assert net.settings().realistic_statuses is False
    assert net.health().outage is False
    assert net.offline_state(waemu_business.wa_id).hold is False
    assert net.templates(name="leftover").templates == []
    assert waemu_business.webhook_attempts().pending == 0
    app = waemu_admin.http.get("/v1/settings/application").json()["settings"]["application"]
    assert app["webhooks"]["url"] == waemu_webhooks.url
    assert app["show_security_notifications"] is False
    assert app["callback_backoff_delay_ms"] == 200
    # The 24-hour window went too: a free-form message fails (470) until Alice writes.
    refused = waemu_business.send_text(ALICE, "no window")
    failed = waemu_webhooks.wait_for_status(refused, "failed")
    assert failed["errors"][0]["code"] == 470
    made = waemu_customers("Erik")
    assert made.wa_id == "16315560001"  # never a number twice in a session
    made.send_text("hello")
    waemu_webhooks.wait_for_message(sender=made.wa_id, text="hello")
    sent = waemu_business.send_text(made.wa_id, "Hello Erik")
    assert made.wait_for_message(text="Hello Erik").id == sent
    waemu_webhooks.wait_for_status(sent, "delivered")  # "sent" is off by default
    waemu_webhooks.wait_for_status(sent, "read")


def test_3_waits_fail_saying_what_arrived(waemu_business, waemu_customers, waemu_webhooks):
    dave = waemu_customers("Dave")
    dave.send_text("first words")
    waemu_webhooks.wait_for_message(text="first words")
    with pytest.raises(WaitTimeout) as webhook:
        waemu_webhooks.wait_for_message(text="never said", timeout=0.3)
    assert "no message with text='never said' arrived within 0.3s" in str(webhook.value)
    assert f"from {dave.wa_id}: text 'first words'" in str(webhook.value)
    with pytest.raises(WaitTimeout) as phone:
        dave.wait_for_message(template="hello_world", timeout=0.3)
    assert "received no message with template='hello_world' within 0.3s" in str(phone.value)
    assert "-> " in str(phone.value) and "'first words'" in str(phone.value)


def test_5_gives_the_number_up(waemu_business, waemu_network):
    waemu_network.reset(accounts=True)
    assert waemu_network.accounts() == []


def test_6_gets_the_number_registered_again(waemu_business, waemu_customers, waemu_webhooks):
    (account,) = waemu_business.network.accounts()
    assert (account.wa_id, account.registered) == (waemu_business.wa_id, True)
    fred = waemu_customers("Fred")
    fred.send_text("anyone there?")
    waemu_webhooks.wait_for_message(sender=fred.wa_id)


PARAMETERS = [{"type": "text", "text": "Ann"}, {"type": "text", "text": "A-1"}]
ORDER = [{"type": "body", "parameters": PARAMETERS}]


def test_7_pauses_a_seeded_template(waemu_business, waemu_network):
    shared = waemu_network.templates().shared_namespace
    waemu_network.set_template_status(shared, "order_confirmation", "en_US", "PAUSED")
    waemu_network.drop_connections(waemu_business.wa_id)  # the coreapp loads it paused
    message = {"to": ALICE, "type": "template", "template": {
        "name": "order_confirmation", "language": {"policy": "deterministic", "code": "en_US"},
        "components": ORDER}}
    deadline = time.monotonic() + 20
    answer = waemu_business.admin.http.post("/v1/messages", json=message)
    while answer.status_code in (201, 503):
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)
        answer = waemu_business.admin.http.post("/v1/messages", json=message)


def test_8_sends_the_template_the_seed_has_approved(waemu_business):
    waemu_business.send_template(ALICE, "order_confirmation", components=ORDER)


def test_4_admin_alone_needs_no_reset(waemu_admin, waemu_emulator):
    assert waemu_admin.http.get("/v1/health").status_code == 200
    assert waemu_admin.base_url == waemu_emulator.base_url
    with httpx.Client(base_url=waemu_admin.base_url, headers=waemu_admin.headers) as http:
        assert http.get("/v1/support").status_code == 200
"""

NOTHING = """
def test_without_fixtures():
    assert True
"""

OPTIONS_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def waemu_env():
    return {"WA_API_VERSION": "9.8.7"}
"""

OPTIONS = """
def test_options_reach_the_emulator(waemu_admin, waemu_emulator):
    assert waemu_emulator.base_url.startswith("https://")
    assert waemu_admin.verify is False
    meta = waemu_admin.http.get("/v1/health").json()["meta"]
    assert meta["version"] == "v9.8.7"
    assert waemu_emulator.env["WA_OFFLINE_DRAIN_MAX_SECONDS"] == "7"
"""


def test_each_test_starts_from_the_seed_whatever_the_last_one_did(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"test_isolation.py": ISOLATION})
    basetemp = tmp_path / "basetemp"
    result = run_pytest(project, basetemp, "-q")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "8 passed" in result.stdout
    assert leftovers(basetemp) == []


def test_plugin_starts_nothing_unless_a_fixture_asks(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"test_nothing.py": NOTHING})
    basetemp = tmp_path / "basetemp"
    result = run_pytest(project, basetemp, "-q")
    assert result.returncode == 0, result.stdout[-3000:]
    assert emulators(basetemp) == []
    assert not list(basetemp.glob("waemu*"))
    listed = run_pytest(project, basetemp, "--fixtures", "-q")
    for name in ("waemu_emulator", "waemu_admin", "waemu_business", "waemu_customers"):
        assert name in listed.stdout
    helped = run_pytest(project, basetemp, "--help")
    assert "--waemu-db={sqlite,postgres,mysql}" in helped.stdout


def test_options_and_an_overridden_env_fixture_reach_the_emulator(tmp_path: Path) -> None:
    files = {"conftest.py": OPTIONS_CONFTEST, "test_options.py": OPTIONS}
    project = write_project(tmp_path / "project", files)
    basetemp = tmp_path / "basetemp"
    args = ("-q", "--waemu-tls", "--waemu-env", "WA_OFFLINE_DRAIN_MAX_SECONDS=7")
    result = run_pytest(project, basetemp, *args)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert leftovers(basetemp) == []


def test_bad_option_is_a_usage_error_before_anything_starts(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"test_nothing.py": NOTHING})
    result = run_pytest(project, tmp_path / "basetemp", "--waemu-db-url=ftp://somewhere")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "--waemu-db-url must be a postgresql:// or mysql:// URL" in result.stderr


@pytest.mark.postgres
def test_postgres_database_is_dropped_after_the_session(tmp_path: Path) -> None:
    require_server("postgres")
    project = write_project(tmp_path / "project", {"test_nothing.py": OPTIONS_ON_POSTGRES})
    basetemp = tmp_path / "basetemp"
    result = run_pytest(project, basetemp, "-q", "--waemu-db-url=postgresql://postgres@127.0.0.1")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    (emulator,) = emulators(basetemp)
    assert emulator["engine"] == "postgres"
    prefix = emulator["database_prefix"]
    assert not _postgres_has(f"{prefix}waent")


OPTIONS_ON_POSTGRES = """
def test_on_postgres(waemu_admin):
    support = waemu_admin.http.get("/v1/support").json()["support"]
    assert support["db_engine"] == "PGSQL"
"""


def _postgres_has(database: str) -> bool:
    script = (
        "import asyncio, asyncpg, sys\n"
        "async def main():\n"
        "    conn = await asyncpg.connect(user='postgres', host='127.0.0.1')\n"
        "    query = 'SELECT 1 FROM pg_database WHERE datname = $1'\n"
        "    row = await conn.fetchval(query, sys.argv[1])\n"
        "    await conn.close()\n"
        "    print('yes' if row else 'no')\n"
        "asyncio.run(main())\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, database],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return found.stdout.strip() == "yes"
