"""Every table, imported so that ``Base.metadata`` knows them all."""

from waemu.storage.tables.cluster import (
    ClusterCounterRow,
    ClusterLeaseRow,
    ClusterNodeRow,
    ClusterShardRow,
)
from waemu.storage.tables.config import ConfigRow
from waemu.storage.tables.contacts import ContactIdentityRow, ContactRow
from waemu.storage.tables.media import MediaRow
from waemu.storage.tables.messages import MessageRow, MessageStatusRow
from waemu.storage.tables.settings import MediaProviderRow, ProfilePhotoRow
from waemu.storage.tables.stickerpacks import StickerPackRow, StickerRow
from waemu.storage.tables.users import RevokedTokenRow, UserRow
from waemu.storage.tables.webhooks import WebhookAttemptRow, WebhookRow

__all__ = [
    "ClusterCounterRow",
    "ClusterLeaseRow",
    "ClusterNodeRow",
    "ClusterShardRow",
    "ConfigRow",
    "ContactIdentityRow",
    "ContactRow",
    "MediaProviderRow",
    "MediaRow",
    "MessageRow",
    "MessageStatusRow",
    "ProfilePhotoRow",
    "RevokedTokenRow",
    "StickerPackRow",
    "StickerRow",
    "UserRow",
    "WebhookAttemptRow",
    "WebhookRow",
]
