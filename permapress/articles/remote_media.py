"""Remote images an article shows, downloaded into its bundle so that the archive stands alone.

    MediaLimits(timeout, connect_timeout, max_file_bytes, max_article_bytes, max_redirects,
                article_seconds)
    media_limits(settings) -> MediaLimits   from permapress.toml's [media] (config.MediaSettings)
    Downloader(limits)                      a context manager; one per import run
      .get(url) -> Downloaded | str         the image, or one line saying why not
    Downloaded(url, final_url, media_type, path, size, sha256)
    archive_article(article, downloader, known=None) -> (Article, [note])
    remote_images(article) -> [url]         what ``archive_article`` would fetch
    as_links(article, reason) -> (Article, [note])   every remote image made a link, nothing
                                            fetched (when archiving cannot run at all)
    largest_sources(html, base) -> {src: url}   for each <img srcset> of a page: its src (and
                                            every candidate) -> the largest candidate, absolute

``archive_article`` finds the images the article shows from elsewhere: Markdown images
(inline and reference definitions) and raw ``<img src>`` in the body whose address is an
absolute ``http(s)://`` URL (or a protocol-relative ``//host/…``, fetched over https), and the
lead image when it is an https URL. A failed reference-style image (``![alt][label]`` with
``[label]: url``) becomes a link in each place that uses the definition. Each is downloaded,
stored as ``media/<name>`` (the URL's file name slugified, with the extension of its real type,
"-2" … when taken) with the URL it came from in ``Media.origin``, and the body (or the lead
image) now names ``media/<name>``. The same URL twice, or the same bytes under two URLs, is
one file. ``known`` maps URLs to images already archived from them (the article's stored
version): those are reused, not fetched again. Nothing else of the article changes; an
article with no remote image comes back as it was (same bytes, same CIDs).

A download that fails leaves the article whole: the image becomes a link to its URL with its
alt text (``![alt](url)`` -> ``[alt](url)``, ``<img src alt>`` -> ``<a href>alt</a>``), a failed
lead image stays the URL it was (pages never show an absolute lead image), and the returned
notes say which image and why. Only the scheme decides what is fetched: ``http`` and ``https``;
``data:``, ``file:`` and every other scheme are refused (a ``data:`` image is not a remote one
and never reaches a page: the sanitiser drops it).

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
no article has more than ``MAX_IMAGES`` (200) remote images tried, nor spends more than
``article_seconds`` (four download timeouts, at least two minutes) on them: a body that lists
thousands of slow images cannot keep an import busy for hours.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urljoin, urlsplit

from markdown_it.common.utils import unescapeAll

from permapress.articles.fetch import USER_AGENT
from permapress.articles.mdscan import Source, destinations, new_parser
from permapress.articles.media import EXTENSIONS, image_type
from permapress.articles.model import Article, Media
from permapress.articles.slug import slugify
from permapress.config import MediaSettings
from permapress.watchdog import Watchdog

if TYPE_CHECKING:  # imported when an image is fetched: an import without any starts sooner
    import httpx

MIB: Final = 1024 * 1024
ACCEPT_IMAGES: Final = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5"
HOST_FAILURES: Final = 3
MAX_IMAGES: Final = 200  # remote images tried per article; the rest stay links
_PARSER: Final = new_parser()
_HTML_IMG: Final = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_IMG_START: Final = re.compile(r"<img\b", re.IGNORECASE)
_ATTRIBUTE: Final = r"\s{name}\s*=\s*(?:\"(?P<d>[^\"]*)\"|'(?P<s>[^']*)'|(?P<u>[^\s\"'=<>`]+))"
_SRC: Final = re.compile(_ATTRIBUTE.format(name="src"), re.IGNORECASE)
_ALT: Final = re.compile(_ATTRIBUTE.format(name="alt"), re.IGNORECASE)
_SRCSET: Final = re.compile(_ATTRIBUTE.format(name="(?:data-)?srcset"), re.IGNORECASE)
_SCAN: Final = 4096  # how far back "[label]:" is looked for (a label holds at most 999)
_DEFINITION: Final = re.compile(r"[ \t>]*\[((?:[^\]\\\n]|\\.){1,999})\]:")
_DEFINITION_END: Final = re.compile(r"\[((?:[^\]\\]|\\.){1,999})\]:\s*$")
_LABEL_AFTER: Final = re.compile(r"\[((?:[^\]\\]|\\.){0,999})\]")
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


def _is_remote(url: str) -> bool:
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
        if not _is_remote(url):
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
            if not _is_remote(target):
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


@dataclass(frozen=True, slots=True)
class _Ref:
    """One place in the body that shows a remote image."""

    url: str  # absolute, unescaped
    start: int  # the span to replace with "media/<name>"
    end: int
    fallback: tuple[tuple[int, int, str], ...]  # the edits that make it a link on failure


def _bracket_pairs(text: str) -> dict[int, int]:
    """Each unescaped '[' that is closed -> its ']', and each such ']' -> its '[' (one pass)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            opening = stack.pop()
            pairs[opening] = i
            pairs[i] = opening
    return pairs


