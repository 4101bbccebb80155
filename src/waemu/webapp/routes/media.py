"""``/v1/media`` and ``/v1/media/{media-id}`` (spec §8): upload, download, delete; any user.

As in the real product, webapp and coreapp share the media folder (``WA_MEDIA_DIR``, the
``/usr/local/wamedia`` volume, spec §1.4): the webapp streams an upload into it under a
temporary name, hashing as it writes, and the coreapp checks, records and moves it. Only
the file's name, size, hash and type cross the internal socket, never its bytes. A download
is served straight from the folder.
"""

from __future__ import annotations

import asyncio
import os
import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu import media_files
from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.webapp.deps import Deps, User
from waemu.webapp.media_file import MediaFile

router = APIRouter(prefix="/v1/media", tags=["media"])


def new_upload_id() -> str:
    """The id an upload gets: a random UUID (spec §8.1 shows ``f043afd0-f0ae-…``)."""
    return str(uuid.uuid4())


async def _receive(request: Request, sink: media_files.FileSink) -> None:
    """Stream the body into ``sink`` (the edge middleware enforces the upload limit)."""
    try:
        async for chunk in request.stream():
            await sink.write(chunk)
        await sink.close()
    except OSError as exc:
        raise ApiError(1014, f"Upload failed: could not write the media file ({exc})") from None


@router.post("")
async def upload_media(request: Request, deps: Deps, principal: User) -> Response:
    """Store the raw body as media of its ``Content-Type``; 201 with its id (spec §8.1)."""
    content_type = request.headers.get("content-type", "").strip()
    if not content_type:
        raise ApiError(1008, "Missing required parameter: Content-Type (the media's MIME type)")
    media_id = new_upload_id()
    temp = media_files.temp_path(media_id)
    try:
        sink = await media_files.FileSink.open(deps.settings.media_dir, temp)
    except OSError as exc:
        # Meta's table: 1005 "Media directory is not writable (upload request)".
        raise ApiError(1005, f"Media directory is not writable: {exc}", 500) from None
    try:
        await _receive(request, sink)
        args = {
            "id": media_id,
            "mime_type": content_type,
            "size": sink.size,
            "sha256": sink.sha256,
            "path": temp,
        }
        await deps.core.call(ops.MEDIA_REGISTER, args, principal)
    except BaseException:
        # The coreapp removes what it refuses; this covers a failure on this side.
        await sink.discard()
        raise
    # 201, as spec §19 gap 1 settles (the unblu spec shows 200).
    return deps.envelope.ok({"media": [{"id": media_id}]}, status=201)


@router.get("/{media_id}")
async def download_media(media_id: str, deps: Deps, principal: User) -> Response:
    """The media's bytes with its ``Content-Type``; unknown id 404/1006 (spec §8.2)."""
    found = await deps.core.call(ops.MEDIA_GET, {"id": media_id}, principal)
    try:
        path = media_files.resolve(deps.settings.media_dir, str(found["path"]))
        stat = await asyncio.to_thread(os.stat, path)
    except (ValueError, FileNotFoundError):
        raise ApiError(1006, f"Media {media_id!r} not found: its file is missing") from None
    # The stored type verbatim (no charset added to text/*), and its length.
    return MediaFile(path, stat_result=stat, headers={"Content-Type": found["mime_type"]})


@router.delete("/{media_id}")
async def delete_media(media_id: str, deps: Deps, principal: User) -> Response:
    """Delete the media's record and file; unknown id 404/1006 (spec §8.3)."""
    await deps.core.call(ops.MEDIA_DELETE, {"id": media_id}, principal)
    return deps.envelope.ok()
