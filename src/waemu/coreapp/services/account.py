"""Registration of the business number, two-step verification and shards (spec §5).

The network checks certificates, sends codes and keeps PINs; the coreapp keeps what the
real client keeps: its client identity, the registration it holds, and the shard count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import ids
from waemu.errors import ApiError
from waemu.protocol.shards import SHARD_COUNTS
from waemu.storage.repos import config

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink

CLIENT_ID = "account.client_id"
REGISTRATION = "account.registration"  # cc, phone_number, wa_id, vname, secret, cert
PENDING = "account.pending"  # the number a code was requested for
SHARDS = "account.shards"
TWO_STEP = "account.two_step"


class AccountService:
    """The registration this coreapp holds."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.link: NetworkLink | None = None  # set once the link exists
        self.client_id = ""
        self.registration: dict[str, Any] | None = None
        self.shards = 1
        self.two_step = False
        self.taken_over = False

    async def load(self) -> None:
        """Read the stored state; create the client identity on first start."""
        async with self.sessions.begin() as session:
            self.client_id = await config.get_or_create(session, CLIENT_ID, ids.client_id)
            self.registration = await config.get(session, REGISTRATION)
            self.shards = int(await config.get(session, SHARDS) or 1)
            self.two_step = bool(await config.get(session, TWO_STEP))

    async def credentials(self) -> dict[str, str] | None:
        """What the link logs in with, or None while unregistered."""
        if self.registration is None:
            return None
        return {"wa_id": self.registration["wa_id"], "secret": self.registration["secret"]}

    @property
    def wa_id(self) -> str | None:
        """The registered number, if any."""
        return None if self.registration is None else str(self.registration["wa_id"])

    def _link(self) -> NetworkLink:
        assert self.link is not None
        return self.link

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> dict[str, Any]:
        """``POST /v1/account``: ``{"registered": True}`` (201) or the vname of a sent
        code (202)."""
        answer = await self._link().call(
            "account.request_code",
            {"cc": cc, "phone_number": phone_number, "method": method, "cert": cert, "pin": pin},
        )
        if answer["registered"] and self.wa_id == answer["wa_id"]:
            return {"registered": True}
        pending = {
            "cc": cc,
            "phone_number": phone_number,
            "wa_id": answer["wa_id"],
            "vname": answer["vname"],
            "cert": cert,
        }
        await self._put(PENDING, pending)
        return {"registered": False, "vname": answer["vname"]}

    async def verify(self, code: str) -> None:
        """``POST /v1/account/verify``: hold the number and log in with it."""
        async with self.sessions.begin() as session:
            pending = await config.get(session, PENDING)
        if not isinstance(pending, dict):
            raise ApiError(1005, "Error checking code (missing): request a code first")
        answer = await self._link().call(
            "account.verify",
            {"cc": pending["cc"], "phone_number": pending["phone_number"], "code": code},
        )
        registration = {**pending, "vname": answer["vname"], "secret": answer["secret"]}
        async with self.sessions.begin() as session:
            await config.put(session, REGISTRATION, registration)
            await config.delete(session, PENDING)
            if self.wa_id != registration["wa_id"]:
                await config.put(session, TWO_STEP, False)
                self.two_step = False
        self.registration = registration
        self.taken_over = False
        await self._link().login()

    def require_registration(self) -> dict[str, Any]:
        """The registration, or 1011 on an unregistered client (spec §12)."""
        if self.registration is None:
            if self.taken_over:
                raise ApiError(1011, "This client is no longer registered for the number")
            raise ApiError(1011, "No phone number is registered on this client")
        return self.registration

    async def forget(self) -> None:
        """Drop the registration after the network refused the login: another client took
        the number, and this one must register again."""
        async with self.sessions.begin() as session:
            await config.delete(session, REGISTRATION)
        self.registration = None
        self.taken_over = True

    async def set_two_step(self, pin: str | None) -> None:
        """Enable (``pin``) or disable (None) two-step verification (spec §5.4)."""
        self.require_registration()
        await self._link().call("account.set_pin", {"pin": pin})
        await self._put(TWO_STEP, pin is not None)
        self.two_step = pin is not None

    async def set_shards(
        self, cc: str, phone_number: str, shards: int, pin: str | None, cert: str | None
    ) -> None:
        """``POST /v1/account/shards`` (spec §5.3)."""
        registration = self.require_registration()
        if (cc, phone_number) != (registration["cc"], registration["phone_number"]):
            raise ApiError(1009, "cc and phone_number must be the registered number")
        if shards not in SHARD_COUNTS:
            raise ApiError(1009, "shards must be one of 1, 2, 4, 8, 16, 32")
        if cert is None:
            raise ApiError(1008, "Missing required parameter: cert")  # required since v2.45
        await self._link().call(
            "account.check", {"cc": cc, "phone_number": phone_number, "cert": cert, "pin": pin}
        )
        await self._put(SHARDS, shards)
        self.shards = shards

    async def _put(self, key: str, value: Any) -> None:
        async with self.sessions.begin() as session:
            await config.put(session, key, value)
