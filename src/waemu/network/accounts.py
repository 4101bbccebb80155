"""Business accounts: registration codes, two-step PINs and which coreapp holds a number
(spec §5). The network is the authority a coreapp registers with and logs in to."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

from waemu.errors import ApiError

CODE_LIFETIME_SECONDS = 600
MAX_CODE_ATTEMPTS = 5
REG_BLOCKED = "Unknown error: biz_link_on_prem_reg_blocked"


@dataclass
class Account:
    """One business phone number on the network."""

    wa_id: str
    cc: str
    phone_number: str
    vname: str
    client_id: str | None = None  # the coreapp that holds the number
    secret: str | None = None  # what that coreapp logs in with
    pin: str | None = None  # two-step verification
    code: str | None = None  # registration code waiting to be verified
    code_method: str | None = None
    code_issued_at: float = 0.0
    code_attempts: int = 0
    code_client_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Account:
        """Rebuild from the stored form."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @property
    def registered(self) -> bool:
        """Whether a coreapp holds this number."""
        return self.secret is not None


class Accounts:
    """Registration and login of business numbers."""

    def __init__(self, accounts: list[Account] | None = None) -> None:
        self._by_id: dict[str, Account] = {a.wa_id: a for a in accounts or []}
        self.registration_blocked = False

    def all(self) -> list[Account]:
        """Every account."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def get(self, wa_id: str) -> Account | None:
        """The account of ``wa_id``."""
        return self._by_id.get(wa_id)

    def request_code(
        self,
        *,
        wa_id: str,
        cc: str,
        phone_number: str,
        vname: str,
        method: str,
        pin: str | None,
        client_id: str,
        now: float,
    ) -> tuple[bool, Account]:
        """Start (or skip) registration; returns ``(already_registered, account)``."""
        if self.registration_blocked:
            # What the real servers answer since the sunset (spec §5.1).
            raise ApiError(1005, REG_BLOCKED, 403)
        account = self._by_id.get(wa_id)
        if account is None:
            account = Account(wa_id=wa_id, cc=cc, phone_number=phone_number, vname=vname)
            self._by_id[wa_id] = account
        if account.pin is not None and pin != account.pin:
            detail = "PIN required" if pin is None else "PIN incorrect"
            raise ApiError(1005, f"Two-step verification is enabled for this number: {detail}")
        account.vname = vname
        if account.registered and account.client_id == client_id:
            return True, account
        account.code = f"{secrets.randbelow(1_000_000):06d}"
        account.code_method = method
        account.code_issued_at = now
        account.code_attempts = 0
        account.code_client_id = client_id
        return False, account

    def verify(self, *, wa_id: str, code: str, client_id: str, now: float) -> Account:
        """Check a registration code; on success ``client_id`` holds the number."""
        account = self._by_id.get(wa_id)
        if account is None or account.code is None or account.code_client_id != client_id:
            raise ApiError(1005, "Error checking code (missing): request a code first")
        if now - account.code_issued_at > CODE_LIFETIME_SECONDS:
            account.code = None
            raise ApiError(1005, "Error checking code (expired): request a new code")
        if code.replace("-", "") != account.code:
            account.code_attempts += 1
            if account.code_attempts >= MAX_CODE_ATTEMPTS:
                account.code = None
                raise ApiError(1005, "Error checking code (too many attempts): request a new code")
            raise ApiError(1005, "Error checking code (incorrect)")
        account.code = None
        for held in self._by_id.values():
            if held is not account and held.client_id == client_id:
                # A client holds one number: taking another gives this one up, so coming
                # back to it takes a new code (spec §5.1).
                held.client_id = held.secret = None
        account.client_id = client_id
        account.secret = secrets.token_urlsafe(24)
        return account

    def login(self, *, wa_id: str, secret: str, client_id: str) -> Account:
        """Accept a coreapp that holds ``wa_id``; refuse one whose registration was taken."""
        account = self._by_id.get(wa_id)
        if account is None or account.secret != secret or account.client_id != client_id:
            raise ApiError(1005, "This client is no longer registered for the number")
        return account

    def to_json(self) -> list[dict[str, Any]]:
        """The stored form."""
        return [a.to_json() for a in self.all()]
