"""Testing with the emulator: a pytest plugin (``plugin.py``, loaded by installing waemu) and
the objects its fixtures give (docs/testing.md)."""

from __future__ import annotations

from waemu.testing.customers import CustomerHandle, Customers
from waemu.testing.emulator import Emulator, EmulatorError
from waemu.testing.harness import Admin, Business, BusinessNumber, Harness, HarnessError
from waemu.testing.options import EmulatorOptions
from waemu.testing.receiver import Post, WebhookReceiver
from waemu.testing.waiting import WaitTimeout

__all__ = [
    "Admin",
    "Business",
    "BusinessNumber",
    "CustomerHandle",
    "Customers",
    "Emulator",
    "EmulatorError",
    "EmulatorOptions",
    "Harness",
    "HarnessError",
    "Post",
    "WaitTimeout",
    "WebhookReceiver",
]
