"""Fetching a web page or feed by URL, politely and within limits.

    is_url(text) -> bool                          an http:// or https:// URL
    fetch(url, *, limits=None, client=None, headers=None) -> Fetched
    Fetched(url, final_url, status, media_type, charset, data, retrieved, etag, last_modified,
            reason, headers, request_headers)
    Limits(timeout, connect_timeout, max_bytes, max_redirects, deadline)
    USER_AGENT                                    "permapress/<version> (+newsroom archiver)"
    FetchError                                    an ArticleError naming the URL

Every request says who we are (``USER_AGENT``), follows at most ``max_redirects`` redirects,
gives up after ``timeout`` seconds without data, or after ``deadline`` seconds in all, headers
included (a server that trickles a byte now and then never trips the first; a ``Watchdog``
shuts the connection), and refuses bodies larger
than ``max_bytes``
(checked against Content-Length first, then counted while reading the decompressed body, so a
gzip bomb stops early too). Only http and https are fetched. An HTTP error status, a timeout,
a refused connection, too many redirects or a too-large body raises ``FetchError`` with one
line naming the URL and what to do. ``media_type`` is the lowercased Content-Type without
parameters ("" when the server sent none) and ``charset`` the declared charset or None;
``retrieved`` is the time the response arrived (aware, UTC).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from permapress import __version__
from permapress.errors import ArticleError

if TYPE_CHECKING:  # imported where a request is made: importing a file needs no HTTP client
    import httpx

USER_AGENT: Final = f"permapress/{__version__} (+newsroom archiver)"
ACCEPT: Final = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/json;q=0.9,application/xml;q=0.9,*/*;q=0.5"
)


class FetchError(ArticleError):
    """A URL that could not be fetched; the message names it and the reason."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How long to wait and how much to accept from one URL."""

    timeout: float = 30.0  # seconds without progress while reading
    connect_timeout: float = 10.0
    max_bytes: int = 25 * 1024 * 1024
    max_redirects: int = 5
    deadline: float = 300.0  # seconds for the whole response, however steadily it trickles in


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP response body with what we need to know about it."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int
    media_type: str  # "text/html", "" when not sent
    charset: str | None
    data: bytes
    retrieved: datetime
    etag: str | None = None
    last_modified: str | None = None
    reason: str = "OK"
    headers: tuple[tuple[str, str], ...] = ()  # the response headers as received, in order
    request_headers: tuple[tuple[str, str], ...] = ()  # what we sent for the final URL


def is_url(text: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    from email.message import Message  # here: a Markdown import fetches nothing

    message = Message()
    message["content-type"] = value
    media_type = message.get_content_type().lower() if "/" in value else ""
    charset = message.get_param("charset")
    return media_type, charset.strip().lower() if isinstance(charset, str) and charset else None


def _raw(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    """Headers as they went over the wire (their own case and order)."""
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw)


def _client(limits: Limits) -> httpx.Client:
    import httpx

    timeout = httpx.Timeout(limits.timeout, connect=limits.connect_timeout)
    return httpx.Client(
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        trust_env=False,
    )


def fetch(
    url: str,
    *,
    limits: Limits | None = None,
    client: httpx.Client | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET ``url`` within ``limits``; see the module docstring."""
    limits = limits or Limits()
    if not is_url(url):
        raise FetchError("is not an http:// or https:// URL", source=url)
    own = client is None
    http = client or _client(limits)
    try:
        return _get(http, url, limits, headers or {})
    finally:
        if own:
            http.close()


def _get(http: httpx.Client, url: str, limits: Limits, headers: dict[str, str]) -> Fetched:
    import httpx

    mib = limits.max_bytes / (1024 * 1024)
    ends = time.monotonic() + limits.deadline
    too_slow = FetchError(
        f"took longer than {limits.deadline:g} s to arrive (the server sends it too slowly);"
        " try again later",
        source=url,
    )
    # the clock for headers too: a server that trickles its headers never trips a read timeout
    from permapress.watchdog import Watchdog  # here: its sockets only when something is fetched

    watchdog = Watchdog(limits.deadline)
    watchdog.arm()
    try:
        with http.stream(
            "GET", url, headers=headers, extensions={"trace": watchdog.trace}
        ) as response:
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FetchError(
                    f"the server answered HTTP {response.status_code} {reason}; check the URL",
                    source=url,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(
                    f"is {int(declared) / (1024 * 1024):.1f} MiB, over the {mib:.0f} MiB limit",
                    source=url,
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FetchError(f"is larger than the {mib:.0f} MiB limit", source=url)
                if time.monotonic() > ends:
                    raise too_slow
                chunks.append(chunk)
            media_type, charset = _content_type(response.headers.get("content-type"))
            return Fetched(
                url=url,
                final_url=str(response.url),
                status=response.status_code,
                media_type=media_type,
                charset=charset,
                data=b"".join(chunks),
                retrieved=datetime.now(UTC).replace(microsecond=0),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                reason=response.reason_phrase or "OK",
                headers=_raw(response.headers),
                request_headers=_raw(response.request.headers),
            )
    except httpx.TooManyRedirects:
        raise FetchError(
            f"redirects more than {limits.max_redirects} times; use the final address",
            source=url,
        ) from None
    except httpx.HTTPError as exc:
        if watchdog.fired:
            raise too_slow from None
        if isinstance(exc, httpx.TimeoutException):
            raise FetchError(
                "timed out (the server did not answer in time); try again later", source=url
            ) from None
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise FetchError(f"cannot be fetched ({reason})", source=url) from None
    finally:
        watchdog.cancel()
