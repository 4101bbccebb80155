"""Users, login, logout and the login throttle (spec §3).

Users are few and read on every request, so the service keeps them in memory and writes
through to the database; the coreapp is the only writer.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import ids
from waemu.clock import Clock
from waemu.coreapp.principal import ROLE_ADMIN, ROLE_USER, Access, Principal
from waemu.coreapp.services.passwords import Hasher, check_policy
from waemu.errors import ApiError, forbidden, unauthorized
from waemu.storage.repos import users as repo
from waemu.storage.tables import UserRow

ADMIN = "admin"
DEFAULT_ADMIN_PASSWORD = "secret"  # noqa: S105 - the documented first-login password (§3.1)
# /v1/users/login and /v1/users/logout are nodes of their own, which shadow
# /v1/users/{username} for every method: a user of that name could not be read or deleted.
RESERVED_USERNAMES = frozenset({"login", "logout"})


@dataclass(frozen=True, slots=True)
class User:
    """A user as the service holds it."""

    username: str
    role: str
    generation: str
    password_hash: str
    must_change_password: bool


def _from_row(row: UserRow) -> User:
    return User(row.username, row.role, row.generation, row.password_hash, row.must_change_password)


@dataclass(slots=True)
class _Failures:
    """The failed logins of one username from one client address."""

    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Locks a username out, for one client address, after repeated failed logins.

    After ``max_failures`` consecutive failures of a username from an address, that pair is
    locked for ``lockout_seconds``; each further failure after a lock doubles the lock, up to
    15 minutes. A success clears the pair. Keyed by address too, so someone guessing the
    admin's password from one address cannot lock the admin out everywhere else.

    At most ``max_tracked`` pairs are remembered, so a flood of failures from rotating
    addresses or names cannot grow memory without limit: when full, the unlocked pairs are
    forgotten first, then the least recently failed ones.
    """

    MAX_LOCK_SECONDS = 900.0
    MAX_TRACKED = 10_000

    def __init__(
        self,
        clock: Clock,
        max_failures: int,
        lockout_seconds: float,
        max_tracked: int | None = None,
    ) -> None:
        self.clock = clock
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.max_tracked = max_tracked or self.MAX_TRACKED
        # Ordered by the last failure: the first entries are the ones to evict.
        self._pairs: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pairs)

    def check(self, username: str, address: str) -> None:
        """Raise 1015 (HTTP 429) while ``username`` is locked for ``address``."""
        found = self._pairs.get((username, address))
        if found is None:
            return
        remaining = found.locked_until - self.clock.monotonic()
        if remaining > 0:
            raise ApiError(
                1015,
                # Rounded up: "retry in 0 seconds" while still locked would invite a retry.
                "Too many failed login attempts for this user; "
                f"retry in {math.ceil(remaining)} seconds",
            )

    def failed(self, username: str, address: str) -> None:
        """Count a failure, locking the pair when the limit is reached."""
        key = (username, address)
        found = self._pairs.get(key)
        if found is None:
            self._make_room()
            found = self._pairs[key] = _Failures()
        else:
            self._pairs.move_to_end(key)
        found.count += 1
        if found.count >= self.max_failures:
            doublings = found.count - self.max_failures
            seconds = min(self.lockout_seconds * 2**doublings, self.MAX_LOCK_SECONDS)
            found.locked_until = self.clock.monotonic() + seconds

    def _make_room(self) -> None:
        """Keep below ``max_tracked`` pairs: unlocked ones go first, then the oldest.

        Evicting down to nine tenths keeps the scan off most of the following failures.
        """
        if len(self._pairs) < self.max_tracked:
            return
        now = self.clock.monotonic()
        for key in [key for key, found in self._pairs.items() if found.locked_until <= now]:
            del self._pairs[key]
        while len(self._pairs) >= self.max_tracked - self.max_tracked // 10:
            self._pairs.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of ``username`` from ``address`` (only that address: a
        success elsewhere must not lift an attacker's lock)."""
        self._pairs.pop((username, address), None)


class UsersService:
    """Users and tokens: the authority on who may call what."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hasher: Hasher,
        clock: Clock,
        throttle: LoginThrottle,
    ) -> None:
        self.sessions = sessions
        self.hasher = hasher
        self.clock = clock
        self.throttle = throttle
        self._users: dict[str, User] = {}
        self._revoked: set[str] = set()

    async def load(self) -> None:
        """Read users and live revocations; create the built-in admin on first start."""
        async with self.sessions.begin() as session:
            rows = await repo.all_users(session)
            if not any(row.username == ADMIN for row in rows):
                row = await self._new_row(ADMIN, DEFAULT_ADMIN_PASSWORD, ROLE_ADMIN)
                row.must_change_password = True
                session.add(row)
                rows.append(row)
            self._revoked = set(await repo.live_revocations(session, self.clock.now()))
        self._users = {row.username: _from_row(row) for row in rows}

    async def _new_row(self, username: str, password: str, role: str) -> UserRow:
        now = self.clock.now()
        return UserRow(
            username=username,
            password_hash=await self.hasher.hash(password),
            role=role,
            must_change_password=False,
            generation=ids.user_generation(),
            created_at=now,
            updated_at=now,
        )

    # -- authorization -------------------------------------------------------------------

    def authorize(self, principal: Principal | None, access: Access) -> None:
        """Raise 401/403 unless ``principal`` may run an operation needing ``access``."""
        if access is Access.PUBLIC:
            return
        if principal is None:
            raise unauthorized("Authentication is required")
        if principal.apikey_allowed(access):
            return
        if principal.apikey:
            raise unauthorized("Apikey authentication is not accepted on this endpoint")
        user = self._users.get(principal.user or "")
        if user is None or user.generation != principal.generation:
            raise unauthorized("Invalid token: the user no longer exists")
        if principal.jti in self._revoked:
            raise unauthorized("Invalid token: the token was revoked by logout")
        if principal.expires is not None and principal.expires <= self.clock.now().timestamp():
            raise unauthorized("Invalid token: the token has expired")
        if access is Access.ADMIN and user.role != ROLE_ADMIN:
            raise forbidden()

    # -- operations ----------------------------------------------------------------------

    async def login(
        self, username: str, password: str, new_password: str | None, address: str = ""
    ) -> dict[str, Any]:
        """Check credentials, apply ``new_password``, and say whom to issue a token for.

        ``address`` is the client's, as the webapp saw it: failures are throttled per
        username and address (docs/security.md).
        """
        self.throttle.check(username, address)
        user = self._users.get(username)
        if not await self.hasher.verify(password, user.password_hash if user else None):
            self.throttle.failed(username, address)
            raise unauthorized("Invalid username or password")
        assert user is not None
        self.throttle.succeeded(username, address)
        if new_password is None and user.must_change_password:
            # spec §3.3: the first admin login must carry new_password.
            raise ApiError(1024, "Password must be changed")
        if new_password is not None:
            await self._set_password(username, new_password)
            user = self._users[username]
        return {"username": user.username, "role": user.role, "generation": user.generation}

    async def logout(self, principal: Principal) -> None:
        """Revoke the caller's token at once (spec §3.4)."""
        assert principal.jti is not None and principal.expires is not None
        expires = datetime.fromtimestamp(principal.expires, UTC)
        async with self.sessions.begin() as session:
            await repo.revoke(session, principal.jti, expires)
        self._revoked.add(principal.jti)

    async def create(self, username: str, password: str) -> dict[str, Any]:
        """Create a ROLE_USER user (spec §3.5)."""
        if not 4 <= len(username) <= 32:
            raise ApiError(1009, "username must be between 4 and 32 characters long")
        # ':' would break Basic credentials; '/' a name /v1/users/{username} cannot address.
        if any(c in ":/" or c.isspace() or not c.isprintable() for c in username):
            raise ApiError(1009, "username may not contain ':', '/', spaces or control characters")
        if username in RESERVED_USERNAMES:
            raise ApiError(
                1009, f"username {username!r} is reserved: /v1/users/{username} is a node"
            )
        check_policy(password)
        if username in self._users:
            raise ApiError(1014, "Unable to create user. Already exist?")
        row = await self._new_row(username, password, ROLE_USER)
        try:
            async with self.sessions.begin() as session:
                if await repo.by_name(session, username) is not None:
                    raise ApiError(1014, "Unable to create user. Already exist?")
                session.add(row)
        except IntegrityError:
            # Concurrent creates of one name both passed the checks; the unique key decided.
            raise ApiError(1014, "Unable to create user. Already exist?") from None
        self._users[username] = _from_row(row)
        return {"username": username}

    def get(self, principal: Principal, username: str) -> dict[str, Any]:
        """Read a user: the admin reads anyone, a user reads itself (spec §3.6)."""
        self._admin_or_self(principal, username)
        user = self._existing(username)
        return {"ROLES": user.role, "username": user.username}

    async def update(self, principal: Principal, username: str, password: str) -> dict[str, Any]:
        """Change a password; existing tokens stay valid (spec §3.7)."""
        self._admin_or_self(principal, username)
        self._existing(username)
        await self._set_password(username, password)
        return {"username": username}

    async def delete(self, username: str) -> dict[str, Any]:
        """Delete a user, which ends all of its tokens (spec §3.8)."""
        if username == ADMIN:
            raise forbidden("The admin user cannot be deleted")
        self._existing(username)
        async with self.sessions.begin() as session:
            await repo.delete(session, username)
        if self._users.pop(username, None) is None:
            # A concurrent delete of the same user finished first.
            raise ApiError(1006, f"User '{username}' not found")
        return {"username": username}

    # -- helpers -------------------------------------------------------------------------

    def _existing(self, username: str) -> User:
        user = self._users.get(username)
        if user is None:
            raise ApiError(1006, f"User '{username}' not found")
        return user

    def _admin_or_self(self, principal: Principal, username: str) -> None:
        if not principal.is_admin and principal.user != username:
            raise forbidden("Only the admin user or the user itself may do this")

    async def _set_password(self, username: str, password: str) -> None:
        check_policy(password)
        hashed = await self.hasher.hash(password)
        async with self.sessions.begin() as session:
            row = await repo.by_name(session, username)
            if row is None:
                raise ApiError(1006, f"User '{username}' not found")
            row.password_hash = hashed
            row.must_change_password = False
            row.updated_at = self.clock.now()
        current = self._users.get(username)
        if current is not None:  # a concurrent delete may have removed it meanwhile
            self._users[username] = replace(
                current, password_hash=hashed, must_change_password=False
            )
