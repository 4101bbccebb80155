"""Exception classes: every failure anywhere becomes an ApiError carrying a catalogue code."""

from __future__ import annotations

from typing import Any

from waemu.errors.catalogue import lookup

ERRORS_HREF = "https://developers.facebook.com/docs/whatsapp/api/errors/"


def receipt_error(code: int, details: str | None = None) -> dict[str, Any]:
    """An error as ``failed`` receipts and their webhooks carry it (spec §11.3)."""
    error: dict[str, Any] = {"code": code, "title": lookup(code).title}
    if details is not None:
        error["details"] = details
    error["href"] = ERRORS_HREF
    return error


class ApiError(Exception):
    """An error of the catalogue, rendered by the webapp as the On-Premises envelope.

    ``http_status`` overrides the catalogue's status where the same code is used with another
    status (1005 is 401 for bad credentials and 403 for a non-admin token, spec §2.4).
    ``remote`` marks an error answered by the other side of the internal socket: in the
    webapp, the coreapp's, which checks the caller's token before anything else
    (coreapp/dispatch.py), so the webapp need not have the token checked again.
    """

    def __init__(self, code: int, details: str | None = None, http_status: int | None = None):
        spec = lookup(code)
        self.code = spec.code
        self.title = spec.title
        self.details = details if details is not None else spec.details
        self.http_status = http_status or spec.http_status or 500
        self.remote = False
        super().__init__(f"{self.code} {self.title}: {self.details}")

    def to_wire(self) -> dict[str, Any]:
        """The form an error takes on the internal socket."""
        return {"code": self.code, "details": self.details, "status": self.http_status}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ApiError:
        """Rebuild an error sent by the coreapp."""
        error = cls(int(data["code"]), data.get("details"), data.get("status"))
        error.remote = True
        return error

    def body(self) -> dict[str, Any]:
        """The error object of the envelope's ``errors`` list."""
        return {"code": self.code, "title": self.title, "details": self.details}


def unauthorized(details: str) -> ApiError:
    """401 for missing, malformed, expired or revoked credentials (spec §2.2)."""
    return ApiError(1005, details, 401)


def forbidden(details: str = "This operation requires an admin user") -> ApiError:
    """403 for a valid token without the role the node needs (spec §4)."""
    return ApiError(1005, details, 403)


def not_ready(details: str = "Coreapp not ready") -> ApiError:
    """503 while the coreapp is starting (spec §12)."""
    return ApiError(1011, details)
