"""Downloading remote images for ``archive_article`` (``permapress.articles.remote_media``).

    MediaLimits(timeout, connect_timeout, max_file_bytes, max_article_bytes, max_redirects,
                article_seconds)
    media_limits(settings) -> MediaLimits   from permapress.toml's [media] (config.MediaSettings)
    Downloader(limits)                      a context manager; one per import run
      .get(url) -> Downloaded | str         the image, or one line saying why not
    Downloaded(url, final_url, media_type, path, size, sha256)

Limits (``MediaLimits``, from ``permapress.toml`` ``[media]``): ``timeout`` seconds for one
whole download, redirects included (checked at every chunk, so a server that drips bytes is
cut off; one that stalls is cut off by the read timeout, the time that was left when the
request began, so a download never takes much more than twice ``timeout``);
``max_file_bytes`` per image, checked against Content-Length before reading and counted while
reading the decoded body, which is inflated here at most up to the cap (so a compressed
"bomb" stops there, and an encoding that was not asked for is refused); ``max_article_bytes``
for all the images of one article; ``max_redirects`` redirects, each to http(s) only, a loop
stopped when it comes back. The bytes must be a JPEG, PNG, GIF, WebP or AVIF image by their
magic bytes, whatever the server or the file name says; SVG is refused (it can carry script
and load other resources).

``Downloader`` remembers every URL of the run, image or failure, so an image that many articles
use is fetched once; the bytes wait in a temporary folder (removed on close), not in memory.
After three timeouts or refused connections from one host, its other images are not tried, and
no article has more than ``remote_media.MAX_IMAGES`` (200) remote images tried, nor spends more
than ``article_seconds`` (four download timeouts, at least two minutes) on them: a body that
lists thousands of slow images cannot keep an import busy for hours.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit

from permapress.articles.fetch import USER_AGENT
from permapress.articles.media import image_type
from permapress.config import MediaSettings
from permapress.watchdog import Watchdog

if TYPE_CHECKING:  # imported when an image is fetched: an import without any starts sooner
    import httpx

MIB: Final = 1024 * 1024
ACCEPT_IMAGES: Final = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5"
HOST_FAILURES: Final = 3
_SVG_HEAD: Final = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<svg", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """How long and how much one image, and one article's images, may take."""

    timeout: float = 30.0  # seconds for one download, redirects included
    connect_timeout: float = 10.0
    max_file_bytes: int = 20 * MIB
    max_article_bytes: int = 100 * MIB
    max_redirects: int = 5
    article_seconds: float = 120.0  # all the downloads of one article; the rest stay links


def media_limits(settings: MediaSettings) -> MediaLimits:
    """The limits that permapress.toml's ``[media]`` table sets."""
    return MediaLimits(
        timeout=settings.timeout,
        connect_timeout=min(10.0, settings.timeout),
        max_file_bytes=int(settings.max_file_mb * MIB),
        max_article_bytes=int(settings.max_article_mb * MIB),
        max_redirects=settings.max_redirects,
        article_seconds=max(120.0, 4 * settings.timeout),
    )


@dataclass(frozen=True, slots=True)
class Downloaded:
    """One image fetched in this run; its bytes wait in ``path``."""

    url: str
    final_url: str
    media_type: str
    path: Path
    size: int
    sha256: str

    def data(self) -> bytes:
        return self.path.read_bytes()


class _Refused(Exception):
    """A download that failed; the message is the reason, one line."""


class _TooSlow(_Refused):
    """A download that ran out of time (it counts against its host, like a timeout)."""


