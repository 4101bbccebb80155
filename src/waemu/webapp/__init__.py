"""The webapp: HTTP only (auth, validation, routing, the envelope); forwards to the coreapp."""
