"""Downloading ``link`` media (spec §7.3): an http(s) URL, with a media provider's credentials.

The real coreapp downloads a message's ``link`` itself, adding the Basic or Bearer
credentials of the provider the message names (spec §9.3), and reports a failed download
asynchronously, in the message's ``failed`` status. This module does the download: bounded
connect/read/total timeouts, the per-type size limits of spec §8.4 (refused early on
``Content-Length``, and again while streaming), the media type from ``Content-Type`` (or,
when the server sends none or ``application/octet-stream``, from the URL's extension or the
first bytes). Every failure is a catalogue error: 1009 for a link that is not an http(s) URL
or names an unknown provider (the request itself is wrong, spec §7.10), 1014 "Internal
error" for a download that fails (the code Meta's table gives to media that cannot be
fetched: "Upload failed on bad image ... or endpoint not found"; docs/media.md).
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

from waemu.coreapp.services import media_types
from waemu.coreapp.services.media_providers import MediaProvider, MediaProvidersService
from waemu.errors import ApiError
from waemu.media_files import FileSink

MAX_URL_LENGTH = 2048
MAX_REDIRECTS = 5
GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream", "application/binary")
USER_AGENT = "WhatsApp/2.53.2 waemu-media-downloader"

# File extensions the downloader understands when the server names no useful type.
EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".3gp": "video/3gpp",
    ".aac": "audio/aac",
    ".m4a": "audio/mp4",
    ".amr": "audio/amr",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg; codecs=opus",
    ".opus": "audio/ogg; codecs=opus",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True, slots=True)
class LinkTimeouts:
    """Seconds allowed to connect, between two reads, and for the whole download."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 300.0


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A link's content, written to a temporary file of the media folder."""

    temp: str
    mime: media_types.MimeType
    size: int
    sha256: str


def failed(url: str, reason: str) -> ApiError:
    """The error of a download that did not succeed (1014, see the module docstring)."""
    shown = url if len(url) <= 200 else url[:200] + "…"
    return ApiError(1014, f"Media download failed for {shown}: {reason}")


