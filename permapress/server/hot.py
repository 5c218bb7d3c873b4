"""The hot path: complete responses replayed from a cache before any routing happens.

    HotRequest.of(scope) -> HotRequest | None
        the request facts a cached answer depends on (raw path, query, Accept, If-None-Match:
        the first of each, which is the one the full path reads), or None when the request
        must take the full path: a method other than GET/HEAD, a ``Range``, ``Cache-Control``
        (``only-if-cached``, reloads), ``Service-Worker`` or ``Transfer-Encoding`` header (the
        app looks at those requests more closely), or a path, query and Accept longer than
        ``MAX_KEY`` bytes together (so no one can fill the caches with huge keys).
    answer(prepared, hot) -> Prepared
        the cached response, or its 304 when ``If-None-Match`` matches its Etag.
    cacheable(response) -> bool
        may this response be replayed for the same key? Complete 200/301 bodies up to 1 MiB
        that the builder marked ``cacheable``.

Caches are owned by the gateway and the website (keys include what their answers depend on:
Accept for the gateway, the site root for the website); this module only reads requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.responses import Response
from starlette.types import Scope

from permapress.server.negotiate import etag_matches
from permapress.server.responses import Prepared

MAX_BODY: Final = 1 << 20
MAX_KEY: Final = 2048
_BYPASS: Final = frozenset({b"range", b"cache-control", b"service-worker", b"transfer-encoding"})


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to make, on every request
class HotRequest:
    raw_path: bytes
    query_string: bytes
    accept: bytes
    if_none_match: bytes | None

    @classmethod
    def of(cls, scope: Scope) -> HotRequest | None:
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            return None
        accept = None
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"accept":
                if accept is None:
                    accept = value
            elif name == b"if-none-match":
                if if_none_match is None:
                    if_none_match = value
            elif name in _BYPASS:
                return None
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query_string = scope.get("query_string", b"")
        if accept is None:
            accept = b""
        if len(raw_path) + len(query_string) + len(accept) > MAX_KEY:
            return None
        return cls(raw_path, query_string, accept, if_none_match)


def answer(prepared: Prepared, hot: HotRequest) -> Prepared:
    if (
        hot.if_none_match is not None
        and prepared.etag is not None
        and etag_matches(hot.if_none_match.decode("latin-1"), prepared.etag)
    ):
        return prepared.not_modified()
    return prepared


def cacheable(response: Response) -> bool:
    return (
        isinstance(response, Prepared)
        and response.cacheable
        and response.status_code in (200, 301)
        and len(response.body) <= MAX_BODY
    )
