"""Id factories: one place decides the shape of every generated id."""

from __future__ import annotations

import secrets


def token_id() -> str:
    """A token's unique id (JWT ``jti``)."""
    return secrets.token_urlsafe(16)


def user_generation() -> str:
    """Marks one incarnation of a user, so a deleted and re-created name gets new tokens."""
    return secrets.token_hex(8)


def request_id() -> str:
    """The ``X-Request-ID`` of a request that came without one: 32 hex digits."""
    return secrets.token_hex(16)


def secret_key() -> str:
    """A fresh signing key for tokens."""
    return secrets.token_urlsafe(48)


def client_id() -> str:
    """The identity a coreapp presents to the network (its "identity keys")."""
    return secrets.token_hex(16)


def _opaque(prefix: str, random_bytes: int) -> str:
    return prefix + secrets.token_urlsafe(random_bytes)[: (random_bytes * 4 + 2) // 3]


def outbound_message_id() -> str:
    """A business message id in the real shape: ``gBEG`` + 23 url-safe characters (27)."""
    return _opaque("gBEG", 17)


def inbound_message_id() -> str:
    """A customer message id in the real shape: ``ABGG`` + 24 url-safe characters (28)."""
    return _opaque("ABGG", 18)
