"""Repositories: small functions over an AsyncSession, one module per area."""
