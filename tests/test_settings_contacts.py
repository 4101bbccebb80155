"""Settings of contact checks: ``WA_CONTACTS_MAX_PER_CALL``, ``WA_CONTACTS_WAIT_SECONDS``
(docs/configuration.md, docs/contacts.md)."""

from __future__ import annotations

import pytest

from waemu.settings import ConfigError, Settings


def test_contacts_settings_have_documented_defaults_when_env_is_empty() -> None:
    settings = Settings.from_env({})
    assert (settings.contacts_max_per_call, settings.contacts_wait_seconds) == (1000, 20.0)


def test_contacts_settings_follow_env_when_set() -> None:
    settings = Settings.from_env(
        {"WA_CONTACTS_MAX_PER_CALL": "10000", "WA_CONTACTS_WAIT_SECONDS": "0.5"}
    )
    assert (settings.contacts_max_per_call, settings.contacts_wait_seconds) == (10000, 0.5)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("WA_CONTACTS_MAX_PER_CALL", "0"),
        ("WA_CONTACTS_MAX_PER_CALL", "100001"),
        ("WA_CONTACTS_WAIT_SECONDS", "-1"),
        ("WA_CONTACTS_WAIT_SECONDS", "601"),
    ],
)
def test_contacts_settings_raise_config_error_when_out_of_range(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: raw})
