"""hello-bot: a tiny WhatsApp bot on the On-Premises API.

It receives the webhooks of a business number, marks every customer message read (the blue
ticks) and answers a greeting ("hi", "hello", …) with the approved template ``hello_world``.

Run it against a real client or the waemu emulator::

    WA_API_URL=https://localhost:9090 WA_API_TOKEN=<admin token> uvicorn hello_bot:app

and set the business's ``webhooks.url`` to ``http://<this host>:8000/webhook``.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

GREETINGS = {"hi", "hello", "hey", "hola", "hallo"}
TEMPLATE = {"name": "hello_world", "language": {"policy": "deterministic", "code": "en_US"}}


def is_greeting(message: dict[str, Any]) -> bool:
    """Whether a customer message is a text that says hello."""
    if message.get("type") != "text":
        return False
    words = message.get("text", {}).get("body", "").lower().strip(" !.?").split()
    return bool(words) and words[0] in GREETINGS


def create_app(api_url: str, token: str, *, verify: bool = True) -> Starlette:
    """The bot as an ASGI app, talking to the API at ``api_url`` with ``token``."""
    headers = {"Authorization": f"Bearer {token}"}

    async def webhook(request: Request) -> Response:
        notification = await request.json()
        async with httpx.AsyncClient(
            base_url=api_url, headers=headers, verify=verify, timeout=10
        ) as api:
            for message in notification.get("messages", []):
                if message.get("type") == "system":
                    continue  # number and security-code changes: nothing to answer
                read = await api.put(f"/v1/messages/{message['id']}", json={"status": "read"})
                read.raise_for_status()
                if is_greeting(message):
                    reply = {"to": message["from"], "type": "template", "template": TEMPLATE}
                    sent = await api.post("/v1/messages", json=reply)
                    sent.raise_for_status()
        # 200 only once handled: any other answer makes the client deliver it again.
        return Response(status_code=200)

    return Starlette(routes=[Route("/webhook", webhook, methods=["POST"])])


def _from_environment() -> Starlette:
    url, token = os.environ.get("WA_API_URL"), os.environ.get("WA_API_TOKEN")
    if not url or not token:
        raise SystemExit("set WA_API_URL and WA_API_TOKEN")
    return create_app(url, token, verify=os.environ.get("WA_API_VERIFY", "1") != "0")


def __getattr__(name: str) -> Any:
    """``hello_bot:app`` for uvicorn, built from the environment when asked for."""
    if name == "app":
        return _from_environment()
    raise AttributeError(name)
