"""JSON schemas of what the webapp answers, for the OpenAPI document (webapp/openapi.py).

Every JSON answer is the On-Premises envelope (spec §2.3): a success carries its payload's
keys and ``meta``, a failure ``errors`` (one catalogue error) and ``meta``. The schemas are
exact about types and required keys; objects the server may grow (support, settings,
stats) allow further properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}


def ref(name: str) -> Schema:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema, **more: Any) -> Schema:
    """An array of ``items``."""
    return {"type": "array", "items": items, **more}


def obj(
    properties: dict[str, Schema],
    required: Iterable[str] | None = None,
    *,
    extra: bool = False,
) -> Schema:
    """An object; every property is required unless ``required`` says which are.

    ``extra``: the server may add properties not listed.
    """
    keys = list(properties) if required is None else list(required)
    schema: Schema = {"type": "object", "properties": properties, "required": keys}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def one(item: Schema) -> Schema:
    """A one-element array, the form most payloads take (``{"users": [{...}]}``)."""
    return array(item, minItems=1, maxItems=1)


def envelope(payload: dict[str, Schema] | None = None) -> Schema:
    """A success body: the payload's keys, then ``meta`` (spec §2.3)."""
    return obj({**(payload or {}), "meta": ref("Meta")})


# -- components --------------------------------------------------------------------------

META = obj(
    {
        "api_status": {"type": "string", "enum": ["stable", "deprecated", "experimental"]},
        "version": STRING,
    }
)
ERROR = obj(
    {
        "code": {"type": "integer", "description": "The catalogue code (spec §15)."},
        "title": STRING,
        "details": STRING,
    }
)
ERROR_RESPONSE = obj({"errors": one(ref("Error")), "meta": ref("Meta")})
# spec §10.2: {"name": {"type": "gauge|counter", "help", "data": [{"labels", "value"}]}}
STAT = obj(
    {
        "type": {"type": "string", "enum": ["gauge", "counter"]},
        "help": STRING,
        "data": array(
            obj(
                {"labels": {"type": "object", "additionalProperties": STRING}, "value": NUMBER},
                ["value"],
            )
        ),
    }
)
STATS = {"type": "object", "additionalProperties": ref("Stat")}

COMPONENTS: dict[str, Schema] = {
    "Meta": META,
    "Error": ERROR,
    "ErrorResponse": ERROR_RESPONSE,
    "Stat": STAT,
    "Stats": STATS,
}

# -- payloads, by area -------------------------------------------------------------------

EMPTY = envelope()
LOGIN = envelope({"users": one(obj({"token": STRING, "expires_after": STRING}))})
USER_NAME = envelope({"users": one(obj({"username": STRING}))})
USER = envelope(
    {"users": one(obj({"ROLES": {"enum": ["ROLE_ADMIN", "ROLE_USER"]}, "username": STRING}))}
)

ACCOUNT_CODE_SENT = envelope({"account": one(obj({"vname": STRING}))})
SHARDS = envelope({"account": obj({"shards": INTEGER})})

CONTACTS = envelope(
    {
        "contacts": array(
            obj(
                {
                    "input": STRING,
                    "status": {"enum": ["valid", "invalid", "processing", "failed"]},
                    "wa_id": STRING,
                },
                ["input", "status"],
            )
        )
    }
)
IDENTITY = envelope(
    {"contacts": obj({"hash": STRING, "created_timestamp": INTEGER, "acknowledged": BOOLEAN})}
)

MESSAGE_ID = envelope({"messages": one(obj({"id": STRING}))})
MEDIA_ID = envelope({"media": one(obj({"id": {"type": "string", "format": "uuid"}}))})

GATEWAY_STATUS = {
    "enum": ["connected", "connecting", "disconnected", "uninitialized", "unregistered"]
}
HEALTH = envelope({"health": obj({"gateway_status": GATEWAY_STATUS}, extra=True)})
SUPPORT = envelope(
    {
        "support": obj(
            {
                "context": STRING,
                "db_engine": STRING,
                "db_info": array(STRING),
                "debug_info": STRING,
                "description": STRING,
                "device_iso8601": STRING,
                "e2e": obj({"identity_timestamp": STRING, "registration_id": INTEGER}),
                "env": array(STRING),
                "expire_timestamp": STRING,
                "free_space_data": INTEGER,
                "free_space_logs": INTEGER,
                "free_space_media_incoming": INTEGER,
                "free_space_media_outgoing": INTEGER,
                "lc": STRING,
                "lg": STRING,
                "multi_connect": BOOLEAN,
                "os_name": STRING,
                "os_version": STRING,
                "schema": {"type": "object", "additionalProperties": INTEGER},
                "socket_conn": STRING,
                "shards": array(array(INTEGER)),
                "role": STRING,
                "startup": {"type": ["object", "null"]},
            },
            extra=True,
        )
    }
)
STATS_APP = envelope({"stats": obj({"app": ref("Stats")})})
STATS_DB = envelope({"stats": obj({"db": ref("Stats")})})
METRICS = envelope({"metrics": ref("Stats")})


