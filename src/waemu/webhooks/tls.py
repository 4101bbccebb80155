"""How the dispatcher verifies HTTPS webhook receivers: the system's trust store plus the
webhook CA uploaded with ``POST /v1/certificates/webhooks/ca`` (spec §10.6).

A context is built once per CA change and handed to the HTTP client; building one loads the
system store, which takes a few milliseconds, so it is never done per POST.
"""

from __future__ import annotations

import ssl

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

PRIVATE_KEY_MARK = "PRIVATE KEY-----"


class CaBundleError(ValueError):
    """The text is not a usable bundle of CA certificates; the message says why."""


def parse_ca_bundle(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM bundle; CaBundleError when there are none, when one does not
    parse, or when the bundle carries a private key (a CA bundle never needs one)."""
    if PRIVATE_KEY_MARK in pem:
        raise CaBundleError("the bundle contains a private key; upload only certificates")
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise CaBundleError(
            "expected one or more PEM-encoded X.509 certificates "
            "(-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"
        ) from None
    if not certificates:  # pragma: no cover - cryptography raises instead
        raise CaBundleError("the bundle holds no certificate")
    return certificates


def client_context(ca_pem: str | None) -> ssl.SSLContext:
    """A client context that trusts the system's CAs and, when given, the webhook CA bundle.

    CaBundleError when the bundle does not parse or the TLS library refuses it. The TLS
    library gets the certificates re-encoded, so text around them (comments, even non-ASCII
    ones) does not matter."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if ca_pem:
        certificates = parse_ca_bundle(ca_pem)
        cadata = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certificates)
        try:
            context.load_verify_locations(cadata=cadata)
        except (ssl.SSLError, ValueError) as exc:
            raise CaBundleError(f"the TLS library refused the certificates: {exc}") from None
    return context
