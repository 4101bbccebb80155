"""The network's certificate authority for verified names (spec §5.1).

A certificate binds a phone number (``wa_id``) to a display name (``vname``) and is signed
with the network's Ed25519 key, which is created once and kept in the data folder. The
coreapp passes it unchanged to ``POST /v1/account``; the network checks signature and number.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from waemu.errors import ApiError

ISSUER = "smb:wa"


@dataclass(frozen=True, slots=True)
class CertificateDetails:
    """What a valid certificate says."""

    wa_id: str
    vname: str
    serial: int


class CertificateAuthority:
    """Issues and checks verified-name certificates."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def load_or_create(cls, directory: Path) -> CertificateAuthority:
        """The authority whose key lives in ``directory`` (created on first use)."""
        path = directory / "ca_ed25519.pem"
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(key, Ed25519PrivateKey)
            return cls(key)
        directory.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return cls(key)

    def issue(self, wa_id: str, vname: str) -> str:
        """A base64 certificate for ``wa_id`` showing ``vname``."""
        details = orjson.dumps(
            {
                "serial": secrets.randbits(63),
                "issuer": ISSUER,
                "wa_id": wa_id,
                "verified_name": vname,
                "issued_at": int(time.time()),
            }
        )
        signature = self._key.sign(details)
        envelope = orjson.dumps(
            {
                "details": base64.b64encode(details).decode(),
                "signature": base64.b64encode(signature).decode(),
            }
        )
        return base64.b64encode(envelope).decode()

    def check(self, cert: str, wa_id: str) -> CertificateDetails:
        """The details of ``cert`` if it is genuine and issued for ``wa_id``; else 1009."""
        try:
            envelope = orjson.loads(base64.b64decode(cert, validate=True))
            details_raw = base64.b64decode(envelope["details"], validate=True)
            signature = base64.b64decode(envelope["signature"], validate=True)
        except (ValueError, KeyError, TypeError):
            # ValueError covers binascii.Error, orjson.JSONDecodeError and the text that is
            # not ASCII at all, which b64decode refuses with a bare ValueError.
            raise ApiError(1009, "Invalid certificate: cannot be decoded") from None
        try:
            self._key.public_key().verify(signature, details_raw)
        except InvalidSignature:
            raise ApiError(1009, "Invalid certificate: signature does not verify") from None
        details = orjson.loads(details_raw)
        if details.get("wa_id") != wa_id:
            raise ApiError(1009, "Invalid certificate: issued for another phone number")
        return CertificateDetails(wa_id, str(details["verified_name"]), int(details["serial"]))