def _image_sources(tokens: list[object]) -> set[str]:
    found: set[str] = set()
    stack = list(tokens)
    while stack:
        token = stack.pop()
        for child in getattr(token, "children", None) or ():
            if child.type == "image":
                found.add(str(child.attrs.get("src", "")))
            stack.append(child)
    return found


def _attribute(match: re.Match[str] | None) -> tuple[str, int, int] | None:
    if match is None:
        return None
    group = next(g for g in ("d", "s", "u") if match.group(g) is not None)
    return match.group(group), match.start(group), match.end(group)


def _absolute(url: str) -> str:
    """A protocol-relative address ("//cdn.example/a.jpg") as https; others as they are."""
    url = url.strip()
    return "https:" + url if url.startswith("//") else url


def _label(text: str) -> str:
    """A reference label as CommonMark matches it: case and inner whitespace do not count."""
    return " ".join(text.split()).casefold()


def _definition_label(text: str, destination: int) -> str | None:
    """The label of the reference definition whose destination starts at ``destination``."""
    line = text.rfind("\n", 0, destination) + 1
    head = _DEFINITION.match(text, line, destination)
    if head is None:  # the destination on the line after "[label]:"
        window = max(0, destination - _SCAN)
        head = _DEFINITION_END.search(text, window, destination)
    return _label(head.group(1)) if head else None


def _reference_uses(source: Source, pairs: dict[int, int]) -> dict[str, list[int]]:
    """For each label, where the '!' of each reference-style image that uses it is:
    ``![alt][label]``, the collapsed ``![label][]`` and the shortcut ``![label]``."""
    text = source.text
    uses: dict[str, list[int]] = {}
    for bang in re.finditer(r"!\[", text):
        at = bang.start()
        if source.code[at] or (at > 0 and text[at - 1] == "\\"):
            continue
        close = pairs.get(at + 1)
        if close is None or text[close + 1 : close + 2] == "(":
            continue  # unclosed, or an inline image
        after = _LABEL_AFTER.match(text, close + 1)
        used = (after.group(1) if after else "") or text[at + 2 : close]
        uses.setdefault(_label(used), []).append(at)
    return uses


def _body_refs(body: str) -> list[_Ref]:
    if "//" not in body or ("![" not in body and _HTML_IMG_START.search(body) is None):
        return []  # no image at all, or none from elsewhere: no need to parse
    source = Source(body)
    shown = _image_sources(list(source.tokens))
    refs: list[_Ref] = []
    uses: dict[str, list[int]] | None = None
    pairs: dict[int, int] | None = None
    for dest in destinations(source):
        if dest.kind == "autolink":
            continue
        raw = unescapeAll(dest.raw(body))
        url = _absolute(raw)
        if not _is_remote(url) or _PARSER.normalizeLink(raw) not in shown:
            continue
        if dest.kind == "inline":  # an image, not a link to the same address: "![…](url)"
            pairs = _bracket_pairs(body) if pairs is None else pairs
            close = body.rfind("]", 0, dest.start)
            opening = pairs.get(close) if close >= 0 else None
            if opening is None or opening == 0 or body[opening - 1] != "!":
                continue
            fallback: tuple[tuple[int, int, str], ...] = ((opening - 1, opening, ""),)
        else:  # a definition "[label]: url" that "![alt][label]" images use
            pairs = _bracket_pairs(body) if pairs is None else pairs
            uses = _reference_uses(source, pairs) if uses is None else uses
            label = _definition_label(body, dest.start)
            fallback = tuple((at, at + 1, "") for at in uses.get(label or "", ()))
        refs.append(_Ref(url, dest.start, dest.end, fallback))
    for match in _HTML_IMG.finditer(body):
        if source.code[match.start()]:
            continue
        src = _attribute(_SRC.search(match.group(0)))
        if src is None:
            continue
        url = _absolute(unescapeAll(src[0]))
        if not _is_remote(url):
            continue
        alt = _attribute(_ALT.search(match.group(0)))
        label = alt[0] if alt and alt[0].strip() else "image"
        link = f'<a href="{src[0]}">{label}</a>'
        refs.append(_Ref(url, match.start() + src[1], match.start() + src[2],
                         ((match.start(), match.end(), link),)))  # fmt: skip
    refs.sort(key=lambda r: r.start)
    return refs


