"""Sticker packs (spec §10.7): the first-party catalogue and third-party packs.

First-party packs (``namespace=whatsapp``) belong to WhatsApp: the coreapp reads them from
the network over its link (``stickers.catalogue``) and keeps the catalogue once read; they
cannot be changed. Third-party packs are the business's own, stored in tables
``stickerpacks`` and ``stickers``; each sticker's image is uploaded ``image/webp`` media
(``image_data_id``). A sticker of either kind can be sent by its id
(``"sticker": {"id": ...}``, see :meth:`StickerPacksService.resolve_sticker`).
docs/stickerpacks.md records the limits the emulator chose where the docs are silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.clock import Clock
from waemu.coreapp.services import media_types, rules
from waemu.coreapp.services.media import MediaService
from waemu.errors import ApiError
from waemu.storage.repos import stickerpacks as repo
from waemu.storage.tables import StickerPackRow, StickerRow

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink

FIRST_PARTY = "whatsapp"
THIRD_PARTY = "third_party"
MAX_TEXT = 128
MAX_LINK = 512
MAX_STICKERS = 30  # a WhatsApp sticker pack holds at most 30 stickers
MAX_EMOJIS = 3  # and each sticker at most 3 emojis
APP_STORE_HOSTS = ("itunes.apple.com", "apps.apple.com")
PLAY_STORE_HOSTS = ("play.google.com",)


def _store_link(hosts: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, path: str) -> str:
        url = rules.http_url(value, path, max_length=MAX_LINK)
        if (urlsplit(url).hostname or "").lower() not in hosts:
            raise rules.invalid(path, f"must be a link to {' or '.join(hosts)}")
        return url

    return check


def _emojis(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(e, str) and e for e in value):
        raise rules.invalid(path, "must be an array of emoji strings")
    if len(value) > MAX_EMOJIS:
        raise rules.invalid(path, f"a sticker has at most {MAX_EMOJIS} emojis")
    if any(len(e) > 16 or e.isascii() for e in value):
        raise rules.invalid(path, "each item must be one emoji")
    return list(value)


PACK_RULES: dict[str, Any] = {
    "publisher": lambda v, p: rules.text(v, p, max_length=MAX_TEXT, min_length=1),
    "name": lambda v, p: rules.text(v, p, max_length=MAX_TEXT, min_length=1),
    "ios_app_store_link": _store_link(APP_STORE_HOSTS),
    "android_app_store_link": _store_link(PLAY_STORE_HOSTS),
}
STICKER_RULES: dict[str, Any] = {
    "image_data_id": lambda v, p: rules.text(v, p, max_length=64, min_length=1),
    "emojis": _emojis,
}


def namespace_of(value: Any) -> str:
    """``whatsapp`` (first-party) or ``third_party`` (the default)."""
    if value is None or value == "":
        return THIRD_PARTY
    return rules.choice(value, "namespace", (FIRST_PARTY, THIRD_PARTY))


def _pack_body(row: StickerPackRow) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "publisher": row.publisher, "name": row.name}
    for key in ("ios_app_store_link", "android_app_store_link"):
        if getattr(row, key) is not None:
            body[key] = getattr(row, key)
    return body


def _pack_missing(pack_id: str) -> ApiError:
    return ApiError(1006, f"Stickerpack {pack_id} not found")


def _sticker_missing(pack_id: str, index: int) -> ApiError:
    return ApiError(1006, f"Sticker {index} of stickerpack {pack_id} not found")


def _require_third_party(namespace: Any) -> None:
    """403/1005 for a change in the first-party namespace: those packs are WhatsApp's."""
    if namespace_of(namespace) == FIRST_PARTY:
        raise ApiError(1005, "First-party stickerpacks (namespace whatsapp) cannot be changed", 403)


async def _stored_sticker(session: AsyncSession, pack_id: str, index: int) -> StickerRow:
    """The third-party sticker at ``index`` of the pack; 404/1006 naming what is missing."""
    if await repo.pack(session, pack_id) is None:
        raise _pack_missing(pack_id)
    row = await repo.sticker(session, pack_id, index)
    if row is None:
        raise _sticker_missing(pack_id, index)
    return row


