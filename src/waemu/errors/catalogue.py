"""The one error catalogue: every code of the spec's section 15, its title and HTTP status.

Titles follow the On-Premises code table (spec §15). The HTTP status is the one the webapp
answers when the error is synchronous; asynchronous-only codes (status webhooks) carry none.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One row of the catalogue."""

    code: int
    title: str
    http_status: int | None
    details: str


def _spec(code: int, title: str, http_status: int | None, details: str) -> ErrorSpec:
    return ErrorSpec(code, title, http_status, details)


_ROWS: tuple[ErrorSpec, ...] = (
    # Asynchronous (status "failed" / errors webhook) codes, spec §15.
    _spec(400, "Media download error", None, "Failed to download the media from the sender."),
    _spec(402, "Business eligibility — Payment issue", None, "Payment method problem."),
    _spec(408, "Message is not valid", None, "Message was pending for too long."),
    _spec(410, "Message expired", None, "Message was not sent within its TTL."),
    _spec(429, "Rate limit hit", None, "Too many messages sent in a short time."),
    _spec(430, "Unsigned certificate", None, "Certificate problem; re-register."),
    _spec(432, "Certificate ID mismatch", None, "Certificate problem; re-register."),
    _spec(433, "Certificate signature invalid", None, "Certificate not signed by this client."),
    _spec(
        470,
        "Re-engagement message",
        None,
        "More than 24 hours have passed since the customer last replied to this number.",
    ),
    _spec(471, "Spam Rate limit hit", None, "Quality-based sending restriction."),
    _spec(472, "User's number is part of an experiment", None, "Skip this user."),
    _spec(480, "User potentially changed", None, "Identity changed; acknowledgement needed."),
    _spec(500, "Generic error", None, "Unknown failure."),
    _spec(501, "Message type is not currently supported", None, "Unknown message type."),
    # Synchronous codes with their HTTP status (spec §15, §2.4).
    _spec(1000, "Generic error", 500, "An unexpected error occurred."),
    _spec(1001, "Message too long", 400, "Message text is too long."),
    _spec(1002, "Invalid recipient type", 400, "Only recipient_type 'individual' is supported."),
    _spec(1004, "Resource already exists", 409, "The resource already exists."),
    _spec(1005, "Access denied", 403, "Access denied."),
    _spec(1006, "Resource not found", 404, "The resource was not found."),
    _spec(1007, "Recipient blocked to receive message (Deprecated)", None, "Recipient blocked."),
    _spec(1008, "Required parameter is missing", 400, "A required parameter is missing."),
    _spec(1009, "Parameter value is not valid", 400, "A parameter value is not valid."),
    _spec(1010, "Parameter is not required", 400, "A parameter is not allowed here."),
    _spec(1011, "Service not ready", 503, "Service not ready."),
    _spec(1013, "User is not valid", 400, "The recipient is not a valid WhatsApp user."),
    _spec(1014, "Internal error", 500, "Internal error."),
    _spec(1015, "Too many requests", 429, "Too many requests."),
    _spec(1016, "System overloaded", 503, "System overloaded; back off."),
    _spec(1017, "Not Primary Master", 503, "This node is not the primary master."),
    _spec(1018, "Not Primary Coreapp", 503, "This node is not the primary coreapp."),
    _spec(1021, "Bad User", 400, "Sender and recipient are the same."),
    _spec(1022, "Webhooks URL is not configured", 400, "Set webhooks.url first."),
    _spec(1023, "Database error occurred", 500, "Database error occurred."),
    _spec(1024, "Password Change Required", 401, "Password must be changed."),
    _spec(1025, "Invalid Request", 400, "The request is not valid."),
    _spec(1026, "Receiver incapable", None, "The recipient cannot receive this message."),
    _spec(
        1028,
        "A user_identity_changed system notification requires acknowledgement",
        400,
        "Acknowledge the identity change first.",
    ),
    _spec(1031, "Sender account has been locked", 403, "Sender account has been locked."),
    _spec(2000, "Template Param Count Mismatch", 400, "Parameter count does not match."),
    _spec(2001, "Template Missing", 400, "Template is not available."),
    _spec(2002, "Template Fetch Failed", None, "Could not fetch the template."),
    _spec(2003, "Template Pack Missing", None, "No language pack for the template."),
    _spec(2004, "Template Param Length Too Long", 400, "A parameter is too long."),
    _spec(2005, "Template Hydrated Text Too Long", 400, "The rendered text is too long."),
    _spec(2006, "Template White Space Policy Violated", 400, "Whitespace policy violated."),
    _spec(2007, "Template Format Character Policy Violated", 400, "Format policy violated."),
    _spec(2008, "Template Media Format Unsupported", 400, "Header media format unsupported."),
    _spec(2009, "Template Required Component Missing", 400, "A required component is missing."),
    _spec(2010, "Template Invalid Hydrated URL", 400, "The button URL is not valid."),
    _spec(2011, "Template Invalid Phone Number", 400, "The button phone number is not valid."),
    _spec(2012, "Template Parameter Format Mismatch", 400, "Parameter format mismatch."),
    _spec(2013, "Template Buttons Unsupported", 400, "Buttons are not supported."),
    _spec(2014, "Expected Namespace is Empty", 400, "The template namespace is missing."),
    _spec(2015, "Invalid number of sections", 400, "Invalid number of sections."),
    _spec(2016, "Invalid number of rows", 400, "Invalid number of rows."),
    _spec(2017, "Character Policy Violated", 400, "Character policy violated."),
    _spec(2023, "Invalid number of product", 400, "Invalid number of products."),
    _spec(2024, "Catalog ID not found", 400, "Catalog ID not found."),
    _spec(2025, "Catalog ID not linked to API number", 400, "Catalog not linked to this number."),
    _spec(2026, "Missing products", 400, "Some products were not found."),
    _spec(2027, "No products found", 400, "None of the products were found."),
    _spec(2028, "List all products failed compliance", 400, "All products failed compliance."),
    _spec(2029, "List some products failed compliance", 400, "Some products failed compliance."),
    _spec(
        2030,
        "List mixed products invalid and failed compliance",
        400,
        "Products invalid or failed compliance.",
    ),
    _spec(2036, "Invalid Header Structure", 400, "The interactive header is not valid."),
    _spec(2050, "Missing Compliance Info", 400, "Business compliance info is missing."),
    _spec(2060, "Template Rejected", 400, "The template was rejected."),
    _spec(2061, "Template Paused", 400, "The template is paused."),
    _spec(2062, "Template Disabled", 400, "The template is disabled."),
    _spec(2068, "Flow is blocked", 400, "Flow is blocked."),
    _spec(2069, "Flow is throttled", 400, "Flow is throttled."),
)

CATALOGUE: dict[int, ErrorSpec] = {row.code: row for row in _ROWS}


def lookup(code: int) -> ErrorSpec:
    """Return the catalogue row for ``code``; unknown codes become 1000 "Generic error"."""
    return CATALOGUE.get(code) or CATALOGUE[1000]
