"""Webhooks: the persistent outbox and the dispatcher that POSTs to ``webhooks.url``."""
