"""Bodies of ``/v1/stickerpacks/...`` (spec §10.7): their shape and JSON types.

Unknown keys answer 1010 and wrong JSON types 1009 before the coreapp is asked; the coreapp
checks lengths, store links, the emojis and the sticker image. Only the keys sent are
forwarded, so PATCH changes just those.
"""

from __future__ import annotations

from waemu.webapp.body import StrictBody


class StickerPackBody(StrictBody):
    """A third-party pack: ``publisher`` and ``name`` (required on POST), store links."""

    publisher: str | None = None
    name: str | None = None
    ios_app_store_link: str | None = None
    android_app_store_link: str | None = None


class StickerBody(StrictBody):
    """A third-party sticker: the uploaded WebP's media id (required on POST), emojis."""

    image_data_id: str | None = None
    emojis: list[str] | None = None
