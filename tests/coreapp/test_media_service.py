"""MediaService: ids for messages, link downloads against a real HTTP server, inbound media."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from tests.coreapp.http_server import Answer, HttpServer
from tests.databases import database_env
from waemu import media_files
from waemu.clock import ManualClock
from waemu.coreapp.services.media import MediaInfo, MediaService
from waemu.coreapp.services.media_links import LinkTimeouts
from waemu.coreapp.services.media_providers import MediaProvidersService
from waemu.errors import ApiError
from waemu.settings import Settings
from waemu.storage import engine as db_engine
from waemu.storage import migrate

MB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 2000
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x02" * 2000
PDF = b"%PDF-1.7\n" + b"x" * 2000
FAST = LinkTimeouts(connect=2.0, read=0.3, total=1.5)


@asynccontextmanager
async def running_service(
    env: dict[str, str], root: Path, timeouts: LinkTimeouts = FAST
) -> AsyncIterator[MediaService]:
    """A MediaService on a fresh database, with real media providers; dropped afterwards."""
    settings = Settings.from_env(env)
    await db_engine.wait_and_create_database(settings.db)
    engine = db_engine.create_engine(settings.db)
    service: MediaService | None = None
    try:
        await migrate.upgrade(engine)
        sessions = db_engine.session_factory(engine)
        clock = ManualClock()
        providers = MediaProvidersService(sessions, clock)
        await providers.load()
        service = MediaService(sessions, clock, root, providers, timeouts=timeouts)
        await service.load()
        yield service
    finally:
        if service is not None:
            await service.close()
        await engine.dispose()
        await db_engine.drop_database(settings.db)


@pytest.fixture
async def media(db_env: dict[str, str], tmp_path: Path) -> AsyncIterator[MediaService]:
    """The service on each database engine."""
    async with running_service(db_env, tmp_path / "media") as service:
        yield service


@pytest.fixture
async def sqlite_media(tmp_path: Path) -> AsyncIterator[MediaService]:
    """The service on SQLite (for the downloader, which does not depend on the engine)."""
    async with running_service(database_env("sqlite", tmp_path), tmp_path / "media") as service:
        yield service


@pytest.fixture
async def server() -> AsyncIterator[HttpServer]:
    """A real HTTP server on 127.0.0.1."""
    async with HttpServer() as running:
        yield running


@contextmanager
def refused(code: int, details: str, status: int | None = None) -> Iterator[None]:
    """The block raises the catalogue error ``code`` whose details contain ``details``."""
    with pytest.raises(ApiError) as caught:
        yield
    assert caught.value.code == code, caught.value
    assert details in caught.value.details, caught.value.details
    if status is not None:
        assert caught.value.http_status == status


def files_in(service: MediaService) -> list[str]:
    """Every file of the media folder, relative."""
    if not service.root.exists():
        return []
    return sorted(str(p.relative_to(service.root)) for p in service.root.rglob("*") if p.is_file())


async def upload(service: MediaService, data: bytes, mime: str) -> MediaInfo:
    """What ``POST /v1/media`` does: the webapp writes ``tmp/``, the coreapp registers it."""
    media_id = str(uuid.uuid4())
    temp = media_files.temp_path(media_id)
    size, digest = await media_files.write_file(service.root, temp, data)
    return await service.register(media_id, mime, size, digest, temp)


# -- resolve_id ----------------------------------------------------------------------


async def test_resolve_id_returns_the_media_and_marks_it_used(media: MediaService) -> None:
    info = await upload(media, JPEG, "image/jpeg")
    assert info.last_used_at is None
    assert isinstance(media.clock, ManualClock)
    media.clock.advance(90)
    resolved = await media.resolve_id(info.id, "image")
    assert (resolved.id, resolved.mime_type, resolved.size) == (info.id, "image/jpeg", len(JPEG))
    assert resolved.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert resolved.last_used_at == info.created_at + timedelta(seconds=90)
    assert (await media.info(info.id)).last_used_at == resolved.last_used_at
    assert await media.read(resolved) == JPEG
    assert media.path(resolved).read_bytes() == JPEG


@pytest.mark.parametrize("media_id", [str(uuid.uuid4()), "nonsense", str(uuid.uuid4()).upper()])
async def test_resolve_id_of_unknown_media_is_not_found(media: MediaService, media_id: str) -> None:
    with refused(1006, f"Media {media_id!r} not found", 404):
        await media.resolve_id(media_id)


async def test_resolve_id_of_media_whose_file_vanished_is_not_found(
    media: MediaService,
) -> None:
    info = await upload(media, PDF, "application/pdf")
    media.path(info).unlink()
    with refused(1006, "its file is missing", 404):
        await media.resolve_id(info.id)


WRONG_TYPE: list[tuple[bytes, str, str, str]] = [
    (PDF, "application/pdf", "image", "is application/pdf, which cannot be sent as image"),
    (JPEG, "image/jpeg", "sticker", "(expects image/webp)"),
    (WEBP, "image/webp", "image", "(expects image/jpeg or image/png)"),
    (JPEG, "image/jpeg", "audio", "cannot be sent as audio"),
    (PDF, "application/pdf", "video", "(expects video/mp4 or video/3gpp)"),
]


@pytest.mark.parametrize(
    ("data", "mime", "message_type", "details"), WRONG_TYPE, ids=[w[2] for w in WRONG_TYPE]
)
async def test_resolve_id_for_the_wrong_message_type_is_invalid(
    sqlite_media: MediaService, data: bytes, mime: str, message_type: str, details: str
) -> None:
    info = await upload(sqlite_media, data, mime)
    with refused(1009, f"Invalid value for {message_type}.id: media {info.id}", 400):
        await sqlite_media.resolve_id(info.id, message_type)
    with refused(1009, details):
        await sqlite_media.resolve_id(info.id, message_type)
    assert (await sqlite_media.info(info.id)).last_used_at is None


async def test_any_media_may_be_sent_as_a_document(sqlite_media: MediaService) -> None:
    for data, mime in ((JPEG, "image/jpeg"), (PDF, "application/pdf"), (WEBP, "image/webp")):
        info = await upload(sqlite_media, data, mime)
        assert (await sqlite_media.resolve_id(info.id, "document")).id == info.id


async def test_media_over_the_type_limit_is_invalid(sqlite_media: MediaService) -> None:
    big = await upload(sqlite_media, b"\xff\xd8\xff" + os.urandom(5 * MB), "image/jpeg")
    with refused(1009, "is 5 MB, over the 5 MB allowed for image messages", 400):
        await sqlite_media.resolve_id(big.id, "image")
    sticker = await upload(sqlite_media, WEBP + b"\x00" * 100 * 1024, "image/webp")
    with refused(1009, "over the 100 KB allowed for sticker messages"):
        await sqlite_media.resolve_id(sticker.id, "sticker")
    assert (await sqlite_media.resolve_id(big.id, "document")).size > 5 * MB


def test_limits_follow_the_spec(tmp_path: Path) -> None:
    service = MediaService(None, ManualClock(), tmp_path)  # type: ignore[arg-type]
    limits = {kind: service.limit_for(kind) for kind in ("image", "audio", "video", "document")}
    assert limits == {"image": 5 * MB, "audio": 16 * MB, "video": 16 * MB, "document": 100 * MB}
    assert service.limit_for("sticker") == 100 * 1024
    with refused(1009, "'text' is not a media message type"):
        service.limit_for("text")


# -- register and store_incoming -----------------------------------------------------


async def test_register_refuses_a_uuid_conflict_and_keeps_the_first(
    media: MediaService,
) -> None:
    first = await upload(media, JPEG, "image/jpeg")
    temp = media_files.temp_path("second")
    size, digest = await media_files.write_file(media.root, temp, PNG)
    with refused(1004, f"Media {first.id} already exists", 409):
        await media.register(first.id, "image/png", size, digest, temp)
    assert files_in(media) == [first.path]
    assert await media.read(await media.info(first.id)) == JPEG


async def test_register_of_an_unsupported_type_removes_the_file(
    sqlite_media: MediaService,
) -> None:
    temp = media_files.temp_path("x")
    size, digest = await media_files.write_file(sqlite_media.root, temp, b"GIF89a")
    with refused(1009, "Unsupported image type image/gif", 400):
        await sqlite_media.register(str(uuid.uuid4()), "image/gif", size, digest, temp)
    assert files_in(sqlite_media) == []


async def test_register_refuses_paths_outside_tmp(sqlite_media: MediaService) -> None:
    outside = sqlite_media.root / "outgoing" / "keep"
    outside.parent.mkdir(parents=True)
    outside.write_bytes(b"keep me")
    for path in ("outgoing/keep", "../x.part", "tmp/../outgoing/keep"):
        with refused(1009, "not a temporary upload file"):
            await sqlite_media.register(str(uuid.uuid4()), "image/png", 7, "0" * 64, path)
    assert outside.read_bytes() == b"keep me"


async def test_store_incoming_keeps_customer_media(media: MediaService) -> None:
    voice = b"OggS" + b"\x00" * 24 + b"OpusHead" + os.urandom(3000)
    info = await media.store_incoming(voice, "audio/ogg; codecs=opus")
    assert (info.direction, info.mime_type, info.kind) == (
        "incoming",
        "audio/ogg; codecs=opus",
        "audio",
    )
    assert info.path == f"incoming/{info.id[:2]}/{info.id}"
    assert info.sha256 == hashlib.sha256(voice).hexdigest()
    assert await media.read(await media.resolve_id(info.id, "audio")) == voice
    with refused(1009, "is not a MIME type"):
        await media.store_incoming(b"x", "voice")


async def test_abandoned_temporary_files_are_swept_on_load(sqlite_media: MediaService) -> None:
    old = sqlite_media.root / "tmp" / "old.part"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"left by a crash")
    os.utime(old, (1, 1))
    fresh = sqlite_media.root / "tmp" / "fresh.part"
    fresh.write_bytes(b"being written")
    await sqlite_media.load()
    assert files_in(sqlite_media) == ["tmp/fresh.part"]


# -- fetch_link against a real HTTP server -------------------------------------------


async def test_fetch_link_downloads_and_stores_the_media(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    server.answers["/pics/cat.jpg"] = Answer(body=JPEG, content_type="image/jpeg")
    info = await sqlite_media.fetch_link(server.url("/pics/cat.jpg"), message_type="image")
    assert (info.mime_type, info.size, info.direction) == ("image/jpeg", len(JPEG), "outgoing")
    assert info.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert await sqlite_media.read(info) == JPEG
    assert files_in(sqlite_media) == [info.path]
    assert "authorization" not in server.seen[0].headers
    assert (await sqlite_media.resolve_id(info.id, "image")).id == info.id


async def test_fetch_link_tells_the_type_from_extension_or_content(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    server.answers["/a/b.png"] = Answer(body=PNG, content_type="application/octet-stream")
    server.answers["/blob"] = Answer(body=PDF, content_type=None)
    server.answers["/moved"] = Answer(302, headers={"Location": "/a/b.png"})
    assert (await sqlite_media.fetch_link(server.url("/a/b.png"))).mime_type == "image/png"
    assert (await sqlite_media.fetch_link(server.url("/blob"))).mime_type == "application/pdf"
    moved = await sqlite_media.fetch_link(server.url("/moved"), message_type="image")
    assert await sqlite_media.read(moved) == PNG


async def test_fetch_link_sends_basic_credentials_of_the_provider(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    providers = sqlite_media.links.providers
    assert providers is not None
    basic = {"username": "media-user", "password": "s3cret:pass"}
    await providers.set([{"name": "files", "type": "www", "config": {"basic": basic}}])
    server.answers["/private.pdf"] = Answer(body=PDF, content_type="application/pdf")
    await sqlite_media.fetch_link(server.url("/private.pdf"), "files", message_type="document")
    expected = base64.b64encode(b"media-user:s3cret:pass").decode()
    assert server.seen[-1].headers["authorization"] == f"Basic {expected}"


async def test_fetch_link_sends_the_bearer_token_of_the_provider(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    providers = sqlite_media.links.providers
    assert providers is not None
    await providers.set([{"name": "cdn", "type": "www", "config": {"bearer": "tok-123"}}])
    server.answers["/v.mp4"] = Answer(body=b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    info = await sqlite_media.fetch_link(server.url("/v.mp4"), "cdn")
    assert server.seen[-1].headers["authorization"] == "Bearer tok-123"
    assert info.kind == "video"


async def test_fetch_link_with_an_unknown_provider_is_invalid(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    with refused(1009, "no media provider named 'nobody'", 400):
        await sqlite_media.fetch_link(server.url("/x.jpg"), "nobody")
    assert server.seen == []
    with refused(1009, "no media provider named 'nobody'"):
        sqlite_media.check_link(server.url("/x.jpg"), "nobody")


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/cat.jpg", "file:///etc/passwd", "cat.jpg", "", "http://"]
)
async def test_fetch_link_of_a_non_http_url_is_invalid(
    sqlite_media: MediaService, url: str
) -> None:
    with refused(1009, "Invalid value for link", 400):
        await sqlite_media.fetch_link(url)
    with refused(1009, "Invalid value for link"):
        sqlite_media.check_link(url)
    assert files_in(sqlite_media) == []


async def test_fetch_link_answered_with_404_fails(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    url = server.url("/missing.jpg")
    with refused(1014, f"Media download failed for {url}: the server answered HTTP 404", 500):
        await sqlite_media.fetch_link(url)
    assert files_in(sqlite_media) == []


async def test_fetch_link_of_a_silent_server_times_out(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    server.answers["/slow.jpg"] = Answer(body=JPEG, content_type="image/jpeg", delay_headers=2)
    with refused(1014, "the server sent nothing for 0.3 s", 500):
        await sqlite_media.fetch_link(server.url("/slow.jpg"))
    assert files_in(sqlite_media) == []


async def test_fetch_link_of_a_trickling_server_hits_the_total_timeout(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    server.answers["/drip.pdf"] = Answer(
        body=PDF, content_type="application/pdf", chunk_size=200, delay_chunks=0.2
    )
    with refused(1014, "the download took longer than 1.5 s", 500):
        await sqlite_media.fetch_link(server.url("/drip.pdf"))
    assert files_in(sqlite_media) == []


async def test_fetch_link_refuses_a_declared_length_over_the_limit(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    body = b"\xff\xd8\xff" + os.urandom(5 * MB)
    server.answers["/huge.jpg"] = Answer(body=body, content_type="image/jpeg")
    with refused(1014, "larger than the 5 MB allowed for image messages", 500):
        await sqlite_media.fetch_link(server.url("/huge.jpg"), message_type="image")
    # Without a message type, the limit is the one of the type the server announces.
    with refused(1014, "larger than the 5 MB allowed for this media type"):
        await sqlite_media.fetch_link(server.url("/huge.jpg"))
    assert files_in(sqlite_media) == []


async def test_fetch_link_stops_a_stream_over_the_limit(
    sqlite_media: MediaService, server: HttpServer
) -> None:
    body = WEBP + os.urandom(200 * 1024)
    server.answers["/sticker"] = Answer(
        body=body, content_type="image/webp", chunked=True, chunk_size=16 * 1024
    )
    with refused(1014, "larger than the 100 KB allowed for sticker messages", 500):
        await sqlite_media.fetch_link(server.url("/sticker"), message_type="sticker")
    assert files_in(sqlite_media) == []
    small = WEBP + b"\x00" * 1000
    server.answers["/small-sticker"] = Answer(body=small, content_type="image/webp", chunked=True)
    info = await sqlite_media.fetch_link(server.url("/small-sticker"), message_type="sticker")
    assert await sqlite_media.read(info) == small


FAILED_TYPES: list[tuple[str | None, bytes, str | None, str]] = [
    ("audio/ogg", b"OggS vorbis", None, "only Opus audio is supported in Ogg"),
    ("image/gif", b"GIF89a", None, "Unsupported image type image/gif"),
    ("application/pdf", PDF, "image", "is application/pdf, which cannot be sent as image"),
    ("image/jpeg", b"", None, "the server sent an empty body"),
]


@pytest.mark.parametrize(
    ("content_type", "body", "message_type", "details"),
    FAILED_TYPES,
    ids=[f[3] for f in FAILED_TYPES],
)
async def test_fetch_link_of_unusable_content_fails(
    sqlite_media: MediaService,
    server: HttpServer,
    content_type: str | None,
    body: bytes,
    message_type: str | None,
    details: str,
) -> None:
    server.answers["/file"] = Answer(body=body, content_type=content_type)
    with refused(1014, details, 500):
        await sqlite_media.fetch_link(server.url("/file"), message_type=message_type)
    assert files_in(sqlite_media) == []


async def test_fetch_link_to_a_closed_port_fails(sqlite_media: MediaService) -> None:
    async with HttpServer() as gone:
        url = gone.url("/x.jpg")
    with refused(1014, "ConnectError", 500):
        await sqlite_media.fetch_link(url)
