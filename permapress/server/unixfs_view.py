"""Deserialized UnixFS responses for the path gateway: files, directories, symlinks.

    UnixFSView(blocks, files, resolve).view(info, cid_text, segments, resolved, foreign=False)
    serve_file(info, files, resolved, name, etag, pairs, segments=…, foreign=…)
                                                    -> Response  (also used by the site)
    directory_redirect(prefix, segments, query_string) -> Prepared       301 to the slash form

- a directory asked for without the trailing slash: 301 to the same path with it (query kept);
- a directory with ``index.html``: that file, with the directory's CID as Etag (as kubo does);
- a directory without it: an HTML listing (``pages.directory_listing``), Etag
  ``"DirIndex-<listing version>_CID-<cid>"`` and a one-week Cache-Control, because the markup may
  change with a new version of permapress while the content cannot;
- a file or raw block: its bytes; Content-Type from the name (last path segment, or
  ``?filename=``) then sniffing; ``?filename=``/``?download=true`` set Content-Disposition;
  single HTTP ranges (the first of several) give 206, unsatisfiable ones 416;
- a symlink: its target path as ``text/plain`` (kubo does not follow symlinks either);
- other UnixFS node types (metadata): 501.

Files up to ``FileReader.small`` bytes are read whole (and cached); larger ones are streamed, and
a range of a large file reads only the blocks that hold it.

What may render on our origin: every file carries ``responses.POLICY`` (no scripts, a sandbox
that stops ``<meta http-equiv=refresh>``), but for the site's search page (``search/index.html``
at a root), which carries ``responses.SCRIPTED`` (our own scripts only), the reader's verifier
(``verify/index.html``: ``responses.VERIFIER``, only its own inline script, by hash) and article
pages (``articles/<slug>/index.html``: ``responses.ARTICLE``, our scripts and fetches from our
origin, for the badge that checks the page's own CAR; ``.car`` files carry CORS headers, as the
page's sandbox gives it an opaque origin) (``page_policy``); those two only when the page is
small enough to be read whole and holds no ``http-equiv`` but a Content-Security-Policy one, as
a sandbox that allows scripts would also let a stored ``<meta http-equiv=refresh>`` redirect.
Markup (HTML, XHTML,
SVG, XML) that is not one of the newsroom's own pages is sent as an attachment with
``responses.ISOLATED``, whatever ``?filename=`` or ``?download=false`` say: a file inside a
``media/`` folder (the originals an article keeps as evidence, such as an imported page's
``source.html``), the kept originals by name
(``source.html``, ``source.warc.gz``, ``source.json``) anywhere, and a file asked for by its bare
CID (which could be any of those). ``foreign`` content (see ``gateway.py``) is always an
``application/octet-stream`` attachment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from permapress import sitepaths as paths
from permapress.errors import GatewayError
from permapress.ipfs import reader
from permapress.ipfs.blockstore import Blockstore, identity_data
from permapress.ipfs.cid import CID
from permapress.server.content import content_type
from permapress.server.files import FileReader
from permapress.server.negotiate import etag_matches, parse_range
from permapress.server.pages import LISTING_VERSION, directory_listing
from permapress.server.request import Pairs, RequestInfo, bytes_response, ipfs_headers
from permapress.server.resolve import Resolved
from permapress.server.responses import (
    ARTICLE,
    CORS_HEADERS,
    IMMUTABLE,
    ISOLATED,
    LISTING,
    POLICY,
    SCRIPTED,
    SCRIPTED_PAGES,
    VERIFIER,
    Prepared,
    content_disposition,
)

REDIRECT_CACHE = "public, max-age=3600"

ORIGINAL_NAMES: Final = frozenset({"source.html", "source.warc.gz", "source.json"})
_MARKUP: Final = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)


def is_markup(media_type: str) -> bool:
    """Could a browser render this type as a document that navigates or loads things?"""
    base = media_type.split(";", 1)[0].strip().lower()
    return base in _MARKUP or base.endswith("+xml")


_VERIFY_PAGE = tuple(paths.VERIFY_PAGE.split("/"))


def page_policy(path: tuple[str, ...]) -> str:
    """The Content-Security-Policy of a file of the site at ``path`` (see the module docstring)."""
    if path in SCRIPTED_PAGES:
        return SCRIPTED
    if path == _VERIFY_PAGE:
        return VERIFIER
    if len(path) == 3 and "/".join(path) == paths.article_page(path[1]):
        return ARTICLE
    return POLICY


def _no_refresh(page: bytes | None) -> bool:
    """Is ``page`` read whole and without any ``http-equiv`` but a Content-Security-Policy one?
    (An attribute name cannot hide behind character references; its value could.)"""
    if page is None:
        return False
    return len(_EQUIV.findall(page)) == page.count(b'http-equiv="Content-Security-Policy"')


_EQUIV: Final = re.compile(rb"http-equiv", re.IGNORECASE)


def not_ours(segments: Sequence[str], media_type: str) -> bool:
    """Is this file one that must not render on our origin (see the module docstring)?"""
    if segments and segments[-1] in ORIGINAL_NAMES:
        return True
    if not is_markup(media_type):
        return False
    return not segments or "media" in segments[:-1]  # a bare CID may name any file


def directory_redirect(
    prefix: str,
    segments: tuple[str, ...],
    query_string: str,
    extra: Sequence[tuple[str, str]] = (),
) -> Prepared:
    """301 to ``prefix`` + the percent-encoded segments + ``/``, keeping the query string."""
    location = prefix + "".join("/" + quote(segment, safe="") for segment in segments) + "/"
    if query_string:
        location += "?" + query_string
    pairs = [("location", location), ("cache-control", REDIRECT_CACHE), *extra]
    return Prepared.build(301, pairs, cacheable=True)


def serve_file(
    info: RequestInfo,
    files: FileReader,
    resolved: Resolved,
    name: str | None,
    etag: str,
    pairs: Pairs,
    *,
    segments: Sequence[str] = ("",),
    foreign: bool = False,
) -> Response:
    """The bytes of a UnixFS file or raw block, with Range, 304 and HEAD handled.

    ``segments`` is the path that named the file (empty for a bare CID), ``foreign`` marks
    content that is not the newsroom's (see the module docstring).
    """
    filename = info.query.get("filename")
    download = info.query.get("download") == "true"
    size = resolved.size or 0
    span = parse_range(info.range, size) if info.range else None
    whole = files.whole(resolved) if span is None else files.cached(resolved.cid)
    head = whole[:512] if whole is not None else files.head(resolved)
    media_type = content_type(filename or name, head, complete=whole is not None)
    policy = page_policy(tuple(segments))
    if policy in (VERIFIER, ARTICLE) and not _no_refresh(whole):
        policy = POLICY  # scripts would also let a stored <meta http-equiv=refresh> work
    if (name or "").endswith(".car") and all(k != CORS_HEADERS[0][0] for k, _v in pairs):
        pairs = [*pairs, *CORS_HEADERS]  # public downloads: the article page's badge reads its own
    shown_name = filename or name or str(resolved.cid)
    if foreign or not_ours(segments, media_type):
        if foreign:
            media_type = "application/octet-stream"
        policy = ISOLATED
        pairs = [*pairs, ("content-disposition", content_disposition("attachment", shown_name))]
    elif filename or download:
        kind = "attachment" if download else "inline"
        pairs = [*pairs, ("content-disposition", content_disposition(kind, shown_name))]
    pairs = [
        ("content-type", media_type),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", policy),
        *pairs,
    ]
    if whole is not None:
        return bytes_response(info, pairs, whole, etag)
    if etag_matches(info.if_none_match, etag):
        return Prepared.build(304, pairs, etag=etag)
    if span == "unsatisfiable":
        return Prepared.build(
            416, [*pairs, ("content-range", f"bytes */{size}"), ("accept-ranges", "bytes")]
        )
    status, start, end = 200, 0, size
    if span is not None:
        status, start, end = 206, span.start, span.end
        pairs = [*pairs, ("content-range", span.content_range(size))]
    pairs = [*pairs, ("accept-ranges", "bytes")]
    if info.head:
        return Prepared.build(status, pairs, length=end - start, etag=etag)
    if end - start <= files.small:
        body = b"".join(files.stream(resolved, start, end))
        return Prepared.build(status, pairs, body, etag=etag)
    pairs = [*pairs, ("etag", etag), ("content-length", str(end - start))]
    return StreamingResponse(files.stream(resolved, start, end), status, headers=dict(pairs))


class UnixFSView:
    def __init__(
        self,
        blocks: Blockstore,
        files: FileReader,
        resolve: Callable[[CID, tuple[str, ...]], Resolved],
    ) -> None:
        self.blocks = blocks
        self.files = files
        self.resolve = resolve

    def view(
        self,
        info: RequestInfo,
        cid_text: str,
        segments: tuple[str, ...],
        resolved: Resolved,
        *,
        foreign: bool = False,
    ) -> Response:
        if resolved.is_directory:
            if not info.path.endswith("/"):
                prefix = "/ipfs/" + quote(cid_text, safe="")
                return directory_redirect(prefix, segments, info.query_string, list(CORS_HEADERS))
            try:
                index = self.resolve(resolved.roots[0], (*segments, "index.html"))
            except GatewayError as exc:
                if exc.status != 404:
                    raise
                return self.listing(info, cid_text, segments, resolved)
            if index.kind in ("file", "raw"):
                pairs = ipfs_headers(info, resolved.roots, IMMUTABLE)
                return serve_file(
                    info, self.files, index, "index.html", f'"{resolved.cid}"', pairs,
                    segments=(*segments, "index.html"),
                    foreign=foreign or identity_data(index.cid) is not None,
                )
            return self.listing(info, cid_text, segments, resolved)
        pairs = ipfs_headers(info, resolved.roots, IMMUTABLE)
        etag = f'"{resolved.cid}"'
        if resolved.kind in ("file", "raw"):
            return serve_file(info, self.files, resolved, segments[-1] if segments else None,
                              etag, pairs, segments=segments, foreign=foreign)
        if resolved.kind == "symlink":
            target = self.files.symlink_target(resolved.cid)
            pairs = [("content-type", "text/plain; charset=utf-8"),
                     ("x-content-type-options", "nosniff"), *pairs]
            return bytes_response(info, pairs, target, etag)
        raise GatewayError(
            501, f"{resolved.cid} is a UnixFS {resolved.kind} node, which cannot be shown"
        )

    def listing(
        self, info: RequestInfo, cid_text: str, segments: tuple[str, ...], resolved: Resolved
    ) -> Response:
        etag = f'"DirIndex-{LISTING_VERSION}_CID-{resolved.cid}"'
        pairs = [
            ("content-type", "text/html; charset=utf-8"),
            *ipfs_headers(info, resolved.roots, LISTING),
        ]
        if etag_matches(info.if_none_match, etag):
            return Prepared.build(304, pairs, etag=etag)
        entries = reader.list_directory(resolved.cid, self.blocks.get)
        page = directory_listing(cid_text, segments, entries)
        return bytes_response(info, pairs, page, etag, ranges=False)

