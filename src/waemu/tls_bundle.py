"""PEM bundles of ``POST /v1/certificates/external`` (spec §10.6): checked and split.

The docs ask for one file holding, in this order, the private key, the server certificate
and at least one intermediate/CA certificate. :func:`parse` checks exactly that — the key is
unencrypted and belongs to the certificate, each certificate is signed by the next one, none
has expired — and raises 400/1009 naming the problem, so a bundle the webapp could not serve
is never stored (the real webapp would fail to start on it).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from waemu.errors import ApiError

MAX_BUNDLE_BYTES = 32 * 1024
BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)\r?\n?-----END \1-----", re.DOTALL)
KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")


def _invalid(reason: str) -> ApiError:
    return ApiError(1009, f"Invalid certificate bundle: {reason}")


@dataclass(frozen=True, slots=True)
class Bundle:
    """A checked bundle: the key, the server certificate, the chain above it (PEM text)."""

    key_pem: str
    cert_pem: str
    chain_pems: tuple[str, ...]

    @property
    def certificate_chain(self) -> str:
        """Server certificate then chain: what a TLS server presents."""
        return self.cert_pem + "".join(self.chain_pems)

    @property
    def ca_pem(self) -> str:
        """The CA certificate(s) of ``GET /v1/certificates/external/ca``: the chain."""
        return "".join(self.chain_pems)

    @property
    def text(self) -> str:
        """The bundle in the documented order."""
        return self.key_pem + self.certificate_chain


def _public_bytes(key: object) -> bytes:
    public = key.public_key()  # type: ignore[attr-defined]
    data: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _check_signed(cert: x509.Certificate, issuer: x509.Certificate, position: int) -> None:
    if cert.issuer != issuer.subject:
        raise _invalid(
            f"certificate {position} is issued by {cert.issuer.rfc4514_string()!r}, "
            f"but the next certificate is {issuer.subject.rfc4514_string()!r}"
        )
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise _invalid(f"certificate {position} is not signed by the next one ({exc})") from None


def parse(text: str, *, now: datetime | None = None) -> Bundle:
    """The checked bundle, or 400/1009 saying what is wrong with it."""
    if len(text.encode()) > MAX_BUNDLE_BYTES:
        raise _invalid(f"larger than {MAX_BUNDLE_BYTES} bytes")
    blocks = [(m.group(1), m.group(0).strip() + "\n") for m in BLOCK.finditer(text)]
    if not blocks:
        raise _invalid("no PEM blocks found (expected private key, certificate, CA certificate)")
    label, key_pem = blocks[0]
    if label == "ENCRYPTED PRIVATE KEY":
        raise _invalid("the private key must not be encrypted")
    if label not in KEY_LABELS:
        raise _invalid(f"the first block must be the private key, not {label!r}")
    certs_pem = [pem for lbl, pem in blocks[1:] if lbl == "CERTIFICATE"]
    others = [lbl for lbl, _ in blocks[1:] if lbl != "CERTIFICATE"]
    if others:
        raise _invalid(f"unexpected PEM block {others[0]!r} after the private key")
    if not certs_pem:
        raise _invalid("the server certificate is missing")
    if len(certs_pem) < 2:
        raise _invalid("at least one intermediate CA certificate is required")
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except TypeError:
        raise _invalid("the private key must not be encrypted") from None
    except ValueError as exc:
        raise _invalid(f"the private key cannot be read ({exc})") from None
    if not isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        raise _invalid("the private key must be RSA, EC or EdDSA")
    certs: list[x509.Certificate] = []
    for position, pem in enumerate(certs_pem, start=1):
        try:
            certs.append(x509.load_pem_x509_certificate(pem.encode()))
        except ValueError as exc:
            raise _invalid(f"certificate {position} cannot be read ({exc})") from None
    if _public_bytes(key) != certs[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise _invalid("the private key does not match the server certificate")
    moment = now or datetime.now(UTC)
    for position, cert in enumerate(certs, start=1):
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            raise _invalid(f"certificate {position} is not valid now (expired or not yet valid)")
    for position, (cert, issuer) in enumerate(itertools.pairwise(certs), start=1):
        _check_signed(cert, issuer, position)
    return Bundle(key_pem, certs_pem[0], tuple(certs_pem[1:]))
