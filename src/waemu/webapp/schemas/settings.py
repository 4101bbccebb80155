"""Bodies of ``/v1/settings/...`` (spec §9): their shape and JSON types.

Unknown keys answer 1010 and wrong JSON types 1009, naming the field, before the coreapp
is asked; the coreapp checks the values themselves (allowed values, ranges, formats) and
the rules that depend on what is stored. Every field is optional where the real node
merges (PATCH application settings, POST business profile); only the keys sent are
forwarded.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel

from waemu.webapp.body import StrictBody


def sent(model: BaseModel) -> dict[str, Any]:
    """The keys the client sent, nested objects included (``null`` stays ``None``)."""
    data: dict[str, Any] = model.model_dump(exclude_unset=True)
    return data


# -- /v1/settings/application (spec §9.1) ----------------------------------------------


class MessageWebhooksPatch(StrictBody):
    """``webhooks.message``: per-status webhook switches (v2.41.2+)."""

    sent: bool | None = None
    delivered: bool | None = None
    read: bool | None = None


class WebhooksPatch(StrictBody):
    """``webhooks``."""

    url: str | None = None
    max_concurrent_requests: int | None = None
    message: MessageWebhooksPatch | None = None


class MediaPatch(StrictBody):
    """``media``."""

    auto_download: list[str] | None = None


class GarbageCollectorPatch(StrictBody):
    """``garbagecollector_enable``."""

    media: bool | None = None
    messages: bool | None = None


class ApplicationSettingsPatch(StrictBody):
    """``PATCH /v1/settings/application``: any subset of the settings.

    The keys typed ``Any`` take several forms from older clients (docs/settings.md, "Older
    clients' keys"); the coreapp checks them and names the forms it accepts.
    """

    axolotl_context_striping_disabled: bool | None = None
    callback_backoff_delay_ms: int | str | None = None
    callback_persist: bool | None = None
    contacts_api_rate_limit: Any = None
    contacts_scrape_rate_limit: Any = None
    db_garbagecollector_enable: bool | None = None
    garbagecollector_enable: GarbageCollectorPatch | None = None
    heartbeat_interval: int | None = None
    log_level: str | None = None
    max_callback_backoff_delay_ms: int | str | None = None
    media: MediaPatch | None = None
    messaging_api_rate_limit: Any = None
    notify_user_change_number: bool | None = None
    on_call_pager: Any = None
    pass_through: bool | None = None
    sent_status: bool | None = None
    show_security_notifications: bool | None = None
    skip_referral_media_download: bool | None = None
    tcp_listen_address: Any = None
    unhealthy_interval: int | None = None
    verbose_logging: bool | None = None
    wa_id: str | None = None
    webhook_payload_conversation_pricingmodel_disabled: bool | None = None
    webhooks: WebhooksPatch | None = None


# -- /v1/settings/application/media/providers (spec §9.3) ------------------------------


class BasicCredentials(StrictBody):
    """``config.basic``."""

    username: str
    password: str


class ProviderConfig(StrictBody):
    """``config``: ``basic`` or ``bearer``."""

    basic: BasicCredentials | None = None
    bearer: str | None = None


class MediaProviderBody(StrictBody):
    """One provider."""

    name: str
    type: str
    config: ProviderConfig


class MediaProvidersBody(RootModel[list[MediaProviderBody]]):
    """``POST /v1/settings/application/media/providers``: a JSON array."""


# -- /v1/settings/profile/about (spec §9.4) --------------------------------------------


class AboutBody(StrictBody):
    """``PATCH /v1/settings/profile/about``."""

    text: str


# -- /v1/settings/business/... (spec §9.6) ---------------------------------------------


class BusinessProfileBody(StrictBody):
    """``POST /v1/settings/business/profile``: the fields to change."""

    address: str | None = None
    description: str | None = None
    email: str | None = None
    vertical: str | None = None
    websites: list[str] | None = None


class CustomerCareDetails(StrictBody):
    """``customer_care_details``: an email and a landline or mobile number."""

    email: str
    landline_number: str | None = None
    mobile_number: str | None = None


class GrievanceOfficerDetails(CustomerCareDetails):
    """``grievance_officer_details``: the officer's name too."""

    name: str


class ComplianceInfoBody(StrictBody):
    """``POST /v1/settings/business/compliance_info``: the whole object."""

    entity_name: str
    entity_type: str
    entity_type_custom: str | None = None
    is_registered: bool | None = None
    customer_care_details: CustomerCareDetails
    grievance_officer_details: GrievanceOfficerDetails