def _one_line(error: Exception) -> str:
    """An error's message as one short printable line (servers put anything in them)."""
    text = " ".join(str(error).split())[:120] or type(error).__name__
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def is_remote(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class Downloader:
    """Fetches images within ``MediaLimits``, once per URL per run; see the module docstring."""

    def __init__(self, limits: MediaLimits | None = None) -> None:
        self.limits = limits or MediaLimits()
        self._client: httpx.Client | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._seen: dict[str, Downloaded | str] = {}
        self._host_failures: dict[str, int] = {}
        self.fetches = 0  # requests made, redirects included (for tests and reports)

    def __enter__(self) -> Downloader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_keepalive_connections=0),  # a socket the watchdog knows
                headers={"User-Agent": USER_AGENT, "Accept": ACCEPT_IMAGES,
                         "Accept-Encoding": "identity"},  # fmt: skip
            )
        return self._client

    def _store(self, data: bytes) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="permapress-media-")
        path = Path(self._folder.name, hashlib.sha256(data).hexdigest())
        if not path.exists():
            path.write_bytes(data)
        return path

    def get(self, url: str) -> Downloaded | str:
        """The image at ``url``, or the reason it could not be had (remembered for the run)."""
        known = self._seen.get(url)
        if known is not None:
            return known
        host = urlsplit(url).hostname or ""
        if self._host_failures.get(host, 0) >= HOST_FAILURES:
            result: Downloaded | str = f"not tried: {host} did not answer {HOST_FAILURES} times"
        else:
            import httpx

            try:
                result = self._download(url)
            except _Refused as exc:
                result = str(exc)
            except (httpx.InvalidURL, httpx.StreamError, ValueError, UnicodeError):
                result = "is not a valid address (its host name or characters cannot be sent)"
        self._seen[url] = result
        return result

    def _download(self, url: str) -> Downloaded:
        if not is_remote(url):
            scheme = url.split(":", 1)[0].lower() if ":" in url else "a relative address"
            raise _Refused(f"only http and https images are fetched, not {scheme}")
        limits = self.limits
        deadline = time.monotonic() + limits.timeout
        current, visited = url, {url}
        for _ in range(limits.max_redirects + 1):
            got = self._request(current, deadline)
            if isinstance(got, bytes):
                return self._accept(url, current, got)
            target = urljoin(current, got)
            if not is_remote(target):
                raise _Refused(f"redirects to {target[:80]!r}, which is not http or https")
            if target in visited:
                raise _Refused("redirects in a loop")
            visited.add(target)
            current = target
        raise _Refused(f"redirects more than {limits.max_redirects} times")

    def _request(self, url: str, deadline: float, retry: bool = True) -> bytes | str:
        """The body of ``url`` (bytes) or the Location it redirects to (str); a protocol error
        is tried once more, on a new connection."""
        import httpx

        limits = self.limits
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Refused(f"took longer than {limits.timeout:g} s")
        timeout = httpx.Timeout(left, connect=min(limits.connect_timeout, left))
        host = urlsplit(url).hostname or ""
        self.fetches += 1
        # httpx's timeouts count per read: the watchdog ends a download whose headers or body
        # trickle in past the deadline (each request has its own connection, see ``_http``)
        watchdog = Watchdog(left)
        watchdog.arm()
        try:
            with self._http().stream(
                "GET", url, timeout=timeout, extensions={"trace": watchdog.trace}
            ) as response:
                if response.is_redirect and response.headers.get("location"):
                    return response.headers["location"].strip()
                if response.status_code >= 300:
                    raise _Refused(f"the server answered HTTP {response.status_code}")
                return self._read(response, deadline)
        except _TooSlow:
            self._host_failures[host] = self._host_failures.get(host, 0) + 1
            raise
        except httpx.HTTPError as exc:
            slow = watchdog.fired or isinstance(exc, httpx.TimeoutException)
            if slow or isinstance(exc, httpx.ConnectError):
                self._host_failures[host] = self._host_failures.get(host, 0) + 1
                if slow:
                    raise _Refused(f"took longer than {limits.timeout:g} s") from None
                raise _Refused("the server cannot be reached") from None
            if isinstance(exc, httpx.RemoteProtocolError) and retry:  # once more, anew
                return self._request(url, deadline, retry=False)
            raise _Refused(f"cannot be fetched ({_one_line(exc)})") from None
        finally:
            watchdog.cancel()

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.limits.max_file_bytes
        too_large = f"is larger than the {cap / MIB:g} MiB limit"
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and (len(declared) > 18 or int(declared) > cap):
            shown = f"{int(declared) / MIB:.1f} MiB" if len(declared) <= 18 else "enormous"
            raise _Refused(f"is {shown}, over the {cap / MIB:g} MiB limit")
        # Decoded here, not by httpx, so that no more than the cap is ever inflated in memory.
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            inflate: zlib._Decompress | None = zlib.decompressobj(47 if "gzip" in encoding else 15)
        elif encoding in ("", "identity"):
            inflate = None
        else:
            raise _Refused(f"came compressed as {encoding[:20]!r}, which was not asked for")
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in response.iter_raw():
                chunk = raw if inflate is None else inflate.decompress(raw, cap + 1 - size)
                size += len(chunk)
                if size > cap or (inflate is not None and inflate.unconsumed_tail):
                    raise _Refused(too_large)
                if time.monotonic() > deadline:
                    raise _TooSlow(f"took longer than {self.limits.timeout:g} s")
                chunks.append(chunk)
        except zlib.error:
            raise _Refused(f"sent a damaged {encoding} body") from None
        if inflate is not None and not inflate.eof:
            raise _Refused(f"sent a damaged {encoding} body (it ends too early)")
        return b"".join(chunks)

    def _accept(self, url: str, final_url: str, data: bytes) -> Downloaded:
        media_type = image_type(data)
        if media_type is None:
            if _SVG_HEAD.match(data[:4096]):
                raise _Refused("is an SVG image, which can carry script; not archived")
            raise _Refused("is not a JPEG, PNG, GIF, WebP or AVIF image")
        digest = hashlib.sha256(data).hexdigest()
        return Downloaded(url, final_url, media_type, self._store(data), len(data), digest)


