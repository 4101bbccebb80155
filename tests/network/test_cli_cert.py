"""``waemu cert``: a certificate from the network's authority, for ``POST /v1/account``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from waemu.errors import ApiError
from waemu.network.certificates import CertificateAuthority
from waemu.network.world import World

ARGS = ["cert", "--cc", "1", "--phone-number", "6315550100", "--vname", "Acme"]


def _waemu(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m waemu`` with only the given ``WA_*`` variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WA")}
    return subprocess.run(
        [sys.executable, "-m", "waemu", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cert_prints_certificate_the_network_accepts(tmp_path: Path) -> None:
    result = _waemu(ARGS, WA_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    cert = result.stdout.strip()
    assert result.stdout == cert + "\n"
    # The network started later on the same data folder uses the key the command created.
    ca = World(tmp_path / "network").ca
    details = ca.check(cert, "16315550100")
    assert (details.wa_id, details.vname) == ("16315550100", "Acme")
    with pytest.raises(ApiError) as refused:
        ca.check(cert, "16315550101")
    assert refused.value.code == 1009


def test_cert_uses_key_of_existing_network(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "network")
    result = _waemu(ARGS, WA_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert ca.check(result.stdout.strip(), "16315550100").vname == "Acme"


def test_cert_refused_by_network_of_other_data_dir(tmp_path: Path) -> None:
    result = _waemu(ARGS, WA_DATA_DIR=str(tmp_path / "one"))
    assert result.returncode == 0, result.stderr
    other = CertificateAuthority.load_or_create(tmp_path / "two" / "network")
    with pytest.raises(ApiError) as refused:
        other.check(result.stdout.strip(), "16315550100")
    assert refused.value.details == "Invalid certificate: signature does not verify"


def test_cert_follows_network_data_dir_and_flag(tmp_path: Path) -> None:
    by_variable = _waemu(ARGS, WA_NETWORK_DATA_DIR=str(tmp_path / "net"))
    assert by_variable.returncode == 0, by_variable.stderr
    ca = CertificateAuthority.load_or_create(tmp_path / "net")
    assert ca.check(by_variable.stdout.strip(), "16315550100").vname == "Acme"

    by_flag = _waemu([*ARGS, "--data-dir", str(tmp_path / "flag")])
    assert by_flag.returncode == 0, by_flag.stderr
    ca = CertificateAuthority.load_or_create(tmp_path / "flag" / "network")
    assert ca.check(by_flag.stdout.strip(), "16315550100").vname == "Acme"


def test_cert_drops_trunk_zero_of_national_number(tmp_path: Path) -> None:
    args = ["cert", "--cc", "44", "--phone-number", "07700900123", "--vname", "UK Shop"]
    result = _waemu(args, WA_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    ca = CertificateAuthority.load_or_create(tmp_path / "network")
    assert ca.check(result.stdout.strip(), "447700900123").vname == "UK Shop"


def test_cert_answers_2_without_vname(tmp_path: Path) -> None:
    result = _waemu(ARGS[:-2], WA_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "--vname" in result.stderr
    assert result.stdout == ""
