"""Small HTTP building blocks shared by the gateway and the website.

    Prepared(status, headers, body)      a response whose headers are built once and replayed:
                                         the hot path returns a cached Prepared unchanged;
                                         HEAD sends the same headers and no body
    Prepared.build(status, pairs, body, length=…)
                                         adds Content-Length (``length=None``: len(body);
                                         ``length=-1``: none, for HEAD of a stream)
    content_disposition(kind, filename)  ``inline``/``attachment`` with an ASCII fallback and an
                                         RFC 8187 ``filename*`` for non-ASCII names
    text_error(status, message)          a plain-text error response (never HTML-injectable)
    secure(headers) -> RawHeaders        ``headers`` plus the security headers they lack
    CORS_HEADERS, IMMUTABLE, SHORT, LISTING   header values the gateway and the website send

Security headers go on every response (``Prepared.build`` adds them; the app adds them to any
other response on its way out): ``Content-Security-Policy: POLICY`` unless the response sets a
stricter one, ``X-Frame-Options: DENY`` and ``X-Content-Type-Options: nosniff``. ``POLICY`` lets
pages show text, styles and images and follow links, and nothing else: no scripts, plugins
or frames, no framing by other sites (``frame-ancestors 'none'``), and a ``sandbox`` that
keeps downloads, links and popups but, without ``allow-scripts``, stops a stored page's
``<meta http-equiv=refresh>`` from sending readers elsewhere (checked in Chromium); forms may
submit to our origin only (the masthead's search field). ``SCRIPTED`` is for the few pages of the
site that run our own script (``SCRIPTED_PAGES``: the search page): ``script-src 'self'`` and
a sandbox with ``allow-scripts`` but without ``allow-same-origin``; ``VERIFIER`` (the reader's
verifier page) allows only that page's inline script, by its hash, and ``ARTICLE`` (article
pages, whose badge fetches the page's own CAR) adds ``connect-src 'self'``. ``ISOLATED``
is for content we send as an attachment because it is not ours to show: no resources at all and
an opaque origin.

Headers are kept as ``(bytes, bytes)`` pairs (latin-1), the form ASGI servers want, so a cached
response costs no encoding work per request. ``Prepared.etag`` and ``Prepared.cacheable`` let the
hot path answer ``If-None-Match`` and decide what may be kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import quote

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from permapress import sitepaths as paths
from permapress.site.verifier import SCRIPT_HASH

RawHeaders = list[tuple[bytes, bytes]]
_EMPTY: Final = {"type": "http.response.body", "body": b""}

IMMUTABLE: Final = "public, max-age=29030400, immutable"
SHORT: Final = "public, max-age=60"
LISTING: Final = "public, max-age=604800, stale-while-revalidate=2678400"

POLICY: Final = (
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-src 'none'; frame-ancestors 'none'; sandbox allow-same-origin allow-forms "
    "allow-downloads allow-popups allow-popups-to-escape-sandbox"
)
# The site's own scripted pages (``SCRIPTED_PAGES``): scripts from our origin only (the page's own
# search.js and the index chunks it adds), in a sandbox that allows them but gives the page an
# opaque origin (no allow-same-origin), so it cannot read anything else of ours.
SCRIPTED: Final = (
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-src 'none'; frame-ancestors 'none'; connect-src 'none'; sandbox allow-scripts "
    "allow-forms allow-downloads allow-popups allow-popups-to-escape-sandbox"
)
# Paths (inside a site root) of pages that run the site's own scripts.
SCRIPTED_PAGES: Final = frozenset({tuple(paths.SEARCH_PAGE.split("/"))})
# The reader's verifier (verify/index.html) runs only its own inline script, allowed by its hash.
VERIFIER: Final = SCRIPTED.replace("script-src 'self'", f"script-src {SCRIPT_HASH}")
# An article page (articles/<slug>/index.html) runs the badge script (assets/pp-verify.js), which
# fetches the page's own CAR from our origin.
ARTICLE: Final = SCRIPTED.replace("connect-src 'none'", "connect-src 'self'")
ISOLATED: Final = "default-src 'none'; frame-ancestors 'none'; sandbox"

_SECURITY: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-security-policy", POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
)

CORS_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, HEAD, OPTIONS"),
    ("access-control-allow-headers", "Content-Type, Range, User-Agent, X-Requested-With"),
    (
        "access-control-expose-headers",
        "Content-Length, Content-Range, X-Chunked-Output, X-Stream-Output, X-Ipfs-Path, "
        "X-Ipfs-Roots, Etag, Content-Disposition",
    ),
)


def raw_headers(pairs: Iterable[tuple[str, str]]) -> RawHeaders:
    """Encode header pairs for ASGI; values that are not latin-1 are percent-encoded."""
    out: RawHeaders = []
    for name, value in pairs:
        try:
            encoded = value.encode("latin-1")
        except UnicodeEncodeError:
            encoded = quote(value, safe="/:;,=\"'*() ").encode("ascii")
        out.append((name.lower().encode("latin-1"), encoded))
    return out


def secure(headers: RawHeaders) -> RawHeaders:
    """``headers`` with each security header it does not set itself appended (a new list)."""
    present = {name.lower() for name, _value in headers}
    return [*headers, *(pair for pair in _SECURITY if pair[0] not in present)]


class Prepared(Response):
    """A complete response with pre-encoded headers; safe to cache and send many times."""

    def __init__(
        self,
        status: int,
        headers: RawHeaders,
        body: bytes = b"",
        *,
        etag: str | None = None,
        cacheable: bool = False,
    ) -> None:
        # Response.__init__ is skipped on purpose: it would rebuild headers on every request.
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = headers
        self.etag = etag
        self.cacheable = cacheable
        # the ASGI messages, made once: a cached response is replayed by sending the same dicts
        self._start = {"type": "http.response.start", "status": status, "headers": headers}
        self._body = {"type": "http.response.body", "body": body}

    @classmethod
    def build(
        cls,
        status: int,
        pairs: Iterable[tuple[str, str]],
        body: bytes = b"",
        *,
        length: int | None = None,
        etag: str | None = None,
        cacheable: bool = False,
    ) -> Prepared:
        headers = secure(raw_headers(pairs))
        if etag is not None:
            headers.append((b"etag", etag.encode("latin-1")))
        if status != 304 and length != -1:
            size = len(body) if length is None else length
            headers.append((b"content-length", str(size).encode("ascii")))
        return cls(status, headers, body, etag=etag, cacheable=cacheable)

    def header(self, name: str) -> str | None:
        key = name.lower().encode("latin-1")
        for k, v in self.raw_headers:
            if k == key:
                return v.decode("latin-1")
        return None

    def not_modified(self) -> Prepared:
        """The 304 answer to a conditional request that matched this response's Etag."""
        keep = {b"etag", b"cache-control", b"vary", b"x-ipfs-path", b"x-ipfs-roots",
                b"content-location", b"access-control-allow-origin",
                *(name for name, _value in _SECURITY)}
        headers = [(k, v) for k, v in self.raw_headers if k in keep]
        return Prepared(304, headers, etag=self.etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self._start)
        if scope["method"] == "HEAD" or self.status_code == 304:
            await send(_EMPTY)
        else:
            await send(self._body)


def content_disposition(kind: str, filename: str) -> str:
    """``kind; filename="ascii"`` plus ``filename*=UTF-8''…`` when the name is not plain ASCII."""
    ascii_name = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in filename
    )
    value = f'{kind}; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def text_error(status: int, message: str, extra: Iterable[tuple[str, str]] = ()) -> Prepared:
    """A plain-text error; the message goes out as text/plain so it can never run as HTML."""
    pairs = [
        ("content-type", "text/plain; charset=utf-8"),
        ("cache-control", "no-store"),
        *extra,
    ]
    return Prepared.build(status, pairs, (message.rstrip("\n") + "\n").encode("utf-8"))