def check_url(url: object) -> httpx.URL:
    """The link as a URL, or 400/1009 when it is not an absolute http(s) URL (spec §7.3)."""
    if not isinstance(url, str) or not url.strip():
        raise ApiError(1009, "Invalid value for link: must be an http:// or https:// URL")
    if len(url) > MAX_URL_LENGTH:
        raise ApiError(1009, f"Invalid value for link: longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError):
        raise ApiError(1009, f"Invalid value for link: {url[:200]!r} is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ApiError(
            1009,
            f"Invalid value for link: only http:// and https:// links are supported, "
            f"not {url[:200]!r}",
        )
    return parsed


def auth_header(provider: MediaProvider | None) -> dict[str, str]:
    """The ``Authorization`` header a provider's credentials make (spec §9.3)."""
    if provider is None:
        return {}
    if provider.bearer is not None:
        return {"Authorization": f"Bearer {provider.bearer}"}
    pair = f"{provider.username or ''}:{provider.password or ''}".encode()
    return {"Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show, for the types spec §8.4 lists."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS") and b"OpusHead" in head[:128]:
        return "audio/ogg; codecs=opus"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"3gp"):
            return "video/3gpp"
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    return None


def _declared_type(response: httpx.Response, url: httpx.URL) -> str | None:
    header = str(response.headers.get("content-type", "")).strip()
    if header and header.split(";", 1)[0].strip().lower() not in GENERIC_TYPES:
        return header
    return EXTENSIONS.get(PurePosixPath(url.path).suffix.lower())


class LinkDownloader:
    """Downloads links into the media folder with one pooled HTTP client."""

    def __init__(
        self,
        root: Path,
        providers: MediaProvidersService | None,
        timeouts: LinkTimeouts | None = None,
    ) -> None:
        self.root = root
        self.providers = providers
        self.timeouts = timeouts or LinkTimeouts()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect),
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
            )
        return self._client

    async def close(self) -> None:
        """Close the pooled connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def provider(self, name: object) -> MediaProvider | None:
        """The provider a message names, or 400/1009 when there is none by that name."""
        if name is None:
            return None
        if not isinstance(name, str) or not name:
            raise ApiError(1009, "Invalid value for provider.name: must be a non-empty string")
        found = None if self.providers is None else self.providers.provider(name)
        if found is None:
            raise ApiError(
                1009,
                f"Invalid value for provider.name: no media provider named {name!r} "
                "(see /v1/settings/application/media/providers)",
            )
        return found

    async def download(
        self, url: str, provider_name: str | None, temp: str, message_type: str | None
    ) -> Downloaded:
        """Download ``url`` to ``temp``; nothing is left there when it fails."""
        target = check_url(url)
        headers = auth_header(self.provider(provider_name))
        cap = media_types.limit_for(message_type) if message_type else None
        sink: FileSink | None = None
        declared: str | None = None
        head = b""
        try:
            async with (
                asyncio.timeout(self.timeouts.total),
                self._http().stream("GET", target, headers=headers) as response,
            ):
                if not response.is_success or response.status_code == 204:
                    reason = response.reason_phrase or "error"
                    raise failed(url, f"the server answered HTTP {response.status_code} {reason}")
                declared = _declared_type(response, target)
                if cap is None:
                    kind = "document"
                    if declared is not None:
                        kind = media_types.kind_of(self._supported(url, declared))
                    cap = media_types.limit_for(kind)
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > cap:
                    raise self._too_large(url, int(length), cap, message_type)
                sink = await FileSink.open(self.root, temp)
                async for chunk in response.aiter_bytes():
                    if sink.size + len(chunk) > cap:
                        raise self._too_large(url, sink.size + len(chunk), cap, message_type)
                    if len(head) < 128:
                        head += chunk[: 128 - len(head)]
                    await sink.write(chunk)
                await sink.close()
        except BaseException as exc:
            await self._discard(sink)
            why = self._reason(exc)
            if why is None:
                raise
            raise failed(url, why) from None
        assert sink is not None
        try:
            return self._finish(url, sink, declared or sniff(head), message_type)
        except BaseException:
            await sink.discard()
            raise

    def _finish(
        self, url: str, sink: FileSink, found: str | None, message_type: str | None
    ) -> Downloaded:
        if sink.size == 0:
            raise failed(url, "the server sent an empty body")
        mime = self._supported(url, found or GENERIC_TYPES[0])
        kind = message_type or media_types.kind_of(mime)
        if not media_types.accepts(kind, mime):
            raise failed(
                url,
                f"the link is {mime}, which cannot be sent as {kind} "
                f"(expects {media_types.expected_types(kind)})",
            )
        limit = media_types.limit_for(kind)
        if sink.size > limit:
            raise self._too_large(url, sink.size, limit, kind)
        return Downloaded(sink.relative, mime, sink.size, sink.sha256)

    def _reason(self, exc: BaseException) -> str | None:
        """Why a download failed, for the error details; None to let ``exc`` through."""
        if isinstance(exc, httpx.ConnectTimeout):
            return f"could not connect within {self.timeouts.connect:g} s"
        if isinstance(exc, httpx.TimeoutException):
            return f"the server sent nothing for {self.timeouts.read:g} s"
        if isinstance(exc, TimeoutError):
            return f"the download took longer than {self.timeouts.total:g} s"
        if isinstance(exc, httpx.HTTPError):
            return f"{type(exc).__name__}: {exc}"
        if isinstance(exc, OSError):
            return f"could not write the media file: {exc}"
        return None

    @staticmethod
    def _supported(url: str, header: str) -> media_types.MimeType:
        try:
            return media_types.supported(header)
        except ApiError as exc:
            raise failed(url, exc.details) from None

    @staticmethod
    def _too_large(url: str, size: int, limit: int, kind: str | None) -> ApiError:
        what = f"{kind} messages" if kind else "this media type"
        return failed(
            url,
            f"the media is larger than the {media_types.human_size(limit)} allowed for {what} "
            f"(got at least {media_types.human_size(size)})",
        )

    @staticmethod
    async def _discard(sink: FileSink | None) -> None:
        if sink is not None:
            await sink.discard()
