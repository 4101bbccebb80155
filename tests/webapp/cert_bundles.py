"""PEM bundles for ``POST /v1/certificates/external``, made at test time: a root CA, an
intermediate it signed, and a server certificate for 127.0.0.1 the intermediate signed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PEM = serialization.Encoding.PEM


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    now: datetime,
    days: int = 30,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1) if days > 0 else now - timedelta(days=10))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class Chain:
    """A server key and certificate and the CA certificates above them (PEM)."""

    key: str
    cert: str
    intermediate: str
    root: str
    cert_der: bytes

    def bundle(self) -> str:
        """Key, server certificate, intermediate: the documented order."""
        return self.key + self.cert + self.intermediate


def make_chain(
    *, now: datetime | None = None, leaf_days: int = 30, server_name: str = "waemu test server"
) -> Chain:
    """A fresh chain root → intermediate → server, valid around ``now`` (wall time when
    None; pass an in-process stack's clock, which the coreapp judges validity by)."""
    now = now or datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    mid_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    root = _issue("waemu test root", root_key, "waemu test root", root_key, ca=True, now=now)
    mid = _issue("waemu test intermediate", mid_key, "waemu test root", root_key, ca=True, now=now)
    leaf = _issue(
        server_name,
        leaf_key,
        "waemu test intermediate",
        mid_key,
        ca=False,
        now=now,
        days=leaf_days,
    )
    return Chain(
        _key_pem(leaf_key),
        leaf.public_bytes(PEM).decode(),
        mid.public_bytes(PEM).decode(),
        root.public_bytes(PEM).decode(),
        leaf.public_bytes(serialization.Encoding.DER),
    )


def encrypted_key(chain: Chain) -> str:
    """The chain's key, encrypted with a password."""
    key = serialization.load_pem_private_key(chain.key.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return _key_pem(key, b"secret")