class StickerPacksService:
    """First-party packs from the network, third-party packs in the database."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        media: MediaService,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.media = media
        self.new_id = new_id
        self.link: NetworkLink | None = None  # set once the link exists
        self._catalogue: list[dict[str, Any]] | None = None
        self._write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. Writes run one at a time: on SQLite two transactions that
        read a pack's next index before either writes would otherwise collide (500)."""
        async with self._write_lock, self.sessions.begin() as session:
            yield session

    # -- first party ---------------------------------------------------------------------

    async def catalogue(self) -> list[dict[str, Any]]:
        """The first-party packs, read from the network once (1011 while it is away)."""
        if self._catalogue is None:
            if self.link is None:
                raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
            answer = await self.link.call("stickers.catalogue", {})
            self._catalogue = list(answer["stickerpacks"])
        return self._catalogue

    async def _first_party(self, pack_id: str) -> dict[str, Any]:
        for pack in await self.catalogue():
            if pack["id"] == pack_id:
                return pack
        raise _pack_missing(pack_id)

    # -- packs ---------------------------------------------------------------------------

    async def list_packs(self, namespace: Any) -> list[dict[str, str]]:
        """``GET /v1/stickerpacks``: the ids of the namespace's packs."""
        if namespace_of(namespace) == FIRST_PARTY:
            return [{"id": pack["id"]} for pack in await self.catalogue()]
        async with self.sessions.begin() as session:
            return [{"id": row.id} for row in await repo.all_packs(session)]

    async def get_pack(self, pack_id: str, namespace: Any) -> dict[str, Any]:
        """``GET /v1/stickerpacks/{id}``: publisher, name, store links (404/1006)."""
        if namespace_of(namespace) == FIRST_PARTY:
            pack = await self._first_party(pack_id)
            return {"id": pack["id"], "publisher": pack["publisher"], "name": pack["name"]}
        async with self.sessions.begin() as session:
            row = await repo.pack(session, pack_id)
            if row is None:
                raise _pack_missing(pack_id)
            return _pack_body(row)

    async def create_pack(self, fields: Mapping[str, Any], namespace: Any = None) -> str:
        """``POST /v1/stickerpacks``: a new third-party pack; returns its id."""
        _require_third_party(namespace)
        clean = rules.walk(fields, PACK_RULES)
        for key in ("publisher", "name"):
            if key not in clean:
                raise ApiError(1008, f"Missing required parameter: {key}")
        row = StickerPackRow(
            id=self.new_id(),
            publisher=clean["publisher"],
            name=clean["name"],
            ios_app_store_link=clean.get("ios_app_store_link"),
            android_app_store_link=clean.get("android_app_store_link"),
            next_index=0,
            created_at=self.clock.now(),
        )
        async with self._writing() as session:
            session.add(row)
        return row.id

    async def update_pack(self, pack_id: str, fields: Mapping[str, Any], namespace: Any) -> None:
        """``PATCH /v1/stickerpacks/{id}``: change the fields sent."""
        _require_third_party(namespace)
        clean = rules.walk(fields, PACK_RULES)
        async with self._writing() as session:
            row = await repo.pack(session, pack_id, lock=True)
            if row is None:
                raise _pack_missing(pack_id)
            for key, value in clean.items():
                setattr(row, key, value)

    async def delete_pack(self, pack_id: str, namespace: Any) -> None:
        """``DELETE /v1/stickerpacks/{id}``: the pack and its stickers go."""
        _require_third_party(namespace)
        async with self._writing() as session:
            if await repo.pack(session, pack_id, lock=True) is None:
                raise _pack_missing(pack_id)
            await repo.delete_pack(session, pack_id)

    # -- stickers ------------------------------------------------------------------------

    async def list_stickers(self, pack_id: str, namespace: Any) -> list[dict[str, int]]:
        """``GET .../stickers``: the indexes of the pack's stickers."""
        if namespace_of(namespace) == FIRST_PARTY:
            pack = await self._first_party(pack_id)
            return [{"index": int(s["index"])} for s in pack["stickers"]]
        async with self.sessions.begin() as session:
            if await repo.pack(session, pack_id) is None:
                raise _pack_missing(pack_id)
            return [{"index": row.sticker_index} for row in await repo.stickers(session, pack_id)]

    async def get_sticker(self, pack_id: str, index: int, namespace: Any) -> dict[str, Any]:
        """``GET .../stickers/{index}``: id and emojis (and ``image_data_id``, third-party)."""
        if namespace_of(namespace) == FIRST_PARTY:
            pack = await self._first_party(pack_id)
            for sticker in pack["stickers"]:
                if sticker["index"] == index:
                    return {"id": sticker["id"], "emojis": list(sticker["emojis"])}
            raise _sticker_missing(pack_id, index)
        async with self.sessions.begin() as session:
            row = await _stored_sticker(session, pack_id, index)
            return {
                "id": row.id,
                "emojis": orjson.loads(row.emojis),
                "image_data_id": row.image_data_id,
            }

    async def _webp(self, media_id: str) -> str:
        """The canonical id of uploaded media usable as a sticker image (404/1006, 400/1009).

        Only media stored here counts: a sticker image is an upload (``POST /v1/media``).
        """
        info = await self.media.info(media_id, fetch=False)
        canonical, mime_type, size = info.id, info.mime_type, info.size
        path = "image_data_id"
        if not media_types.accepts("sticker", media_types.parse(mime_type)):
            raise rules.invalid(path, f"media {canonical} is {mime_type}, not image/webp")
        limit = media_types.limit_for("sticker")
        if size > limit:
            raise rules.invalid(
                path,
                f"media {canonical} is {media_types.human_size(size)}, over the "
                f"{media_types.human_size(limit)} allowed for stickers",
            )
        return str(canonical)

    async def create_sticker(self, pack_id: str, fields: Mapping[str, Any], namespace: Any) -> int:
        """``POST .../stickers``: a new sticker at the pack's next index; returns the index."""
        _require_third_party(namespace)
        clean = rules.walk(fields, STICKER_RULES)
        if "image_data_id" not in clean:
            raise ApiError(1008, "Missing required parameter: image_data_id")
        async with self.sessions.begin() as session:
            if await repo.pack(session, pack_id) is None:
                raise _pack_missing(pack_id)
        image = await self._webp(clean["image_data_id"])
        async with self._writing() as session:
            pack = await repo.pack(session, pack_id, lock=True)
            if pack is None:  # deleted meanwhile
                raise _pack_missing(pack_id)
            if len(await repo.stickers(session, pack_id)) >= MAX_STICKERS:
                raise rules.invalid("stickers", f"a stickerpack holds at most {MAX_STICKERS}")
            index = pack.next_index
            pack.next_index = index + 1
            session.add(
                StickerRow(
                    id=self.new_id(),
                    pack_id=pack_id,
                    sticker_index=index,
                    image_data_id=image,
                    emojis=orjson.dumps(clean.get("emojis", [])).decode(),
                    created_at=self.clock.now(),
                )
            )
        return index

    async def update_sticker(
        self, pack_id: str, index: int, fields: Mapping[str, Any], namespace: Any
    ) -> None:
        """``PATCH .../stickers/{index}``: change the image and/or the emojis."""
        _require_third_party(namespace)
        clean = rules.walk(fields, STICKER_RULES)
        image = await self._webp(clean["image_data_id"]) if "image_data_id" in clean else None
        async with self._writing() as session:
            row = await _stored_sticker(session, pack_id, index)
            if image is not None:
                row.image_data_id = image
            if "emojis" in clean:
                row.emojis = orjson.dumps(clean["emojis"]).decode()

    async def delete_sticker(self, pack_id: str, index: int, namespace: Any) -> None:
        """``DELETE .../stickers/{index}``."""
        _require_third_party(namespace)
        async with self._writing() as session:
            row = await _stored_sticker(session, pack_id, index)
            await repo.delete_sticker(session, row)

    # -- sending -------------------------------------------------------------------------

    async def resolve_sticker(self, sticker_id: str) -> dict[str, Any] | None:
        """The media object a ``"sticker": {"id": ...}`` naming a pack sticker stands for
        (spec §10.7), or None when no pack has a sticker with this id (then the id is
        taken as a media id)."""
        async with self.sessions.begin() as session:
            row = await repo.sticker_by_id(session, sticker_id)
            image = None if row is None else row.image_data_id
        if image is not None:
            info = await self.media.resolve_id(image, "sticker")
            return {"id": info.id, "mime_type": info.mime_type, "sha256": info.sha256}
        try:
            packs = await self.catalogue()
        except ApiError:
            return None  # the network is away: the id cannot be a known first-party one
        for pack in packs:
            for sticker in pack["stickers"]:
                if sticker["id"] == sticker_id:
                    return {
                        "id": sticker["id"],
                        "mime_type": sticker["mime_type"],
                        "sha256": sticker["sha256"],
                    }
        return None
