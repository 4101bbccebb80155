"""A faithful, self-hosted emulator of the WhatsApp Business On-Premises API."""

__version__ = "0.1.0"
