"""``waemu --help`` and each command's help read as plain text and describe the command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from waemu.cli import COMMANDS


def help_text(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "waemu", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_main_help_lists_every_command_without_markup() -> None:
    text = help_text()
    assert "``" not in text
    assert "On-Premises API" in text
    for name, (summary, _description) in COMMANDS.items():
        assert name in text and summary in text


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_help_has_a_description(command: str) -> None:
    text = help_text(command)
    assert "``" not in text
    description = COMMANDS[command][1]
    assert " ".join(description.split()[:6]) in " ".join(text.split())
