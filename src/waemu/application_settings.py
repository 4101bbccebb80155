"""The application settings as values (spec §9.1): one frozen snapshot with every default.

Plain data with no dependencies, so every layer that reads a setting (the coreapp's services,
the webhook outbox and dispatcher) can name its type; the coreapp's settings service
(``coreapp/services/settings.py``) validates PATCHes, stores the object and hands out the
current snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The order of the official GET example (spec §9.1).
AUTO_DOWNLOAD_TYPES = ("image", "video", "voice", "sticker", "audio", "document")


@dataclass(frozen=True, slots=True)
class MessageWebhooks:
    """``webhooks.message``: which message statuses are sent to the webhook (v2.41.2+)."""

    sent: bool = False
    delivered: bool = True
    read: bool = True


@dataclass(frozen=True, slots=True)
class Webhooks:
    """``webhooks``: where callbacks go and how many may be in flight."""

    url: str = ""
    max_concurrent_requests: int = 6
    message: MessageWebhooks = field(default_factory=MessageWebhooks)


@dataclass(frozen=True, slots=True)
class GarbageCollector:
    """``garbagecollector_enable``: the per-store garbage collection switches."""

    media: bool = False
    messages: bool = True


@dataclass(frozen=True, slots=True)
class ApplicationSettings:
    """Every application setting, defaults included (spec §9.1, gap 11 for the defaults)."""

    callback_backoff_delay_ms: int = 3000
    max_callback_backoff_delay_ms: int = 900000
    callback_persist: bool = True
    pass_through: bool = False
    auto_download: tuple[str, ...] = AUTO_DOWNLOAD_TYPES
    heartbeat_interval: int = 5
    unhealthy_interval: int = 30
    garbagecollector: GarbageCollector = field(default_factory=GarbageCollector)
    notify_user_change_number: bool = True
    show_security_notifications: bool = False
    skip_referral_media_download: bool = False
    on_call_pager: str | None = None
    verbose_logging: bool = False
    log_level: str = "info"
    axolotl_context_striping_disabled: bool = False
    webhook_payload_conversation_pricingmodel_disabled: bool = False
    webhooks: Webhooks = field(default_factory=Webhooks)

    @property
    def sent_status(self) -> bool:
        """The legacy ``sent_status`` switch: the same value as ``webhooks.message.sent``."""
        return self.webhooks.message.sent

    def to_dict(self, wa_id: str | None = None) -> dict[str, Any]:
        """The ``settings.application`` object of GET, keys in alphabetical order."""
        body: dict[str, Any] = {
            "axolotl_context_striping_disabled": self.axolotl_context_striping_disabled,
            "callback_backoff_delay_ms": self.callback_backoff_delay_ms,
            "callback_persist": self.callback_persist,
            # Legacy flag (spec §9.1): mirrors garbagecollector_enable.messages.
            "db_garbagecollector_enable": self.garbagecollector.messages,
            "garbagecollector_enable": {
                "media": self.garbagecollector.media,
                "messages": self.garbagecollector.messages,
            },
            "heartbeat_interval": self.heartbeat_interval,
            "log_level": self.log_level,
            "max_callback_backoff_delay_ms": self.max_callback_backoff_delay_ms,
            "media": {"auto_download": list(self.auto_download)},
            "notify_user_change_number": self.notify_user_change_number,
        }
        if self.on_call_pager is not None:
            body["on_call_pager"] = self.on_call_pager
        body |= {
            "pass_through": self.pass_through,
            "sent_status": self.sent_status,
            "show_security_notifications": self.show_security_notifications,
            "skip_referral_media_download": self.skip_referral_media_download,
            "unhealthy_interval": self.unhealthy_interval,
            "verbose_logging": self.verbose_logging,
        }
        if wa_id:
            body["wa_id"] = wa_id
        body["webhook_payload_conversation_pricingmodel_disabled"] = (
            self.webhook_payload_conversation_pricingmodel_disabled
        )
        body["webhooks"] = {
            "max_concurrent_requests": self.webhooks.max_concurrent_requests,
            "message": {
                "delivered": self.webhooks.message.delivered,
                "read": self.webhooks.message.read,
                "sent": self.webhooks.message.sent,
            },
            "url": self.webhooks.url,
        }
        return body


DEFAULTS = ApplicationSettings()
