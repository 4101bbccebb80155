"""The internal-socket contract between webapp and coreapp: framing and the client."""
