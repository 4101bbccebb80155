"""The operation table, one module per API area; each entry delegates to a service."""

from __future__ import annotations

from waemu.coreapp.principal import Principal


def caller(principal: Principal | None) -> Principal:
    """The verified caller of an operation that requires one."""
    assert principal is not None  # guaranteed by the access check
    return principal