def _gc(store: str) -> Schema:
    status = obj({"status": {"enum": ["processing"]}}, extra=True)
    return envelope({"services": obj({store: obj({"gc": status})})})


MESSAGE_GC = _gc("message")
MEDIA_GC = _gc("media")

_WEBHOOKS = obj(
    {
        "url": STRING,
        "max_concurrent_requests": INTEGER,
        "message": obj({"sent": BOOLEAN, "delivered": BOOLEAN, "read": BOOLEAN}),
    },
    extra=True,
)
APPLICATION = envelope(
    {
        "settings": obj(
            {
                "application": obj(
                    {
                        "callback_backoff_delay_ms": INTEGER,
                        "callback_persist": BOOLEAN,
                        "garbagecollector_enable": obj({"media": BOOLEAN, "messages": BOOLEAN}),
                        "heartbeat_interval": INTEGER,
                        "log_level": STRING,
                        "max_callback_backoff_delay_ms": INTEGER,
                        "media": obj({"auto_download": array(STRING)}),
                        "notify_user_change_number": BOOLEAN,
                        "on_call_pager": STRING,
                        "pass_through": BOOLEAN,
                        "sent_status": BOOLEAN,
                        "show_security_notifications": BOOLEAN,
                        "unhealthy_interval": INTEGER,
                        "verbose_logging": BOOLEAN,
                        "wa_id": STRING,
                        "webhooks": _WEBHOOKS,
                    },
                    [
                        "callback_backoff_delay_ms",
                        "callback_persist",
                        "garbagecollector_enable",
                        "heartbeat_interval",
                        "log_level",
                        "max_callback_backoff_delay_ms",
                        "media",
                        "notify_user_change_number",
                        "pass_through",
                        "sent_status",
                        "show_security_notifications",
                        "unhealthy_interval",
                        "verbose_logging",
                        "webhooks",
                    ],
                    extra=True,
                )
            }
        )
    }
)
_PROVIDER = obj(
    {
        "name": STRING,
        "type": STRING,
        "config": {
            "oneOf": [
                obj({"basic": obj({"username": STRING, "password": STRING})}),
                obj({"bearer": STRING}),
            ]
        },
    }
)
PROVIDERS = envelope(
    {"settings": obj({"application": obj({"media": obj({"providers": array(_PROVIDER)})})})}
)
ABOUT = envelope({"settings": obj({"profile": obj({"about": obj({"text": STRING})})})})
PHOTO_LINK = envelope(
    {
        "settings": obj(
            {"profile": obj({"photo": obj({"link": {"type": "string", "format": "uri"}})})}
        )
    }
)
BUSINESS_PROFILE = envelope(
    {
        "settings": obj(
            {
                "business": obj(
                    {
                        "profile": obj(
                            {
                                "address": STRING,
                                "description": STRING,
                                "email": STRING,
                                "vertical": STRING,
                                "websites": array(STRING),
                            }
                        )
                    }
                )
            }
        )
    }
)
_CARE = {"email": STRING, "landline_number": STRING, "mobile_number": STRING}
COMPLIANCE_INFO = envelope(
    {
        "settings": obj(
            {
                "business": obj(
                    {
                        "compliance_info": obj(
                            {
                                "entity_name": STRING,
                                "entity_type": STRING,
                                "entity_type_custom": STRING,
                                "is_registered": BOOLEAN,
                                "customer_care_details": obj(_CARE),
                                "grievance_officer_details": obj({"name": STRING, **_CARE}),
                            }
                        )
                    }
                )
            }
        )
    }
)
BACKUP = envelope({"settings": obj({"data": STRING})})

PACK_IDS = envelope({"stickerpacks": array(obj({"id": STRING}))})
PACK_ID = envelope({"stickerpacks": one(obj({"id": STRING}))})
PACK = envelope(
    {
        "stickerpacks": one(
            obj(
                {
                    "id": STRING,
                    "publisher": STRING,
                    "name": STRING,
                    "ios_app_store_link": STRING,
                    "android_app_store_link": STRING,
                },
                ["id", "publisher", "name"],
                extra=True,
            )
        )
    }
)
STICKER_INDEXES = envelope({"stickers": array(obj({"index": INTEGER}))})
STICKER_INDEX = envelope({"stickers": one(obj({"index": INTEGER}))})
STICKER = envelope(
    {
        "stickers": one(
            obj(
                {"id": STRING, "emojis": array(STRING), "image_data_id": STRING},
                ["id", "emojis"],
                extra=True,
            )
        )
    }
)
