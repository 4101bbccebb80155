"""The profile "About" text (spec §9.4), the business profile (§9.6) and the India
business compliance information, all kept in the ``config`` store.

Limits follow the official pages (developers.facebook.com/docs/whatsapp/api/settings/...
and .../on-premises/reference/settings/business-compliance-info); where they are silent,
docs/settings.md records the emulator's choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.coreapp.services import rules
from waemu.errors import ApiError
from waemu.storage.repos import config

ABOUT_KEY = "settings.profile.about"
BUSINESS_KEY = "settings.business.profile"
COMPLIANCE_KEY = "settings.business.compliance_info"

# What a freshly registered real client answers (localwab's capture of v2.33.4).
DEFAULT_ABOUT = "Hey there! I am using WhatsApp."
MAX_ABOUT = 139

# The accepted verticals of the business profile page; the Postman collection spells the
# second one "Beauty, Spa, and Salon", so both spellings are accepted.
VERTICALS = (
    "Automotive",
    "Beauty, Spa and Salon",
    "Beauty, Spa, and Salon",
    "Clothing and Apparel",
    "Education",
    "Entertainment",
    "Event Planning and Service",
    "Finance and Banking",
    "Food and Grocery",
    "Public Service",
    "Hotel and Lodging",
    "Medical and Health",
    "Non-profit",
    "Professional Services",
    "Shopping and Retail",
    "Travel and Transportation",
    "Restaurant",
    "Other",
)
EMPTY_BUSINESS: dict[str, Any] = {
    "address": "",
    "description": "",
    "email": "",
    "vertical": "",
    "websites": [],
}

# The Postman collection's list for compliance_info.entity_type.
ENTITY_TYPES = (
    "Limited liability partnership",
    "Sole proprietorship",
    "Partnership",
    "Public Company",
    "Private Company",
    "Other",
)
PHONE = re.compile(r"\+[0-9][0-9 ()\-]*")
MAX_ENTITY_TEXT = 256


def _websites(value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        raise rules.invalid(path, "must be an array")
    if len(value) > 2:
        raise rules.invalid(path, "at most 2 websites are allowed")
    return [rules.http_url(url, f"{path}.{i}", max_length=256) for i, url in enumerate(value)]


BUSINESS_RULES: dict[str, Any] = {
    "address": lambda v, p: rules.text(v, p, max_length=256),
    "description": lambda v, p: rules.text(v, p, max_length=512),
    "email": lambda v, p: rules.email(v, p, max_length=128),
    "vertical": lambda v, p: "" if v == "" else rules.choice(v, p, VERTICALS),
    "websites": _websites,
}


def _phone(value: Any, path: str) -> str:
    number = rules.text(value, path, max_length=32)
    digits = sum(c.isdigit() for c in number)
    if number and (not PHONE.fullmatch(number) or not 6 <= digits <= 15):
        raise rules.invalid(path, "must be a phone number starting with + and the country code")
    return number


def _contact(value: Any, path: str, *, with_name: bool) -> dict[str, str]:
    keys = ("name", "email", "landline_number", "mobile_number")
    schema: dict[str, Any] = {
        "email": lambda v, p: rules.email(v, p, required=True),
        "landline_number": _phone,
        "mobile_number": _phone,
    }
    if with_name:
        schema["name"] = lambda v, p: rules.text(v, p, max_length=MAX_ENTITY_TEXT, min_length=1)
    clean = rules.walk(value, schema, f"{path}.")
    for key in ("name", "email") if with_name else ("email",):
        if key not in clean:
            raise ApiError(1008, f"Missing required parameter: {path}.{key}")
    if not clean.get("landline_number") and not clean.get("mobile_number"):
        raise ApiError(
            1008, f"Missing required parameter: {path}.landline_number or {path}.mobile_number"
        )
    return {key: clean.get(key, "") for key in keys if with_name or key != "name"}


COMPLIANCE_RULES: dict[str, Any] = {
    "entity_name": lambda v, p: rules.text(v, p, max_length=MAX_ENTITY_TEXT, min_length=1),
    "entity_type": lambda v, p: rules.choice(v, p, ENTITY_TYPES),
    "entity_type_custom": lambda v, p: rules.text(v, p, max_length=MAX_ENTITY_TEXT),
    "is_registered": rules.boolean,
    "customer_care_details": lambda v, p: _contact(v, p, with_name=False),
    "grievance_officer_details": lambda v, p: _contact(v, p, with_name=True),
}
EMPTY_COMPLIANCE: dict[str, Any] = {
    "customer_care_details": {"email": "", "landline_number": "", "mobile_number": ""},
    "entity_name": "",
    "entity_type": "",
    "entity_type_custom": "",
    "grievance_officer_details": {
        "email": "",
        "landline_number": "",
        "mobile_number": "",
        "name": "",
    },
    "is_registered": False,
}


def check_compliance(info: Any) -> dict[str, Any]:
    """A complete ``compliance_info`` object, or the first problem with it."""
    clean = rules.walk(info, COMPLIANCE_RULES)
    for key in ("entity_name", "entity_type", "customer_care_details", "grievance_officer_details"):
        if key not in clean:
            raise ApiError(1008, f"Missing required parameter: {key}")
    kind = clean["entity_type"]
    # Meta's rules (Cloud API twin of this node): entity_type_custom is required for
    # "Other", is_registered for "Other" and "Partnership".
    if kind == "Other" and not clean.get("entity_type_custom"):
        raise ApiError(1008, "Missing required parameter: entity_type_custom")
    if kind in ("Other", "Partnership") and "is_registered" not in clean:
        raise ApiError(1008, "Missing required parameter: is_registered")
    return {
        "customer_care_details": dict(sorted(clean["customer_care_details"].items())),
        "entity_name": clean["entity_name"],
        "entity_type": kind,
        "entity_type_custom": clean.get("entity_type_custom", ""),
        "grievance_officer_details": dict(sorted(clean["grievance_officer_details"].items())),
        "is_registered": clean.get("is_registered", False),
    }


class ProfileService:
    """About text, business profile and compliance information."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _get(self, key: str) -> Any:
        async with self.sessions.begin() as session:
            return await config.get(session, key)

    async def _put(self, key: str, value: Any) -> None:
        async with self.sessions.begin() as session:
            await config.put(session, key, value)

    async def about(self) -> str:
        """``GET /v1/settings/profile/about`` (spec §9.4)."""
        stored = await self._get(ABOUT_KEY)
        return stored if isinstance(stored, str) else DEFAULT_ABOUT

    async def set_about(self, text: Any) -> None:
        """``PATCH``: 1 to 139 characters (spec §9.4)."""
        await self._put(ABOUT_KEY, rules.text(text, "text", max_length=MAX_ABOUT, min_length=1))

    async def business_profile(self) -> dict[str, Any]:
        """``GET /v1/settings/business/profile``: empty strings until set (spec §9.6)."""
        stored = await self._get(BUSINESS_KEY)
        current = dict(EMPTY_BUSINESS)
        if isinstance(stored, dict):
            current.update({key: stored[key] for key in EMPTY_BUSINESS if key in stored})
        return current

    async def set_business_profile(self, patch: Mapping[str, Any]) -> None:
        """``POST``: changes only the fields sent (the official page's partial update)."""
        # null leaves a field as it is: the real webapp forwarded an absent field and a null
        # one alike, and wabclient sends null for every field its caller left out.
        clean = rules.walk({k: v for k, v in patch.items() if v is not None}, BUSINESS_RULES)
        current = await self.business_profile()
        if clean.get("vertical") == "" and current["vertical"]:
            # The docs: "The business vertical cannot be set back to an empty value".
            raise rules.invalid("vertical", "cannot be set back to an empty value")
        await self._put(BUSINESS_KEY, current | clean)

    async def compliance_info(self) -> dict[str, Any]:
        """``GET /v1/settings/business/compliance_info``: empty values until set."""
        stored = await self._get(COMPLIANCE_KEY)
        return stored if isinstance(stored, dict) else EMPTY_COMPLIANCE

    async def set_compliance_info(self, info: Mapping[str, Any]) -> None:
        """``POST``: the whole object, replacing what was there."""
        await self._put(COMPLIANCE_KEY, check_compliance(info))
