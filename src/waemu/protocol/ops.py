"""Names of the operations the coreapp serves; both sides of the socket use these."""

from __future__ import annotations

SIGNING_KEY = "auth.signing_key"
# Nothing but the token check every user operation starts with: the webapp asks it before
# refusing a request on its own, so a dead token is a 401 before anything else.
AUTH_CHECK = "auth.check"
HEALTH = "health.get"

USERS_LOGIN = "users.login"
USERS_LOGOUT = "users.logout"
USERS_CREATE = "users.create"
USERS_GET = "users.get"
USERS_UPDATE = "users.update"
USERS_DELETE = "users.delete"

ACCOUNT_REQUEST_CODE = "account.request_code"
ACCOUNT_VERIFY = "account.verify"
ACCOUNT_SHARDS_GET = "account.shards.get"
ACCOUNT_SHARDS_SET = "account.shards.set"
TWO_STEP_SET = "account.two_step.set"
TWO_STEP_DELETE = "account.two_step.delete"

CONTACTS_CHECK = "contacts.check"
CONTACTS_IDENTITY_GET = "contacts.identity.get"
CONTACTS_IDENTITY_ACK = "contacts.identity.ack"

SETTINGS_APP_GET = "settings.application.get"
SETTINGS_APP_UPDATE = "settings.application.update"
SETTINGS_APP_RESET = "settings.application.reset"
MEDIA_PROVIDERS_GET = "settings.media_providers.get"
MEDIA_PROVIDERS_SET = "settings.media_providers.set"
MEDIA_PROVIDERS_DELETE = "settings.media_providers.delete"

PROFILE_ABOUT_GET = "profile.about.get"
PROFILE_ABOUT_SET = "profile.about.set"
PROFILE_PHOTO_GET = "profile.photo.get"
PROFILE_PHOTO_SET = "profile.photo.set"
PROFILE_PHOTO_DELETE = "profile.photo.delete"
PROFILE_PHOTO_PUBLIC = "profile.photo.public"
BUSINESS_PROFILE_GET = "business.profile.get"
BUSINESS_PROFILE_SET = "business.profile.set"
BUSINESS_COMPLIANCE_GET = "business.compliance_info.get"
BUSINESS_COMPLIANCE_SET = "business.compliance_info.set"
SUPPORT = "support.get"

MESSAGES_SEND = "messages.send"
MESSAGES_MARK_READ = "messages.mark_read"

MEDIA_REGISTER = "media.register"
MEDIA_GET = "media.get"
MEDIA_DELETE = "media.delete"

WEBHOOK_CA_GET = "certificates.webhooks_ca.get"
WEBHOOK_CA_SET = "certificates.webhooks_ca.set"
WEBHOOK_CA_DELETE = "certificates.webhooks_ca.delete"

EXTERNAL_CERT_SET = "certificates.external.set"
EXTERNAL_CERT_CA = "certificates.external.ca"
EXTERNAL_CERT_BUNDLE = "certificates.external.bundle"  # the webapp, on start (internal)

STICKERPACKS_LIST = "stickerpacks.list"
STICKERPACK_GET = "stickerpacks.get"
STICKERPACK_CREATE = "stickerpacks.create"
STICKERPACK_UPDATE = "stickerpacks.update"
STICKERPACK_DELETE = "stickerpacks.delete"
STICKERS_LIST = "stickerpacks.stickers.list"
STICKER_GET = "stickerpacks.stickers.get"
STICKER_CREATE = "stickerpacks.stickers.create"
STICKER_UPDATE = "stickerpacks.stickers.update"
STICKER_DELETE = "stickerpacks.stickers.delete"

SETTINGS_BACKUP = "settings.backup"
SETTINGS_RESTORE = "settings.restore"

STATS_APP = "stats.app"
STATS_DB = "stats.db"
SERVICES_MESSAGE_GC = "services.message.gc"
SERVICES_MEDIA_GC = "services.media.gc"
