"""The OpenAPI description of the webapp: one entry per operation, keyed by method and path.

Routes read their bodies by hand (webapp/body.py) and answer with the On-Premises envelope
(webapp/envelope.py), so FastAPI cannot infer either. Each entry here states what the
operation really takes and answers: its body, the query parameters it reads, its success
statuses with their payloads, and the error statuses it can produce beyond those every
operation shares, which webapp/openapi_build.py adds (``errors_of``) when it turns the
table into the document served at ``/openapi.json``.

tests/webapp/test_openapi.py fails when a route has no entry or an entry no route, and the
fuzz run (tests/e2e/test_fuzz.py) checks the document against the running server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from waemu.settings import Settings
from waemu.webapp.schemas import requests, responses
from waemu.webapp.schemas.account import RequestCodeBody, ShardsBody, TwoStepBody, VerifyBody
from waemu.webapp.schemas.contacts import AcknowledgeIdentityBody
from waemu.webapp.schemas.messages_read import MarkReadBody
from waemu.webapp.schemas.responses import Schema
from waemu.webapp.schemas.users import LoginBody

# Who may call an operation (spec §2.2, §4).
USER = "user"  # any bearer token
ADMIN = "admin"  # an admin's bearer token
BASIC = "basic"  # HTTP Basic: login only
MONITOR = "monitor"  # a bearer token or "Authorization: Apikey <WA_API_KEY>"

# A body is a JSON schema, a pydantic model, a schema that depends on the settings, or
# MESSAGE (composed from the message models by the builder).
Source = Schema | type[BaseModel] | Callable[[Settings], Schema] | str
MESSAGE = "message"


@dataclass(frozen=True, slots=True)
class Answer:
    """A success: its media types (none for an empty body) and what it means."""

    content: Mapping[str, Schema]
    description: str


@dataclass(frozen=True, slots=True)
class Body:
    """A request body, by media type."""

    content: Mapping[str, Source]
    required: bool = True
    example: Any = None
    nullable: bool = False  # a JSON null is taken as no body


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the table."""

    ok: Mapping[int, Answer]
    access: str = USER
    body: Body | None = None
    query: Mapping[str, Schema] = field(default_factory=dict)
    path: Mapping[str, Schema] = field(default_factory=dict)
    errors: Mapping[int, str] = field(default_factory=dict)  # beyond the shared ones
    bare: tuple[int, ...] = ()  # error statuses answered without a body
    headers: Mapping[str, Schema] = field(default_factory=dict)  # request headers read
    notes: str = ""
    # What a client can do next with the answer: operationId -> {parameter: expression}.
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def linked(parameter: str, expression: str, *operations: str) -> dict[str, dict[str, str]]:
    """Links to ``operations``, each taking ``parameter`` from ``expression``."""
    return {name: {parameter: expression} for name in operations}


def json(schema: Schema, description: str = "Done.") -> Answer:
    """A JSON envelope answer."""
    return Answer({"application/json": schema}, description)


def body(source: Source, *, required: bool = True, example: Any = None) -> Body:
    """A JSON request body."""
    return Body({"application/json": source}, required, example)


def optional_body(source: Source) -> Body:
    """A JSON request body that may be left out, or sent as null."""
    return Body({"application/json": source}, required=False, nullable=True)


BINARY: Schema = {"type": "string", "format": "binary"}
PEM: Schema = {"type": "string", "minLength": 1, "description": "PEM text."}
PEM_BODY = Body({"text/plain": PEM})
OK = {200: json(responses.EMPTY)}
CREATED = {201: json(responses.EMPTY, "Created.")}

# Query parameters the routes read.
FORMAT = {"format": {"enum": ["json", "prometheus", ""], "description": "Default json."}}
NAMESPACE = {
    "namespace": {"enum": ["whatsapp", "third_party", ""], "description": "whatsapp: first-party"}
}
STATS_ANSWER = {"text/plain": {"type": "string", "description": "Prometheus text format."}}