def largest_sources(html: str, base: str | None) -> dict[str, str]:
    """Each image source of a page that has a larger ``srcset`` candidate -> that candidate
    (both absolute against ``base``), so the largest is archived whatever the extraction kept
    of the ``<img>``."""
    if "srcset" not in html:
        return {}
    from permapress.articles.htmltomd import largest_candidate

    found: dict[str, str] = {}
    for tag in _HTML_IMG.finditer(html):
        srcset = _attribute(_SRCSET.search(tag.group(0)))
        if srcset is None:
            continue
        listed = unescapeAll(srcset[0])
        best = largest_candidate(listed)
        if best is None:
            continue
        best = urljoin(base or "", best)
        candidates = re.split(r",\s+", listed)
        sources = [c.split()[0] for c in candidates if c.strip()]
        src = _attribute(_SRC.search(tag.group(0)))
        for small in ([unescapeAll(src[0])] if src else []) + sources:
            found.setdefault(urljoin(base or "", small), best)
    return found


def remote_images(article: Article) -> list[str]:
    """The remote image URLs ``archive_article`` would fetch, in order, each once."""
    urls = [ref.url for ref in _body_refs(article.body)]
    if article.image and _is_remote(article.image):
        urls.insert(0, article.image)
    return list(dict.fromkeys(urls))


class _Unavailable(Downloader):
    """A downloader that answers every URL with the same reason, fetching nothing."""

    def __init__(self, reason: str, limits: MediaLimits) -> None:
        super().__init__(limits)
        self.reason = reason

    def get(self, url: str) -> Downloaded | str:
        return self.reason


def as_links(article: Article, reason: str) -> tuple[Article, list[str]]:
    """``article`` with each remote image turned into a link, as when its download fails."""
    with _Unavailable(reason, MediaLimits()) as nothing:
        return archive_article(article, nothing)


def _name_for(url: str, media_type: str, taken: set[str]) -> str:
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    stem = slugify(segment.rsplit(".", 1)[0] if "." in segment else segment, max_length=60)
    if not stem or stem == "article":
        stem = "image"
    extension = EXTENSIONS[media_type]
    name, number = f"{stem}.{extension}", 2
    while name in taken:
        name, number = f"{stem}-{number}.{extension}", number + 1
    return name


def archive_article(
    article: Article, downloader: Downloader, known: Mapping[str, Media] | None = None
) -> tuple[Article, list[str]]:
    """``article`` with its remote images in ``media/``; see the module docstring."""
    if "\x00" in article.body:  # CommonMark reads NUL as U+FFFD: say so, so that spans match
        article = replace(article, body=article.body.replace("\x00", "\ufffd"))
    refs = _body_refs(article.body)
    lead = article.image if article.image and _is_remote(article.image) else None
    if not refs and lead is None:
        return article, []
    media = list(article.media)
    taken = {m.name for m in media}
    by_digest = {hashlib.sha256(m.data).hexdigest(): m.name for m in media}
    by_url: dict[str, str | None] = {}
    notes: list[str] = []
    limits = downloader.limits
    budget = limits.max_article_bytes
    article_deadline = time.monotonic() + limits.article_seconds
    used = 0

    tried = 0  # URLs asked of the downloader

    def local(url: str) -> str | None:
        nonlocal used, tried
        if url in by_url:
            return by_url[url]
        name: str | None = None
        kept = (known or {}).get(url)
        if kept is not None:
            digest = hashlib.sha256(kept.data).hexdigest()
            name = by_digest.get(digest)
            if name is None:
                name = kept.name if kept.name not in taken else _name_for(url, kept.media_type,
                                                                           taken)  # fmt: skip
                taken.add(name)
                by_digest[digest] = name
                media.append(Media(name, kept.data, kept.media_type, origin=url))
            by_url[url] = name
            return name
        got: Downloaded | str
        if tried >= MAX_IMAGES:
            got = f"the article shows more than {MAX_IMAGES} remote images"
        elif time.monotonic() > article_deadline:
            got = f"the article's images took longer than {limits.article_seconds:g} s"
        else:
            got = downloader.get(url)
            tried += 1
        if isinstance(got, str):
            notes.append(f"image {url} was not archived: {got}; it stays a link")
        elif got.sha256 in by_digest:
            name = by_digest[got.sha256]
        elif used + got.size > budget:
            notes.append(f"image {url} was not archived: the article's images are over the "
                         f"{budget / MIB:g} MiB limit; it stays a link")  # fmt: skip
        else:
            used += got.size
            name = _name_for(got.final_url, got.media_type, taken)
            taken.add(name)
            by_digest[got.sha256] = name
            media.append(Media(name, got.data(), got.media_type, origin=url))
        by_url[url] = name
        return name

    image = article.image
    if lead is not None:
        name = local(lead)
        image = name if name is not None else lead
    edits: set[tuple[int, int, str]] = set()
    for ref in refs:
        name = local(ref.url)
        if name is not None:
            edits.add((ref.start, ref.end, f"media/{name}"))
        else:
            edits.update(ref.fallback)
    pieces: list[str] = []
    position = 0
    for start, end, text in sorted(edits):  # spans never overlap
        pieces += [article.body[position:start], text]
        position = end
    body = "".join(pieces) + article.body[position:]
    if body == article.body and image == article.image and len(media) == len(article.media):
        return article, notes
    return replace(article, body=body, image=image, media=tuple(media)), notes
