"""Reader for news article pages in HTML: a saved file, a folder of them, or a URL.

    FORMAT = "html"
    sniff(path, head) -> bool                 an HTML document (not an RSS/Atom/RDF feed)
    read(path, *, tz=UTC, text=None, options=None) -> [Article]
    read_url(url, *, tz=UTC, options=None) -> Article          fetches it first (fetch.py)
    read_page(data, *, source, url, retrieved, charset=None, tz=UTC, options=None,
              folder=None, requested=None, fetched=None) -> Article
    decode_html(data, declared=None) -> (text, encoding)

Decoding follows the browser's order: byte-order mark, the HTTP charset, ``<meta charset>`` /
``http-equiv`` or the XML declaration in the first 4 KiB (with the WHATWG aliases: Latin-1 is
read as windows-1252, Shift_JIS as windows-31j …), strict UTF-8, then detection
(charset-normalizer, ``textfile.decode_text``).

The metadata comes from the page itself (``htmlmeta.page_meta``: JSON-LD, Open Graph, meta
tags; site names cut from headlines, placeholder authors dropped), then, only for what the page
does not state, from trafilatura's guesses. The body is ``extract.main_html`` (three extractors,
the one the other two agree with; images, links, tables, emphasis kept) turned into Markdown by
``htmltomd`` (nh3-sanitised); a first heading that repeats the headline is dropped and
``extract.clean_blocks`` removes the page furniture left in it. Lead image: the page's
og:image / JSON-LD image when it is http(s). Images of a saved page that exist beside the file
become media; other relative ones are resolved against the page's URL (or dropped when it has
none). When the page states no date, the retrieval time (for a file: its modification time)
is used. The slug is the headline's; for scripts that slugify drops (Cyrillic, Japanese …) it
is the URL's last path segment or "article-<hash of the source>".

``source`` (the catalog key that matches re-imports) is the page's canonical URL, else the URL
fetched, else the file path. The bundle keeps the page as received in ``media/source.warc.gz``
(``warc``: the HTTP request and response when ``fetched`` is given, else a ``resource``
record named after the file; see ``items``).

Problems (no text found, undecodable bytes, an HTTP error) raise ``ArticleError`` naming the
file or URL.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.metadata import extract_metadata

from permapress.articles.bylines import author_names, clean_authors
from permapress.articles.dates import parse_datetime
from permapress.articles.extract import clean_blocks, main_html
from permapress.articles.fetch import Fetched, fetch
from permapress.articles.htmlmeta import PageMeta, language_tag, page_meta
from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.image_refs import largest_sources
from permapress.articles.items import ReadOptions, provenance_media
from permapress.articles.markup import summarize
from permapress.articles.media import MediaCollector, is_local_reference
from permapress.articles.model import Article, is_image_url, one_line, validate
from permapress.articles.slug import FALLBACK, slugify
from permapress.articles.textfile import decode_text, head_text
from permapress.errors import ArticleError

FORMAT: Final = "html"
EXTENSIONS: Final = (".html", ".htm", ".xhtml", ".shtml")
HEAD_SCAN: Final = 4096
_META_CHARSET: Final = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING: Final = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_WHATWG: Final = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "windows-31j": "cp932", "euc-kr": "cp949", "gb2312": "gb18030",
    "gbk": "gb18030", "iso-8859-9": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
    "x-mac-roman": "mac-roman", "unicode": "utf-8", "utf8": "utf-8",
}  # fmt: skip
_HEADING: Final = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_FEED_ROOTS: Final = ("<rss", "<feed", "<rdf:rdf", "<channel")


def sniff(path: Path, head: bytes) -> bool:
    """True for an HTML document: a doctype or an <html>/<head>/<body> near the start."""
    text = head_text(head)[:2048].lstrip().lower()
    if text.startswith(("<!doctype html", "<html")):
        return True  # even with an embedded <rdf:RDF> licence block
    if any(root in text for root in _FEED_ROOTS):
        return False
    prologue = text.startswith(("<?xml", "<!--", "<head", "<meta"))
    return prologue and ("<html" in text or "<head" in text)


def _codec(label: str | bytes | None) -> str | None:
    if label is None:
        return None
    name = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    name = _WHATWG.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, declared: str | None = None, source: str = "page") -> tuple[str, str]:
    """The page's text and the encoding used; see the module docstring."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return decode_text(data, source), name
    head = data[:HEAD_SCAN]
    meta = _META_CHARSET.search(head)
    xml = _XML_ENCODING.search(head)
    candidates = [_codec(declared), _codec(meta.group(1) if meta else None),
                  _codec(xml.group(1) if xml else None)]  # fmt: skip
    for candidate in candidates:
        if candidate is None or candidate.startswith("utf-16"):
            continue
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ArticleError("its character encoding cannot be told; save it as UTF-8", source)
    return str(best), codecs.lookup(best.encoding).name


def read(
    path: Path, *, tz: tzinfo = UTC, text: str | None = None, options: ReadOptions | None = None
) -> list[Article]:
    """The article in the saved page ``path`` (``text`` is ignored: the bytes are needed)."""
    source = str(path)
    try:
        data = path.read_bytes()
        retrieved = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    except OSError as exc:
        raise ArticleError(f"cannot read the file ({exc.strerror or exc})", source) from None
    article = read_page(data, source=source, url=None, retrieved=retrieved, tz=tz,
                        options=options, folder=path.parent)  # fmt: skip
    return [article]