# Path parameters with rules of their own.
USERNAME = {"username": {"type": "string", "minLength": 1, "not": {"enum": ["login", "logout"]}}}
WA_ID = {"wa_id": {"type": "string", "pattern": r"^[0-9]{1,20}$"}}
INDEX = {"index": {"type": "integer", "minimum": 0, "maximum": 999_999_999}}

USER_OPERATIONS = ("get_user", "update_user", "delete_user")
PACK_OPERATIONS = (
    "get_stickerpack",
    "update_stickerpack",
    "delete_stickerpack",
    "get_stickers",
    "create_sticker",
)
STICKER_OPERATIONS = ("get_sticker", "update_sticker", "delete_sticker")

# What some error statuses mean on some operations.
NOT_FOUND = {404: "Not found (1006)."}
FIRST_PARTY = "First-party packs (namespace whatsapp) cannot be changed (1005)."
PACK_WRITE_ERRORS = {**NOT_FOUND, 403: FIRST_PARTY}
# /v1/users/login and /v1/users/logout are nodes of their own (webapp/routing.py).
NOT_SELF = "Neither the admin nor the user itself (1005)."
USER_ERRORS = {**NOT_FOUND, 405: "login and logout are not users: their nodes' 405 (1025)."}


def _stats(schema: Schema) -> dict[int, Answer]:
    return {200: Answer({"application/json": schema, **STATS_ANSWER}, "The stats.")}


