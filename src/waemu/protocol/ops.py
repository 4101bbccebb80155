"""Names of the operations the coreapp serves; both sides of the socket use these."""

from __future__ import annotations

SIGNING_KEY = "auth.signing_key"
HEALTH = "health.get"

USERS_LOGIN = "users.login"
USERS_LOGOUT = "users.logout"
USERS_CREATE = "users.create"
USERS_GET = "users.get"
USERS_UPDATE = "users.update"
USERS_DELETE = "users.delete"
