"""Images that a source file references, gathered into ``Media`` with safe, unique names.

    image_type(data) -> str | None              media type from the bytes (JPEG, PNG, GIF, WebP,
                                                AVIF); SVG is refused, it can carry script
    is_local_reference(ref) -> bool             a relative path, not a URL, '/…' or '#…'
    MediaCollector(base, source, root=None)
      .add(ref, field) -> str                   the media name for the image file ``ref``
                                                (relative to ``base``), read once per file
      .media -> tuple[Media, ...]               in the order first referenced
    import_root() -> Path | None                the folder being imported, while one is
    confined(items, root) -> Iterator            ``items`` read with ``import_root()`` = root
    inside_root(path, root) -> bool             ``path`` (symlinks resolved) is under ``root``
    (``items.outside_root`` turns a file found in the folder that leads out of it into a failure)
    with_origins(media, entries) -> tuple[Media, ...]
                                                the URLs that article.md's ``media_origins``
                                                lists ("name url") set on the named media

Only files inside the folder being imported are read: ``root`` when given, else
``import_root()`` (the importer sets it to the folder named on the command line while it
reads that folder's files), else ``base`` itself (a single file imported on its own: its own
folder). Every path is resolved, symlinks included, before the check, so ``../``, an
absolute path, a percent-encoded ``%2e%2e/`` or a symlink pointing elsewhere is refused with
an ``ArticleError`` naming the reference and the folder it must stay in.

A name is the file's stem slugified plus the extension of its real type ("Harbour Photo.JPEG"
-> "harbour-photo.jpg"); a second, different file with the same name gets "-2", "-3" … The same
file referenced twice is one Media. A missing or unreadable file, or one that is not an image,
raises ``ArticleError`` naming the reference and the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import unquote

from markdown_it.common.utils import unescapeAll

from permapress.articles.model import Media
from permapress.articles.slug import slugify
from permapress.errors import ArticleError

EXTENSIONS: Final = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
}
MAX_IMAGE_BYTES: Final = 50 * 1024 * 1024
ATTACHMENT_TYPES: Final = {
    ".html": "text/html",
    ".htm": "text/html",
    ".json": "application/json",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".warc.gz": "application/warc",  # the kept original of a web page (``warc``)
}
_SCHEME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ROOT: ContextVar[Path | None] = ContextVar("permapress_import_root", default=None)
T = TypeVar("T")


def import_root() -> Path | None:
    """The folder being imported while ``confined`` reads from it, else None."""
    return _ROOT.get()


def confined(items: Iterator[T], root: Path) -> Iterator[T]:
    """``items`` with ``import_root()`` set to ``root`` while each one is produced (and reset
    before it is handed on, so nothing leaks to the consumer between items)."""
    while True:
        token = _ROOT.set(root)
        try:
            item = next(items)
        except StopIteration:
            return
        finally:
            _ROOT.reset(token)
        yield item


def inside_root(path: Path, root: Path) -> bool:
    """True when ``path``, with every symlink resolved, is ``root`` or inside it."""
    try:
        real = path.resolve(strict=False)
        real_root = root.resolve(strict=False)
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return real.is_relative_to(real_root)


def image_type(data: bytes) -> str | None:
    """The media type of an image from its first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


def _looks_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<svg", b"<?xml")) and b"<svg" in head


def with_origins(media: tuple[Media, ...], entries: Sequence[str]) -> tuple[Media, ...]:
    """``media`` with ``origin`` set from "name url" entries (unknown names and entries that are
    not an http(s) URL are ignored: the origin is a record, never a reason to refuse)."""
    origins: dict[str, str] = {}
    for entry in entries:
        name, _, url = entry.strip().partition(" ")
        if url.strip().startswith(("http://", "https://")):
            origins[name] = url.strip()
    if not origins:
        return media
    return tuple(replace(m, origin=origins.get(m.name, m.origin)) for m in media)


def is_local_reference(ref: str) -> bool:
    """True for a relative file path: not a URL, not site-absolute, not a fragment."""
    ref = ref.strip()
    if not ref or ref.startswith(("/", "#", "?", "\\")):
        return False
    return _SCHEME_RE.match(ref) is None


