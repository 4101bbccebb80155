"""Password rules (spec §3.2) and bcrypt hashing, kept off the event loop."""

from __future__ import annotations

import asyncio
import string

import bcrypt

from waemu.errors import ApiError

SPECIALS = set(string.punctuation)  # !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
POLICY = (
    "Password doesn't meet complexity requirements: length between 8 and 64 characters, "
    "at least 1 each of upper-case character, lower-case character, digit, special character "
    "(" + "".join(sorted(SPECIALS)) + ") are required"
)


def check_policy(password: str) -> None:
    """Raise 1009 unless ``password`` meets the On-Premises complexity rules."""
    ok = (
        8 <= len(password) <= 64
        and any(c.isdigit() for c in password)
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c in SPECIALS for c in password)
    )
    if not ok:
        raise ApiError(1009, POLICY)


class Hasher:
    """bcrypt with a configurable cost; every call runs in a worker thread."""

    def __init__(self, rounds: int = 12) -> None:
        self.rounds = rounds
        self._dummy: bytes | None = None

    async def hash(self, password: str) -> str:
        """A new salted hash of ``password``."""
        salt = bcrypt.gensalt(self.rounds)
        hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode(), salt)
        return hashed.decode()

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Whether ``password`` matches; an unknown user costs as much as a known one."""
        if hashed is None:
            if self._dummy is None:
                self._dummy = (await self.hash("timing-equaliser")).encode()
            await asyncio.to_thread(bcrypt.checkpw, password.encode(), self._dummy)
            return False
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), hashed.encode())
