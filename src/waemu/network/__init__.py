"""The simulated WhatsApp network: what the coreapp connects to instead of Meta's servers.

It keeps the virtual customers, the registered business accounts, registration codes and
the certificate authority, serves coreapps on a socket (``server.py``) and people and tests
on a control API (``control.py``). See docs/network.md.
"""
