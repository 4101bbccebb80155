"""What the network's web inbox asks this coreapp over the link (docs/inbox.md): the file of a
media message the business sent, to show it in the conversation. The network has only the
media id the message carries; the bytes stay in this coreapp's media folder until someone
looks. (The webhook journal's requests live in ``waemu.webhooks.journal``.)
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from waemu.coreapp.services.media import MediaService
from waemu.errors import ApiError

MEDIA_OP = "media.fetch"
# Base64 of a file this large still fits one link frame (32 MiB); larger ones are not shown.
MAX_BYTES = 20 * 1024 * 1024


def network_pushes(media: MediaService) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
    """The requests the network sends for its web inbox."""

    async def fetch(args: dict[str, Any]) -> dict[str, Any]:
        info = await media.info(args.get("id"), fetch=False)
        if info.size > MAX_BYTES:
            raise ApiError(1009, f"Media {info.id} is {info.size} bytes, too large to show")
        data = await media.read(info)
        return {"mime_type": info.mime_type, "data": base64.b64encode(data).decode()}

    return {MEDIA_OP: fetch}
