"""The webhook retry horizon, ``WA_WEBHOOK_RETRY_HORIZON_SECONDS`` (docs/configuration.md,
docs/webhooks.md): 24 hours by default, any positive number of seconds up to a year."""

from __future__ import annotations

import pytest

from waemu.cli import main
from waemu.settings import ConfigError, Settings

NAME = "WA_WEBHOOK_RETRY_HORIZON_SECONDS"


def test_retry_horizon_is_24_hours_when_env_is_empty() -> None:
    assert Settings.from_env({}).webhook_retry_horizon_seconds == 86400.0


@pytest.mark.parametrize(("raw", "seconds"), [("60", 60.0), ("0.5", 0.5), ("31536000", 31536000.0)])
def test_retry_horizon_follows_env_when_set(raw: str, seconds: float) -> None:
    assert Settings.from_env({NAME: raw}).webhook_retry_horizon_seconds == seconds


@pytest.mark.parametrize("raw", ["0", "-60", "31536001", "inf", "nan", "1e400"])
def test_retry_horizon_raises_config_error_when_out_of_range(raw: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{NAME} must be a number of seconds greater than 0"):
        Settings.from_env({NAME: raw})


def test_retry_horizon_raises_config_error_when_not_a_number() -> None:
    with pytest.raises(ConfigError, match=rf"^{NAME} must be a number, got '24h'$"):
        Settings.from_env({NAME: "24h"})


def test_bad_retry_horizon_stops_the_start_with_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(NAME, "0")
    assert main(["coreapp"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"waemu: configuration error: {NAME} must be a number of seconds")
    assert "got '0'" in error
