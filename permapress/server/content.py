"""Content-Type of a served file: from its name's extension, else sniffed from its first bytes.

    content_type(name, head, complete=False) -> str

``name`` is the last path segment (or a ``?filename=``), ``head`` the first bytes of the file
(512 are enough). The extension table is Python's built-in one (never the machine's
``/etc/mime.types``, so every host answers the same) with the web types it lacks or gets wrong.
Text types carry ``charset=utf-8``. A whole file that parses as a JSON object or array is
``application/json`` (kubo's sniffer does the same). Sniffing follows the spirit of the WHATWG
MIME sniffing standard: well-known magic numbers, markup that starts like HTML/XML/SVG, then
plain text when no binary control bytes appear, else ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes
from typing import Final

from permapress import jsonsafe

_TABLE: Final = mimetypes.MimeTypes(filenames=())

_OVERRIDES: Final[dict[str, str]] = {
    ".car": "application/vnd.ipld.car",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".wasm": "application/wasm",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".xml": "application/xml",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".ico": "image/vnd.microsoft.icon",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
}

_TEXTUAL_APPLICATION: Final = {
    "application/javascript",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/xhtml+xml",
    "image/svg+xml",
}

_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b\x08", "application/gzip"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
    (b"\x00asm", "application/wasm"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
)

_HTML_STARTS: Final = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<h1", b"<div",
    b"<font", b"<table", b"<a", b"<style", b"<title", b"<b", b"<br", b"<p", b"<!--",
)

_BINARY_BYTES: Final = frozenset(range(0x00, 0x09)) | {0x0B, 0x0E, 0x0F} | frozenset(
    range(0x10, 0x1B)
) | frozenset(range(0x1C, 0x20))


def _with_charset(media_type: str) -> str:
    if media_type.startswith("text/") or media_type in _TEXTUAL_APPLICATION:
        return f"{media_type}; charset=utf-8"
    return media_type


def by_extension(name: str) -> str | None:
    """The media type for a file name's extension, or None when it has no known one."""
    dot = name.rfind(".")
    if dot <= 0 and not name.startswith("."):
        return None
    ext = name[dot:].lower()
    known = _OVERRIDES.get(ext)
    if known is None:
        known = _TABLE.types_map[1].get(ext)
    return _with_charset(known) if known else None


def sniff(head: bytes) -> str:
    """The media type suggested by the first bytes of a file."""
    if not head:
        return "text/plain; charset=utf-8"
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c")
    lower = text[:64].lower()
    for start in _HTML_STARTS:
        if lower.startswith(start) and len(lower) > len(start) and lower[len(start)] in b" >":
            return "text/html; charset=utf-8"
    if lower.startswith(b"<svg"):
        return "image/svg+xml"
    if lower.startswith(b"<?xml"):
        return "text/xml; charset=utf-8" if b"<svg" not in text[:512].lower() else "image/svg+xml"
    if any(byte in _BINARY_BYTES for byte in head[:512]):
        return "application/octet-stream"
    return "text/plain; charset=utf-8"


def _is_json(data: bytes) -> bool:
    start = data.lstrip(b" \t\r\n")[:1]
    if start not in (b"{", b"["):
        return False
    try:
        jsonsafe.loads(data)
    except ValueError:  # not JSON, or nested past Python's limit: not served as JSON
        return False
    return True


def content_type(name: str | None, head: bytes, *, complete: bool = False) -> str:
    """Extension first, then sniffing; see the module docstring.

    ``complete`` says ``head`` is the whole file: then a JSON document is recognised too
    (``application/json``), which a prefix alone cannot prove.
    """
    if name:
        known = by_extension(name)
        if known:
            return known
    if complete and _is_json(head):
        return "application/json"
    return sniff(head)