OPERATIONS: dict[tuple[str, str], Operation] = {
    # -- users (spec §3) -----------------------------------------------------------------
    ("POST", "/v1/users/login"): Operation(
        {200: json(responses.LOGIN, "A token valid for 7 days.")},
        access=BASIC,
        body=optional_body(LoginBody),
        errors={429: "Too many failed logins of this user from this address (1015)."},
        notes="The first admin login must set new_password (401/1024 without it). "
        "Passwords need 8 to 64 characters with a digit, an upper and a lower case letter "
        "and a special character (spec §3.2): others are 400/1009.",
    ),
    ("POST", "/v1/users/logout"): Operation(OK),
    ("POST", "/v1/users"): Operation(
        {201: json(responses.USER_NAME, "Created.")},
        access=ADMIN,
        body=body(requests.NEW_USER),
        errors={500: "A user of that name exists: 1014, as the real API answers (spec §3.5)."},
        notes="Password rules as for login (spec §3.2).",
        links=linked("username", "$response.body#/users/0/username", *USER_OPERATIONS),
    ),
    ("GET", "/v1/users/{username}"): Operation(
        {200: json(responses.USER)}, path=USERNAME, errors={**USER_ERRORS, 403: NOT_SELF}
    ),
    ("PUT", "/v1/users/{username}"): Operation(
        {200: json(responses.USER_NAME)},
        body=body(requests.PASSWORD),
        path=USERNAME,
        errors={**USER_ERRORS, 403: NOT_SELF},
        notes="Password rules as for login (spec §3.2).",
    ),
    ("DELETE", "/v1/users/{username}"): Operation(
        {200: json(responses.USER_NAME)},
        access=ADMIN,
        path=USERNAME,
        errors={**USER_ERRORS, 403: "The admin cannot be deleted (1005)."},
    ),
    # -- account (spec §5) ---------------------------------------------------------------
    ("POST", "/v1/account"): Operation(
        {
            201: json(responses.EMPTY, "This client already holds the number."),
            202: json(responses.ACCOUNT_CODE_SENT, "A code was sent."),
        },
        access=ADMIN,
        body=body(RequestCodeBody),
        errors={403: "Registration blocked, or the two-step PIN is missing or wrong (1005)."},
        notes="cert must be a verified-name certificate of the number (400/1009 otherwise).",
    ),
    ("POST", "/v1/account/verify"): Operation(
        CREATED,
        access=ADMIN,
        body=body(VerifyBody),
        errors={403: "The code is wrong, or none was requested (1005)."},
    ),
    ("GET", "/v1/account/shards"): Operation({200: json(responses.SHARDS)}, access=ADMIN),
    ("POST", "/v1/account/shards"): Operation(
        CREATED,
        access=ADMIN,
        body=body(ShardsBody),
        errors={403: "The two-step PIN is missing or wrong (1005)."},
        notes="cc and phone_number must be the registered number, cert its certificate, "
        "shards one of 1, 2, 4, 8, 16, 32 (400/1009 otherwise).",
    ),
    ("POST", "/v1/settings/account/two-step"): Operation(OK, access=ADMIN, body=body(TwoStepBody)),
    ("DELETE", "/v1/settings/account/two-step"): Operation(OK, access=ADMIN),
    # -- contacts (spec §6) --------------------------------------------------------------
    ("POST", "/v1/contacts"): Operation(
        {200: json(responses.CONTACTS, "Each number's status, in input order.")},
        body=body(lambda settings: requests.contacts(settings.contacts_max_per_call)),
    ),
    ("GET", "/v1/contacts/{wa_id}/identity"): Operation(
        {200: json(responses.IDENTITY)}, path=WA_ID, errors=NOT_FOUND
    ),
    ("PUT", "/v1/contacts/{wa_id}/identity"): Operation(
        OK,
        body=body(AcknowledgeIdentityBody),
        path=WA_ID,
        errors=NOT_FOUND,
        notes="hash must be the contact's latest identity hash (400/1009 otherwise).",
    ),
    # -- messages (spec §7) --------------------------------------------------------------
    ("POST", "/v1/messages"): Operation(
        {201: json(responses.MESSAGE_ID, "Accepted and persisted.")},
        body=body(MESSAGE, example={"to": "16315551234", "text": {"body": "Hello"}}),
        errors={404: "A media id or sticker that does not exist (1006)."},
        notes="Templates must exist, media ids be uploads, and the rules of spec §7 hold "
        "(400 with the code of spec §7.10 otherwise). 503/1011 while not connected.",
    ),
    ("PUT", "/v1/messages/{message_id}"): Operation(
        OK, body=body(MarkReadBody), errors={404: "No such customer message (1006)."}
    ),
    # -- media (spec §8) -----------------------------------------------------------------
    ("POST", "/v1/media"): Operation(
        {201: json(responses.MEDIA_ID, "Stored.")},
        body=Body({kind: {**BINARY, "minLength": 1} for kind in requests.UPLOAD_TYPES}),
        errors={409: "The id exists already (1004)."},
        links=linked("media_id", "$response.body#/media/0/id", "download_media", "delete_media"),
        notes="The raw file with its own Content-Type: any type of spec §8.4 (400/1009 for "
        "an audio, image or video type it does not list).",
    ),
    ("GET", "/v1/media/{media_id}"): Operation(
        {
            200: Answer({"*/*": BINARY}, "The file, with its stored Content-Type."),
            206: Answer(
                {"*/*": BINARY}, "The ranges asked for (multipart/byteranges for more than one)."
            ),
        },
        errors={**NOT_FOUND, 416: "The range lies beyond the file (no body)."},
        bare=(416,),
        headers={
            "Range": {
                "type": "string",
                "description": "bytes=first-last,... (RFC 9110 §14.2); one that is not "
                "valid is ignored.",
            }
        },
    ),
    ("DELETE", "/v1/media/{media_id}"): Operation(OK, errors=NOT_FOUND),
    # -- settings (spec §9) --------------------------------------------------------------
    ("GET", "/v1/settings/application"): Operation(
        {200: json(responses.APPLICATION)}, access=ADMIN
    ),
    ("PATCH", "/v1/settings/application"): Operation(
        OK,
        access=ADMIN,
        body=body(lambda settings: requests.application_settings(settings.webhook_require_https)),
        notes="Legacy keys must agree with their successors (sent_status with "
        "webhooks.message.sent, db_garbagecollector_enable with garbagecollector_enable."
        "messages); wa_id only as the registered number.",
    ),
    ("DELETE", "/v1/settings/application"): Operation(OK, access=ADMIN),
    ("GET", "/v1/settings/application/media/providers"): Operation(
        {200: json(responses.PROVIDERS)}, access=ADMIN
    ),
    ("POST", "/v1/settings/application/media/providers"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.MEDIA_PROVIDERS),
        links=linked("name", "$request.body#/0/name", "delete_media_provider"),
    ),
    ("DELETE", "/v1/settings/application/media/providers/{name}"): Operation(
        OK, access=ADMIN, errors=NOT_FOUND
    ),
    ("GET", "/v1/settings/profile/about"): Operation({200: json(responses.ABOUT)}, access=ADMIN),
    ("PATCH", "/v1/settings/profile/about"): Operation(OK, access=ADMIN, body=body(requests.ABOUT)),
    ("GET", "/v1/settings/profile/photo"): Operation(
        {
            200: Answer(
                {"image/jpeg": BINARY, "application/json": responses.PHOTO_LINK},
                "The photo; with format=link, a public link to it.",
            )
        },
        access=ADMIN,
        query={"format": {"enum": ["link"]}},
        errors={404: "No photo is set (1006)."},
    ),
    ("POST", "/v1/settings/profile/photo"): Operation(
        OK,
        access=ADMIN,
        body=Body(
            {
                "image/jpeg": BINARY,
                "image/png": BINARY,
                "multipart/form-data": {
                    "type": "object",
                    "properties": {"file": BINARY},
                    "required": ["file"],
                },
            }
        ),
        errors={415: "Not an image/jpeg, image/png or multipart upload (1025)."},
        notes="A JPEG or PNG of at most 5 MB and at least 192x192 pixels (400/1009 otherwise).",
    ),
    ("DELETE", "/v1/settings/profile/photo"): Operation(OK, access=ADMIN),
    ("GET", "/v1/settings/business/profile"): Operation(
        {200: json(responses.BUSINESS_PROFILE)}, access=ADMIN
    ),
    ("POST", "/v1/settings/business/profile"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.BUSINESS_PROFILE),
        notes="The vertical cannot be set back to an empty value (400/1009).",
    ),
    ("GET", "/v1/settings/business/compliance_info"): Operation(
        {200: json(responses.COMPLIANCE_INFO)}, access=ADMIN
    ),
    ("POST", "/v1/settings/business/compliance_info"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.COMPLIANCE_INFO),
        notes="Each contact needs a landline or a mobile number; phone numbers have 6 to 15 "
        "digits (400 otherwise).",
    ),
    ("POST", "/v1/settings/backup"): Operation(
        {200: json(responses.BACKUP, "The encrypted backup.")},
        access=ADMIN,
        body=body(requests.BACKUP),
    ),
    ("POST", "/v1/settings/restore"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.RESTORE),
        errors={403: "This client holds a number: restore needs an unregistered one (1005)."},
        notes="Only on an unregistered client, with a backup of this emulator (400/1009).",
    ),
    # -- health, stats, metrics, support, services (spec §10) ----------------------------
    ("GET", "/v1/health"): Operation({200: json(responses.HEALTH)}, access=MONITOR),
    ("GET", "/v1/support"): Operation({200: json(responses.SUPPORT)}),
    ("GET", "/v1/stats/app"): Operation(_stats(responses.STATS_APP), MONITOR, query=FORMAT),
    ("GET", "/v1/stats/app/internal"): Operation(
        _stats(responses.STATS_APP), MONITOR, query=FORMAT
    ),
    ("GET", "/v1/stats/db"): Operation(_stats(responses.STATS_DB), MONITOR, query=FORMAT),
    ("GET", "/v1/stats/db/internal"): Operation(_stats(responses.STATS_DB), MONITOR, query=FORMAT),
    ("GET", "/metrics"): Operation(_stats(responses.METRICS), MONITOR, query=FORMAT),
    ("GET", "/v1/metrics"): Operation(_stats(responses.METRICS), MONITOR, query=FORMAT),
    ("PUT", "/v1/services/message/gc"): Operation(
        {200: json(responses.MESSAGE_GC, "Started.")}, access=ADMIN
    ),
    ("PUT", "/v1/services/media/gc"): Operation(
        {200: json(responses.MEDIA_GC, "Started.")}, access=ADMIN
    ),
    # -- certificates (spec §10.6) -------------------------------------------------------
    ("POST", "/v1/certificates/external"): Operation(
        OK,
        access=ADMIN,
        body=PEM_BODY,
        notes="A private key, the server certificate and at least one CA certificate "
        "(400/1009 otherwise).",
    ),
    ("GET", "/v1/certificates/external/ca"): Operation(
        {200: Answer({"text/plain": PEM}, "The CA certificate(s).")},
        errors={404: "No certificate was uploaded: no body (spec §10.6)."},
        bare=(404,),
    ),
    ("GET", "/v1/certificates/webhooks/ca"): Operation(
        {200: Answer({"text/plain": PEM}, "The CA certificate(s).")},
        access=ADMIN,
        errors={404: "No certificate was uploaded: no body (spec §10.6)."},
        bare=(404,),
    ),
    ("POST", "/v1/certificates/webhooks/ca"): Operation(
        OK,
        access=ADMIN,
        body=PEM_BODY,
        notes="One or more PEM certificates (400/1009 otherwise).",
    ),
    ("DELETE", "/v1/certificates/webhooks/ca"): Operation(OK, access=ADMIN),
    # -- sticker packs (spec §10.7) ------------------------------------------------------
    ("GET", "/v1/stickerpacks"): Operation({200: json(responses.PACK_IDS)}, query=NAMESPACE),
    ("POST", "/v1/stickerpacks"): Operation(
        {200: json(responses.PACK_ID, "Created.")},
        access=ADMIN,
        body=body(requests.NEW_PACK),
        query=NAMESPACE,
        errors={403: FIRST_PARTY},
        links=linked("pack_id", "$response.body#/stickerpacks/0/id", *PACK_OPERATIONS),
    ),
    ("GET", "/v1/stickerpacks/{pack_id}"): Operation(
        {200: json(responses.PACK)}, query=NAMESPACE, errors=NOT_FOUND
    ),
    ("PATCH", "/v1/stickerpacks/{pack_id}"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.PACK_CHANGES),
        query=NAMESPACE,
        errors=PACK_WRITE_ERRORS,
    ),
    ("DELETE", "/v1/stickerpacks/{pack_id}"): Operation(
        OK, access=ADMIN, query=NAMESPACE, errors=PACK_WRITE_ERRORS
    ),
    ("GET", "/v1/stickerpacks/{pack_id}/stickers"): Operation(
        {200: json(responses.STICKER_INDEXES)}, query=NAMESPACE, errors=NOT_FOUND
    ),
    ("POST", "/v1/stickerpacks/{pack_id}/stickers"): Operation(
        {200: json(responses.STICKER_INDEX, "Created.")},
        access=ADMIN,
        body=body(requests.NEW_STICKER),
        query=NAMESPACE,
        errors={404: "No such pack, or no such media (1006).", 403: FIRST_PARTY},
        notes="image_data_id must be uploaded image/webp media (400/1009 otherwise).",
        links={
            name: {"pack_id": "$request.path.pack_id", "index": "$response.body#/stickers/0/index"}
            for name in STICKER_OPERATIONS
        },
    ),
    ("GET", "/v1/stickerpacks/{pack_id}/stickers/{index}"): Operation(
        {200: json(responses.STICKER)}, query=NAMESPACE, path=INDEX, errors=NOT_FOUND
    ),
    ("PATCH", "/v1/stickerpacks/{pack_id}/stickers/{index}"): Operation(
        OK,
        access=ADMIN,
        body=body(requests.STICKER_CHANGES),
        query=NAMESPACE,
        path=INDEX,
        errors=PACK_WRITE_ERRORS,
    ),
    ("DELETE", "/v1/stickerpacks/{pack_id}/stickers/{index}"): Operation(
        OK, access=ADMIN, query=NAMESPACE, path=INDEX, errors=PACK_WRITE_ERRORS
    ),
}