def read_url(url: str, *, tz: tzinfo = UTC, options: ReadOptions | None = None) -> Article:
    """Fetch ``url`` and read the article it shows."""
    options = options or ReadOptions()
    got = fetch(url, limits=options.limits)
    return read_page(got.data, source=url, url=got.final_url, retrieved=got.retrieved,
                     charset=got.charset, tz=tz, options=options, requested=url,
                     fetched=got)  # fmt: skip


def _date(candidates: list[str | None], tz: tzinfo) -> datetime | None:
    for value in candidates:
        if not value:
            continue
        try:
            return parse_datetime(value.strip(), tz, "date")
        except ArticleError:
            continue
    return None


def _drop_repeated_headline(body: str, headline: str) -> str:
    first, _, rest = body.partition("\n")
    match = _HEADING.match(first)
    if match and one_line(match.group(1)).casefold() == one_line(headline).casefold():
        return rest.lstrip("\n")
    return body


def _slug(headline: str, url: str | None, key: str) -> str:
    slug = slugify(headline)
    if slug != FALLBACK:
        return slug
    if url:
        segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        segment = re.sub(r"\.(?:s?html?|php|aspx?)$", "", segment)
        slug = slugify(segment)
        if slug != FALLBACK and not slug.isdigit():
            return slug
    slug = slugify(headline, transliterate=True)
    if slug != FALLBACK:
        return slug
    return f"article-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


Extracted = tuple[str, PageMeta, trafilatura.settings.Document | None]


def _extract(text: str, url: str | None) -> Extracted:
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        raise ArticleError("is not an HTML page (no elements found)") from None
    meta = page_meta(root, url)
    body = main_html(root, url=url, stated=meta.body)
    found: trafilatura.settings.Document | None = None
    if not (meta.headline and meta.dates and meta.authors and meta.language):
        try:  # trafilatura's guesses from the page's text, only for what the page does not say
            found = extract_metadata(root, default_url=url)
        except Exception:  # noqa: BLE001 - third-party metadata guessing failing means "none"
            found = None
    return body, meta, found


def read_page(
    data: bytes,
    *,
    source: str,
    url: str | None,
    retrieved: datetime,
    charset: str | None = None,
    tz: tzinfo = UTC,
    options: ReadOptions | None = None,
    folder: Path | None = None,
    requested: str | None = None,
    fetched: Fetched | None = None,
) -> Article:
    """The article in one page's bytes; see the module docstring."""
    options = options or ReadOptions()
    text, encoding = decode_html(data, charset, source)
    try:
        body_html, meta, doc = _extract(text, url)
    except ArticleError as exc:
        raise ArticleError(exc.reason, source) from None
    base = url or meta.canonical
    media = MediaCollector(folder, source) if folder is not None else None
    larger = largest_sources(text, base)  # srcset: extraction may keep only the small src

    def image(src: str) -> str | None:
        src = larger.get(src, src)
        if media is not None and is_local_reference(src):
            try:
                return f"media/{media.add(src)}"
            except ArticleError:
                pass
        absolute = urljoin(base, src) if base else src
        return absolute if absolute.startswith(("http://", "https://")) else None

    body = html_to_markdown(body_html, base_url=base, images=image)
    headline = meta.headline or (doc.title if doc and doc.title else None)
    if not headline:
        raise ArticleError("has no headline (no JSON-LD, og:title or <title>)", source)
    headline = one_line(headline)
    body = _drop_repeated_headline(body, headline)
    titles = [headline, *(t for t in (meta.headline, doc.title if doc else None) if t)]
    body = clean_blocks(body, titles)
    if not body.strip():
        raise ArticleError(
            "no article text found in the page (is it an article, or does it need "
            "JavaScript to show its text?)",
            source,
        )
    published = _date([*meta.dates, doc.date if doc else None], tz) or retrieved
    modified = _date([meta.modified], tz)
    if modified is not None and modified <= published:
        modified = None
    authors = meta.authors or clean_authors(
        [name for part in ((doc.author or "") if doc else "").split(";")
         for name in author_names(part)],
        (meta.site_name,) if meta.site_name else (),
    )  # fmt: skip
    key = meta.canonical or requested or url or source
    language = meta.language or language_tag(doc.language if doc else None) or options.language
    lead = meta.image if meta.image and is_image_url(meta.image) else None
    provenance = provenance_media(
        data,
        retrieved=retrieved,
        encoding=encoding,
        fetched=fetched,
        requested=requested,
        file_name=Path(source).name if fetched is None else None,
    )
    article = Article(
        headline=headline,
        slug=_slug(headline, meta.canonical or url, key),
        published=published,
        modified=modified,
        authors=authors,
        categories=meta.categories,
        tags=meta.tags,
        summary=one_line(meta.summary) if meta.summary else summarize(body),
        language=language,
        body=body,
        media=(*(media.media if media else ()), provenance),
        image=lead,
        source=key,
    )
    try:
        return validate(article)
    except ArticleError as exc:
        raise ArticleError(exc.reason, source) from None
