"""Names of the operations the coreapp serves; both sides of the socket use these."""

from __future__ import annotations

SIGNING_KEY = "auth.signing_key"
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
