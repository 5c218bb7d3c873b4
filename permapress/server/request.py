"""The request facts the gateway needs, and the response shapes every view shares.

    RequestInfo.from_request(request) -> RequestInfo   (read once, in the event loop)
    ipfs_headers(info, roots, cache_control)           Vary, X-Ipfs-Path, X-Ipfs-Roots,
                                                       Cache-Control and the CORS headers
    bytes_response(info, pairs, body, etag, ...)       a complete body with Range (206/416),
                                                       If-None-Match (304) and HEAD handled

``RequestInfo.path`` is the percent-decoded path after ``/ipfs/`` (``"<cid>/a/b/"``);
``raw_path`` is the path exactly as the client sent it (percent-encoded ASCII), which is what
``X-Ipfs-Path`` reports; ``path`` is decoded from it exactly once, so a name holding ``%2C``
arrives as ``%2C``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from starlette.requests import Request

from permapress.ipfs.cid import CID
from permapress.server.negotiate import etag_matches, parse_range
from permapress.server.responses import CORS_HEADERS, Prepared

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    method: str
    path: str
    raw_path: str
    query_string: str
    query: dict[str, str] = field(default_factory=dict)
    accept: str | None = None
    range: str | None = None
    if_none_match: str | None = None
    only_if_cached: bool = False
    service_worker: str | None = None

    @classmethod
    def from_request(cls, request: Request, prefix: str = "/ipfs/") -> RequestInfo:
        scope = request.scope
        raw = scope.get("raw_path")
        if raw:
            # decode the path as sent exactly once (some clients' ``path`` is decoded twice)
            raw_path = raw.decode("latin-1")
            path = unquote_to_bytes(raw).decode("utf-8", "replace")
        else:
            path = scope["path"]
            raw_path = quote(path)
        headers = request.headers
        cache_control = headers.get("cache-control", "")
        return cls(
            method=scope["method"],
            path=path[len(prefix):] if path.startswith(prefix) else path.lstrip("/"),
            raw_path=raw_path,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            query=dict(request.query_params),
            accept=headers.get("accept"),
            range=headers.get("range"),
            if_none_match=headers.get("if-none-match"),
            only_if_cached="only-if-cached" in cache_control.lower(),
            service_worker=headers.get("service-worker"),
        )

    @property
    def head(self) -> bool:
        return self.method == "HEAD"

    def with_format(self, fmt: str) -> str:
        """This request's URL with ``format=`` added, for ``Content-Location``."""
        query = f"{self.query_string}&format={fmt}" if self.query_string else f"format={fmt}"
        return f"{self.raw_path}?{query}"


def ipfs_headers(info: RequestInfo, roots: Sequence[CID], cache_control: str) -> Pairs:
    return [
        ("cache-control", cache_control),
        ("vary", "Accept"),
        ("x-ipfs-path", info.raw_path),
        ("x-ipfs-roots", ",".join(str(cid) for cid in roots)),
        *CORS_HEADERS,
    ]


def bytes_response(
    info: RequestInfo,
    pairs: Pairs,
    body: bytes,
    etag: str,
    *,
    ranges: bool = True,
    cacheable: bool = True,
) -> Prepared:
    """A full or partial response for bytes held in memory (see the module docstring)."""
    full = Prepared.build(200, [*pairs, *_ranges(ranges)], body, etag=etag, cacheable=cacheable)
    if etag_matches(info.if_none_match, etag):
        return full.not_modified()
    if not ranges or info.range is None:
        return full
    size = len(body)
    span = parse_range(info.range, size)
    if span is None:
        return full
    if span == "unsatisfiable":
        return Prepared.build(
            416,
            [*pairs, ("content-range", f"bytes */{size}"), ("accept-ranges", "bytes")],
            etag=etag,
        )
    return Prepared.build(
        206,
        [*pairs, ("content-range", span.content_range(size)), ("accept-ranges", "bytes")],
        body[span.start : span.end],
        etag=etag,
    )


def _ranges(enabled: bool) -> Pairs:
    return [("accept-ranges", "bytes")] if enabled else []
