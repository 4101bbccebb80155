"""The backup format of ``/v1/settings/backup`` (spec §9.7): AES-256-GCM under a scrypt key,
a fresh salt and nonce per backup, and every byte authenticated."""

from __future__ import annotations

import base64

import pytest

from waemu.coreapp.services import backup
from waemu.errors import ApiError

SNAPSHOT = {"version": backup.VERSION, "config": {"account.client_id": "c1"}}
PASSWORD = "correct horse battery staple"
SALT_AT = len(backup.MAGIC)
NONCE_AT = SALT_AT + backup.SALT_BYTES
SEALED_AT = NONCE_AT + backup.NONCE_BYTES


def _raw(data: str) -> bytearray:
    return bytearray(base64.b64decode(data))


def _text(raw: bytearray) -> str:
    return base64.b64encode(bytes(raw)).decode()


def test_round_trip_with_fresh_salt_and_nonce() -> None:
    first, second = backup.encrypt(SNAPSHOT, PASSWORD), backup.encrypt(SNAPSHOT, PASSWORD)
    assert backup.decrypt(first, PASSWORD) == SNAPSHOT
    assert _raw(first)[SALT_AT:NONCE_AT] != _raw(second)[SALT_AT:NONCE_AT]
    assert _raw(first)[NONCE_AT:SEALED_AT] != _raw(second)[NONCE_AT:SEALED_AT]
    assert b"client_id" not in _raw(first)


def test_key_derivation_is_memory_hard() -> None:
    # scrypt with at least the interactive-login cost of RFC 7914 (N=2^14, r=8).
    assert backup.SCRYPT_N >= 2**14 and backup.SCRYPT_R >= 8 and backup.SCRYPT_P >= 1
    assert backup.SALT_BYTES >= 16 and backup.NONCE_BYTES == 12


@pytest.mark.parametrize(
    "position",
    [0, SALT_AT, NONCE_AT, SEALED_AT, -1],
    ids=["magic", "salt", "nonce", "ciphertext", "tag"],
)
def test_every_part_is_authenticated(position: int) -> None:
    raw = _raw(backup.encrypt(SNAPSHOT, PASSWORD))
    raw[position] ^= 0x01
    with pytest.raises(ApiError) as refused:
        backup.decrypt(_text(raw), PASSWORD)
    assert (refused.value.code, refused.value.http_status) == (1009, 400)


def test_wrong_password_and_truncated_data_are_refused() -> None:
    data = backup.encrypt(SNAPSHOT, PASSWORD)
    for blob, password in ((data, "another password"), (_text(_raw(data)[:SEALED_AT]), PASSWORD)):
        with pytest.raises(ApiError) as refused:
            backup.decrypt(blob, password)
        assert refused.value.code == 1009
