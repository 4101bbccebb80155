"""JSON schemas of request bodies whose rules live in the coreapp, for the OpenAPI document.

The webapp's models (the other ``schemas`` modules) check a body's shape; for settings,
profiles, sticker packs and backups the coreapp then checks the values (its ``rules``).
These schemas state both, so that a body they accept is one the server accepts, as far as a
JSON schema can say it; the operation's description names what it cannot (state, image
contents, certificates). ``POST /v1/messages`` is composed here from the message models.
"""

from __future__ import annotations

from collections.abc import Mapping

from waemu.webapp.schemas import templates
from waemu.webapp.schemas.responses import BOOLEAN, STRING, Schema, array, obj

# The coreapp's limits and choices (its services cannot be imported here: the webapp holds
# no domain code); tests/webapp/test_openapi.py checks that they are the same.
INT32_MAX = 2**31 - 1  # INT32_MAX
MAX_URL_LENGTH = 2048  # MAX_URL_LENGTH
LOG_LEVELS = ("debug", "info", "warning", "error")  # LOG_LEVELS
AUTO_DOWNLOAD_TYPES = ("image", "video", "voice", "sticker", "audio", "document")
MAX_CONCURRENT_REQUESTS = (6, 12, 18, 24)  # MAX_CONCURRENT_REQUESTS
MAX_CREDENTIAL_LENGTH = 1024  # media_providers.MAX_CREDENTIAL_LENGTH
MAX_BEARER_LENGTH = 8192  # media_providers.MAX_BEARER_LENGTH
MAX_ABOUT = 139  # MAX_ABOUT
MAX_ENTITY_TEXT = 256  # MAX_ENTITY_TEXT
VERTICALS = (  # VERTICALS
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
ENTITY_TYPES = (  # ENTITY_TYPES
    "Limited liability partnership",
    "Sole proprietorship",
    "Partnership",
    "Public Company",
    "Private Company",
    "Other",
)
MAX_PACK_TEXT = 128  # MAX_PACK_TEXT
MAX_STORE_LINK = 512  # MAX_STORE_LINK
APP_STORE_HOSTS = ("itunes.apple.com", "apps.apple.com")  # APP_STORE_HOSTS
PLAY_STORE_HOSTS = ("play.google.com",)  # PLAY_STORE_HOSTS
MAX_EMOJIS = 3  # MAX_EMOJIS
MAX_BACKUP_PASSWORD = 1024  # backup.MAX_PASSWORD

# Patterns are ECMA-262 regular expressions (JSON Schema 2020-12), searched, hence anchored.
HTTP_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9][A-Za-z0-9.-]*(?:[/?#][^\s]*)?$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# rules.positive_int, rules.milliseconds and rules.digits: 1 to 2^31-1, or its digits.
POSITIVE_INT: Schema = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
DIGITS: Schema = {"type": "string", "pattern": r"^0*[1-9][0-9]{0,8}$"}


def text(max_length: int, min_length: int = 0) -> Schema:
    """rules.text: a string of ``min_length`` to ``max_length`` characters."""
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null, where null counts as absent."""
    return {"anyOf": [schema, {"type": "null"}]}


def url(max_length: int) -> Schema:
    """rules.http_url: an absolute http(s) URL with a host, without spaces."""
    return {"type": "string", "maxLength": max_length, "pattern": HTTP_URL}


# Media types an upload may have (spec §8.4): the listed audio, image and video types, and
# any other type as a document.
UPLOAD_TYPES = (
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "audio/mpeg",
    "audio/ogg; codecs=opus",
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/3gpp",
    "application/pdf",
    "text/plain",
)

# -- /v1/users (spec §3.2, §3.5; coreapp/services/users.py) ---------------------------

# The complexity rules (a digit, an upper and a lower case letter, a special character) are
# in the operation's description: a JSON schema cannot require them.
PASSWORD_TEXT: Schema = {"type": "string", "minLength": 8, "maxLength": 64}
NEW_USER = obj(
    {
        "username": {
            "type": "string",
            "pattern": r"^[^:/\s\u0000-\u001f\u007f-\u009f]{4,32}$",
            "not": {"enum": ["login", "logout"]},
        },
        "password": PASSWORD_TEXT,
    }
)
PASSWORD = obj({"password": PASSWORD_TEXT})

# -- POST /v1/contacts (spec §6.1) -------------------------------------------------------


def contacts(max_per_call: int) -> Schema:
    """At most ``max_per_call`` numbers (``WA_CONTACTS_MAX_PER_CALL``)."""
    return obj(
        {
            "contacts": array(STRING, minItems=1, maxItems=max_per_call),
            "blocking": {"enum": ["wait", "no_wait"], "default": "no_wait"},
            "force_check": {"type": "boolean", "default": False},
        },
        ["contacts"],
    )


# -- PATCH /v1/settings/application (spec §9.1; coreapp/services/settings.py) -----------


def application_settings(require_https: bool) -> Schema:
    """Any subset of the settings; ``wa_id`` only with the registered number (read-only)."""
    hook_url = {"type": "string", "maxLength": MAX_URL_LENGTH, "pattern": HTTP_URL}
    if require_https:
        hook_url["pattern"] = HTTP_URL.replace("[Ss]?", "[Ss]")
    rate_limit = array({"anyOf": [POSITIVE_INT, DIGITS]}, minItems=1, maxItems=3)
    return obj(
        {
            "axolotl_context_striping_disabled": BOOLEAN,
            "callback_backoff_delay_ms": {"anyOf": [POSITIVE_INT, DIGITS]},
            "callback_persist": BOOLEAN,
            "contacts_api_rate_limit": rate_limit,
            "contacts_scrape_rate_limit": {"anyOf": [POSITIVE_INT, DIGITS]},
            "db_garbagecollector_enable": BOOLEAN,
            "garbagecollector_enable": obj({"media": BOOLEAN, "messages": BOOLEAN}, []),
            "heartbeat_interval": POSITIVE_INT,
            "log_level": {"enum": list(LOG_LEVELS)},
            "max_callback_backoff_delay_ms": {"anyOf": [POSITIVE_INT, DIGITS]},
            "media": obj({"auto_download": array({"enum": list(AUTO_DOWNLOAD_TYPES)})}, []),
            "messaging_api_rate_limit": rate_limit,
            "notify_user_change_number": BOOLEAN,
            "on_call_pager": {
                "anyOf": [text(128), {"type": "integer", "minimum": 0}, {"type": "null"}]
            },
            "pass_through": {"const": False, "description": "Can no longer be enabled."},
            "sent_status": BOOLEAN,
            "show_security_notifications": BOOLEAN,
            "skip_referral_media_download": BOOLEAN,
            "tcp_listen_address": {
                "anyOf": [
                    {"const": "any"},
                    {"type": "string", "format": "ipv4"},
                    {"type": "string", "format": "ipv6"},
                ]
            },
            "unhealthy_interval": POSITIVE_INT,
            "verbose_logging": BOOLEAN,
            # Read-only: accepted only as the registered number (what GET shows).
            "wa_id": {"type": "string", "readOnly": True},
            "webhook_payload_conversation_pricingmodel_disabled": BOOLEAN,
            "webhooks": obj(
                {
                    "url": {"anyOf": [{"const": ""}, hook_url]},
                    "max_concurrent_requests": {"enum": list(MAX_CONCURRENT_REQUESTS)},
                    "message": obj({"sent": BOOLEAN, "delivered": BOOLEAN, "read": BOOLEAN}, []),
                },
                [],
            ),
        },
        [],
    ) | {
        "allOf": [
            _agree("sent_status", "webhooks", "message", "sent"),
            _agree("db_garbagecollector_enable", "garbagecollector_enable", "messages"),
        ]
    }


def _agree(legacy: str, *path: str) -> Schema:
    """A legacy key and its successor (both sent) must have the same value."""
    checks = []
    for value in (True, False):
        nested: Schema = {"const": value}
        for key in reversed(path):
            nested = {"properties": {key: nested}}
        checks.append(
            {"if": {"required": [legacy], "properties": {legacy: {"const": value}}}, "then": nested}
        )
    return {"allOf": checks}


# -- /v1/settings/application/media/providers (spec §9.3) -------------------------------

_CREDENTIAL = text(MAX_CREDENTIAL_LENGTH, 1)
MEDIA_PROVIDERS = array(
    obj(
        {
            "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,200}$"},
            "type": {"enum": ["www"]},
            "config": {
                "oneOf": [
                    obj({"basic": obj({"username": _CREDENTIAL, "password": _CREDENTIAL})}),
                    obj({"bearer": text(MAX_BEARER_LENGTH, 1)}),
                ]
            },
        }
    ),
    minItems=1,
    maxItems=1,
    description="Exactly one provider per request; an existing name is overwritten.",
)

# -- /v1/settings/profile/about, /v1/settings/business/... (spec §9.4, §9.6) ------------

ABOUT = obj({"text": text(MAX_ABOUT, 1)})
_EMAIL: Schema = {"type": "string", "maxLength": 128, "pattern": EMAIL}
BUSINESS_PROFILE = obj(
    {
        "address": nullable(text(256)),
        "description": nullable(text(512)),
        "email": nullable({"anyOf": [{"const": ""}, _EMAIL]}),
        "vertical": nullable({"enum": ["", *VERTICALS]}),
        "websites": nullable(array(url(256), maxItems=2)),
    },
    [],
)
# A phone number: "+", the country code, 6 to 15 digits in all.
_PHONE: Schema = {
    "type": "string",
    "maxLength": 32,
    "pattern": r"^\+[0-9](?:[ ()-]{0,2}[0-9]){5,14}[ )]?$",
}
_PHONE_OR_EMPTY: Schema = {"anyOf": [{"const": ""}, _PHONE]}
_NAMED = text(MAX_ENTITY_TEXT, 1)


def _contact(named: bool) -> Schema:
    """A contact: an email and a landline or a mobile number (the other may be empty).

    One alternative per number that is given, each complete, so that a generator need not
    discard what does not fit.
    """
    alternatives = []
    for given, other in (
        ("landline_number", "mobile_number"),
        ("mobile_number", "landline_number"),
    ):
        properties: dict[str, Schema] = {"email": _EMAIL, given: _PHONE, other: _PHONE_OR_EMPTY}
        if named:
            properties = {"name": _NAMED, **properties}
        alternatives.append(
            obj(properties, ["name", "email", given] if named else ["email", given])
        )
    return {"anyOf": alternatives}


def _compliance(kinds: list[str], required: list[str], custom: Schema) -> Schema:
    return obj(
        {
            "entity_name": _NAMED,
            "entity_type": {"enum": kinds},
            "entity_type_custom": custom,
            "is_registered": BOOLEAN,
            "customer_care_details": _contact(named=False),
            "grievance_officer_details": _contact(named=True),
        },
        [
            "entity_name",
            "entity_type",
            "customer_care_details",
            "grievance_officer_details",
            *required,
        ],
    )


# Meta's rules: "Other" needs entity_type_custom and is_registered, "Partnership"
# is_registered; one alternative per case.
COMPLIANCE_INFO: Schema = {
    "anyOf": [
        _compliance(
            [kind for kind in ENTITY_TYPES if kind not in ("Other", "Partnership")],
            [],
            text(MAX_ENTITY_TEXT),
        ),
        _compliance(["Partnership"], ["is_registered"], text(MAX_ENTITY_TEXT)),
        _compliance(["Other"], ["entity_type_custom", "is_registered"], text(MAX_ENTITY_TEXT, 1)),
    ]
}

# -- /v1/stickerpacks (spec §10.7; coreapp/services/stickerpacks.py) --------------------


def _store(hosts: tuple[str, ...]) -> Schema:
    names = "|".join(host.replace(".", r"\.") for host in hosts)
    pattern = rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:{names})(?:[/?#][^\s]*)?$"
    return {"type": "string", "maxLength": MAX_STORE_LINK, "pattern": pattern}


_PACK_FIELDS = {
    "publisher": text(MAX_PACK_TEXT, 1),
    "name": text(MAX_PACK_TEXT, 1),
    "ios_app_store_link": _store(APP_STORE_HOSTS),
    "android_app_store_link": _store(PLAY_STORE_HOSTS),
}
NEW_PACK = obj(_PACK_FIELDS, ["publisher", "name"])
PACK_CHANGES = obj(_PACK_FIELDS, [])
_STICKER_FIELDS = {
    "image_data_id": {**text(64, 1), "description": "The media id of an uploaded image/webp."},
    "emojis": array(
        {"type": "string", "minLength": 1, "maxLength": 16, "pattern": r"[^\u0000-\u007f]"},
        maxItems=MAX_EMOJIS,
    ),
}
NEW_STICKER = obj(_STICKER_FIELDS, ["image_data_id"])
STICKER_CHANGES = obj(_STICKER_FIELDS, [])

# -- /v1/settings/backup and /restore (spec §9.7) ----------------------------------------

_BACKUP_PASSWORD = text(MAX_BACKUP_PASSWORD, 1)
BACKUP = obj({"password": _BACKUP_PASSWORD})
RESTORE = obj({"password": _BACKUP_PASSWORD, "data": text(2**31, 1)})

# -- POST /v1/messages (spec §7.1; webapp/schemas/messages.py) --------------------------


def postman_shapes(components: dict[str, Schema]) -> None:
    """Add to the template components the two shapes of Meta's Postman collection that the
    models accept and normalise (webapp/schemas/templates.py): ``parameters`` given as one
    object, and a media parameter with its fields inline (``{"type": "image", "link"}``)."""
    parameters = components["Component"]["properties"]["parameters"]
    parameters["anyOf"].insert(1, {"$ref": "#/components/schemas/Parameter"})
    nested = components["Parameter"]
    inline = [
        {
            "type": "object",
            "properties": {
                "type": {"const": kind},
                **components[f"{kind.title()}Media"]["properties"],
            },
            "required": ["type"],
            "minProperties": 2,
            "additionalProperties": False,
        }
        for kind in templates.MEDIA_TYPES
    ]
    components["Parameter"] = {"anyOf": [nested, *inline]}


def message(refs: Mapping[str, Schema]) -> Schema:
    """One variant per type: ``to``, the object named after ``type``, the common fields.

    ``refs`` maps each message type, and ``context``, to the schema of its object.
    """
    variants = []
    for kind, content in refs.items():
        if kind == "context":
            continue
        properties: dict[str, Schema] = {
            "to": {"type": "string", "pattern": r"\S", "description": "A wa_id or phone number."},
            "recipient_type": {"enum": ["individual", None]},
            "type": {"enum": ["text", None]} if kind == "text" else {"const": kind},
            kind: content,
            "ttl": {"anyOf": [STRING, {"type": "integer"}, {"type": "null"}]},
            "context": nullable(refs["context"]),
        }
        if kind == "text":
            properties["preview_url"] = nullable(BOOLEAN)
        required = ["to", kind] if kind == "text" else ["to", "type", kind]
        variants.append({"title": kind, **obj(properties, required)})
    return {"oneOf": variants}