def reference_path(ref: str) -> str:
    """The file path a Markdown/HTML reference names (unescaped, percent-decoded, no query)."""
    plain = unescapeAll(ref.strip())
    plain = re.split(r"[?#]", plain, maxsplit=1)[0]
    return unquote(plain)


class MediaCollector:
    """Collects the image files an article references; see the module docstring."""

    def __init__(self, base: Path, source: str, root: Path | None = None) -> None:
        self.base = base
        self.source = source
        self.root = root or import_root() or base
        self._by_path: dict[Path, Media] = {}
        self._names: set[str] = set()

    @property
    def media(self) -> tuple[Media, ...]:
        return tuple(self._by_path.values())

    def add(self, ref: str, field: str = "image") -> str:
        """Read the image ``ref`` names; return its media name."""
        relative = reference_path(ref)
        path = Path(self.base, relative)
        if Path(relative).is_absolute() or not inside_root(path, self.root):
            raise ArticleError(
                f"{field} '{ref}' is outside the folder being imported ({self.root}); "
                "copy the file into that folder and refer to it from there",
                source=self.source,
            )
        try:
            key = path.resolve()
        except (OSError, RuntimeError):
            key = path.absolute()
        known = self._by_path.get(key)
        if known is not None:
            return known.name
        if not path.is_file():
            raise ArticleError(
                f"{field} '{ref}' is not a file beside the article (looked for {path})",
                source=self.source,
            )
        try:
            size = key.stat().st_size  # the resolved file, the one checked above
            if size > MAX_IMAGE_BYTES:
                raise ArticleError(
                    f"{field} '{ref}' is {size // (1024 * 1024)} MiB; the limit is "
                    f"{MAX_IMAGE_BYTES // (1024 * 1024)} MiB",
                    source=self.source,
                )
            data = key.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ArticleError(f"{field} '{ref}' cannot be read ({reason})", self.source) from None
        media_type = image_type(data)
        if media_type is None:
            kind = "an SVG file (SVG can carry script)" if _looks_svg(data) else "not an image"
            raise ArticleError(
                f"{field} '{ref}' is {kind}; use a JPEG, PNG, GIF, WebP or AVIF image",
                source=self.source,
            )
        name = self._unique_name(path, media_type)
        item = Media(name=name, data=data, media_type=media_type)
        self._by_path[key] = item
        self._names.add(name)
        return name

    def add_attachment(self, name: str) -> bool:
        """Attach ``media/<name>`` beside the source as it is (name and bytes kept): files an
        exported article.md lists under ``media:`` that its text does not show, such as the
        original page of an imported web article. False when there is no such file."""
        if not name or "/" in name or "\\" in name or name.startswith(".") or name in self._names:
            return False
        path = Path(self.base, "media", name)
        if not path.is_file():
            return False
        if not inside_root(path, self.root):
            raise ArticleError(
                f"media '{name}' is outside the folder being imported ({self.root}); "
                "copy the file into that folder",
                source=self.source,
            )
        try:
            data = path.resolve().read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ArticleError(f"media '{name}' cannot be read ({reason})", self.source) from None
        if _looks_svg(data):
            raise ArticleError(f"media '{name}' is an SVG file (SVG can carry script)", self.source)
        suffix = ".warc.gz" if name.lower().endswith(".warc.gz") else Path(name).suffix.lower()
        media_type = image_type(data) or ATTACHMENT_TYPES.get(suffix, "application/octet-stream")
        self._by_path[path.absolute()] = Media(name=name, data=data, media_type=media_type)
        self._names.add(name)
        return True

    def ordered(self, names: list[str]) -> tuple[Media, ...]:
        """The media with those named first, in that order, then the rest as referenced."""
        rank = {name: i for i, name in enumerate(names)}
        return tuple(sorted(self.media, key=lambda m: rank.get(m.name, len(rank))))

    def _unique_name(self, path: Path, media_type: str) -> str:
        stem = slugify(path.stem, max_length=60)
        extension = EXTENSIONS[media_type]
        name = f"{stem}.{extension}"
        number = 2
        while name in self._names:
            name = f"{stem}-{number}.{extension}"
            number += 1
        return name
