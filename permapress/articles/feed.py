"""Reader for news feeds: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 0.3 and 1.0, and JSON Feed 1.x.

    FORMAT = "feed"
    sniff(path, head) -> bool                 an <rss>, <feed> or <rdf:RDF> root (not a
                                              WordPress export), or a JSON Feed object
    iter_items(data, *, feed_key, base=None, folder=None, media_type=None, tz=UTC,
               options=None) -> Iterator[Article | Failed | Note]
    read(path, *, tz=UTC, text=None, options=None) -> [Article]
    read_url(url, *, tz=UTC, options=None) -> Iterator[Article | Failed | Note]

XML feeds are parsed by feedparser (which handles the versions, namespaces, encodings and
broken XML); JSON Feeds by ``jsonfeed``. Each entry becomes one article:

- ``source`` is "<feed key>#<entry id>" (guid / atom:id, else the link): re-importing or
  watching the feed updates the same article instead of adding a new one. The feed key is the
  URL as given, or the feed file's absolute path.
- body: the full content (content:encoded, atom:content) when the entry has it, else the
  summary; HTML goes through ``htmltomd`` (nh3-sanitised Markdown), plain text becomes
  paragraphs. With ``options.fetch`` the entry's link is fetched and extracted as a page
  (``html.read_url``) instead, keeping the entry's key (and its date when the page has none);
  a page that cannot be fetched leaves the entry as the feed gives it, with a note.
- published: pubDate / published / dc:date (else updated); an entry without a date gets the
  feed's (channel pubDate / lastBuildDate / updated), else the time of import (``options.now``).
  modified: updated, when later than published.
- an entry without a title gets its first sentence (``infer.headline_from_text``), else a title
  made from its link; an entry without text but with a link (RSS 1.0, link blogs) becomes a
  link-only article ("Read the original at …"); one with a title alone keeps it as its text.
  Each inferred field is named in the article's ``inferred`` and told in a ``Note``. Only an
  entry with no title, no text and no link fails. An entry's link is its ``link``, else its id
  when that is an http(s) URL; URLs are trimmed of whitespace.
- authors: dc:creator / author names; categories: <category> terms the newsroom's taxonomy
  knows as IPTC Media Topics, else the first term; the other terms become tags.
- language: the entry's or the feed's (xml:lang, <language>), else ``options.language``;
  lead image: an http(s) media:content / media:thumbnail / image enclosure.

A broken entry becomes ``Failed`` and the others are still read. A feed with XML errors that
feedparser recovered from yields its entries and a ``Note`` saying so; a feed from which
nothing can be read, and a feed with no items, raise ``ArticleError``.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final

import feedparser  # type: ignore[import-untyped]

from permapress.articles import jsonfeed
from permapress.articles.dates import parse_datetime
from permapress.articles.fetch import fetch
from permapress.articles.htmlmeta import language_tag
from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.infer import (
    headline_from_link,
    headline_from_text,
    link_only_body,
    markup_text,
    trimmed_url,
    when,
)
from permapress.articles.items import (
    Failed,
    Item,
    Note,
    ReadOptions,
    articles_of,
    entry_slug,
    split_terms,
)
from permapress.articles.markup import summarize
from permapress.articles.model import Article, is_image_url, one_line, validate
from permapress.articles.taxonomy import Taxonomy
from permapress.articles.textfile import decode_text, head_text, read_bytes
from permapress.errors import ArticleError, PermapressError

FORMAT: Final = "feed"
EXTENSIONS: Final = (".rss", ".atom", ".rdf")
_ROOTS: Final = re.compile(r"<(?:[a-z0-9]+:)?(?:rss|feed|rdf)\b", re.IGNORECASE)
_WXR: Final = ("wordpress.org/export/", "<wp:wxr_version")
_HTML_TYPES: Final = ("text/html", "application/xhtml+xml", "html", "xhtml")
_READ_MORE: Final = re.compile(r"\s*\[(?:…|\.\.\.|&#8230;|&hellip;)\]\s*$")
_CHARREF: Final = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")
_DECLARED: Final = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']""")
_BOMS: Final = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_BENIGN: Final = ("CharacterEncodingOverride", "NonXMLContentType")


def sniff(path: Path, head: bytes) -> bool:
    """True for an RSS, RDF or Atom document or a JSON Feed (not a WordPress export)."""
    text = head_text(head)
    if text.lstrip().startswith("{"):
        return jsonfeed.sniff(text)
    lower = text.lower()
    if any(marker in lower for marker in _WXR):
        return False
    start = lower.lstrip()
    if start.startswith(("<!doctype html", "<html")):
        return False
    return _ROOTS.search(text[:4096]) is not None


def read(
    path: Path, *, tz: tzinfo = UTC, text: str | None = None, options: ReadOptions | None = None
) -> list[Article]:
    """Every entry of the feed file ``path`` that reads (broken entries raise)."""
    data = read_bytes(path)
    return articles_of(
        iter_items(data, feed_key=str(path.resolve()), folder=path.parent, tz=tz, options=options)
    )


def read_url(url: str, *, tz: tzinfo = UTC, options: ReadOptions | None = None) -> Iterator[Item]:
    """Fetch the feed at ``url`` and yield its entries (see ``iter_items``)."""
    options = options or ReadOptions()
    got = fetch(url, limits=options.limits)
    yield from iter_items(got.data, feed_key=url, base=got.final_url, media_type=got.media_type,
                          charset=got.charset, tz=tz, options=options)  # fmt: skip


def iter_items(
    data: bytes,
    *,
    feed_key: str,
    base: str | None = None,
    folder: Path | None = None,
    media_type: str | None = None,
    charset: str | None = None,
    tz: tzinfo = UTC,
    options: ReadOptions | None = None,
) -> Iterator[Item]:
    """One item per entry of the feed ``data``; see the module docstring."""
    options = options or ReadOptions()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        yield from jsonfeed.iter_items(data, feed_key=feed_key, folder=folder, tz=tz,
                                       options=options)  # fmt: skip
        return
    data, charset = _decodable(data, charset, feed_key)
    headers = {"content-location": base} if base else {}
    if media_type:
        headers["content-type"] = media_type + (f"; charset={charset}" if charset else "")
    try:
        parsed = feedparser.parse(_no_charrefs_to_nothing(data), response_headers=headers,
                                  sanitize_html=False)  # fmt: skip
    except (ValueError, OverflowError) as exc:  # feedparser's loose parser on unreadable bytes
        raise ArticleError(f"is not an RSS or Atom feed I can read ({exc})", feed_key) from None
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries:
        reason = f" ({_one_line(problem)})" if problem is not None else ""
        if not parsed.get("version"):
            raise ArticleError(f"is not an RSS or Atom feed I can read{reason}", feed_key)
        if problem is not None:
            raise ArticleError(f"is a broken feed with no readable entries{reason}", feed_key)
        raise ArticleError("is a feed with no items: nothing to import", feed_key)
    channel = parsed.get("feed") or {}
    taxonomy = Taxonomy(dict(options.categories))
    for index, entry in enumerate(entries):
        key = f"{feed_key}#{_entry_id(entry, index)}"
        try:
            article, notes = _article(entry, channel, key, index, tz, options, taxonomy)
        except PermapressError as exc:
            yield Failed(key, _one_line(exc))
            continue
        yield article
        yield from (Note(key, note) for note in notes)
    if problem is not None and type(problem).__name__ not in _BENIGN:
        yield Note(
            feed_key,
            f"the feed is not well-formed ({_one_line(problem)}); {len(entries)} entries were "
            "recovered, others may be missing",
        )


def _decodable(data: bytes, charset: str | None, feed_key: str) -> tuple[bytes, str | None]:
    """``data`` and its charset as feedparser should get them. When neither the HTTP charset,
    the XML declaration nor a byte-order mark (else UTF-8) decodes the bytes, feedparser asks
    chardet, whose word filter takes time quadratic in the input (seconds for 10 KB, without end
    for a large feed); the bytes are then decoded here (``decode_text``) and given as UTF-8."""
    declared = _DECLARED.match(data)
    named = [charset, declared.group(1).decode("ascii", "replace") if declared else None]
    named += [name for bom, name in _BOMS if data.startswith(bom)]
    for encoding in [n for n in named if n] or ["utf-8"]:
        try:
            data.decode(encoding)
            return data, charset
        except (LookupError, UnicodeError):
            continue
    text = decode_text(data, feed_key)
    if declared:
        text = text.replace(declared.group(1).decode("ascii", "replace"), "utf-8", 1)
    return text.encode("utf-8"), "utf-8" if charset else None


def _no_charrefs_to_nothing(data: bytes) -> bytes:
    """``data`` with character references to no character (beyond U+10FFFF, a surrogate, or
    too long to be a number) as U+FFFD, as HTML reads them: feedparser's fallback parser
    fails on them instead."""

    def fix(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        if len(ref) <= 8:
            code = int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
            if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return match.group(0)
        return b"&#xFFFD;"

    return _CHARREF.sub(fix, data) if b"&#" in data else data


def _feed_name(channel: Any, index: int) -> str:
    """ "<feed title>, entry N" for an entry with no title, text or link of its own."""
    feed_title = one_line(html_lib.unescape(re.sub(r"<[^>]+>", "", channel.get("title") or "")))
    return f"{feed_title}, entry {index + 1}" if feed_title else f"Untitled entry {index + 1}"


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


def _entry_id(entry: Any, index: int) -> str:
    title = html_lib.unescape(re.sub(r"<[^>]+>", "", entry.get("title") or ""))
    for value in (entry.get("id"), entry.get("link"), title):
        if isinstance(value, str) and value.strip():
            return one_line(value)
    return f"entry-{index + 1}"


def _date(entry: Any, *keys: str, tz: tzinfo) -> datetime | None:
    for key in keys:
        raw = dict.get(entry, key)  # not entry.get: feedparser maps a missing updated
        if isinstance(raw, str) and raw.strip():
            try:
                return parse_datetime(raw, tz, key)
            except ArticleError:
                parsed = dict.get(entry, f"{key}_parsed")
                if parsed is not None:
                    year, month, day, hour, minute, second = parsed[:6]
                    try:
                        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
                    except ValueError:  # feedparser's reading of "0000-00-00": year 0 or -1
                        continue
    return None


def _content(entry: Any) -> tuple[str, str] | None:
    """(value, type) of the richest body: full content, else the summary."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: (c.get("type", "") in _HTML_TYPES, len(c["value"])))
        return best["value"], best.get("type", "text/html")
    summary = entry.get("summary_detail") or {}
    value = summary.get("value") or entry.get("summary") or ""
    return (value, summary.get("type", "text/html")) if value.strip() else None


def _markdown(value: str, kind: str, base: str | None) -> str:
    if kind in _HTML_TYPES:
        return html_to_markdown(value, base_url=base)
    paragraphs = [one_line(p) for p in re.split(r"\n\s*\n", value) if p.strip()]
    return html_to_markdown("".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs))


def _terms(entry: Any) -> list[str]:
    out: list[str] = []
    for tag in entry.get("tags") or []:
        term = tag.get("label") or tag.get("term")
        if isinstance(term, str) and one_line(term):
            out.extend(one_line(t) for t in term.split(",") if t.strip())
    return out


def _image(entry: Any) -> str | None:
    candidates = [m.get("url") for m in entry.get("media_content") or [] if
                  str(m.get("medium", "image")) == "image" or
                  str(m.get("type", "")).startswith("image/")]  # fmt: skip
    candidates += [m.get("url") for m in entry.get("media_thumbnail") or []]
    candidates += [link.get("href") for link in entry.get("links") or []
                   if link.get("rel") == "enclosure" and
                   str(link.get("type", "")).startswith("image/")]  # fmt: skip
    urls = (trimmed_url(c) for c in candidates)
    return next((c for c in urls if c and is_image_url(c)), None)


def _article(
    entry: Any,
    channel: Any,
    key: str,
    index: int,
    tz: tzinfo,
    options: ReadOptions,
    taxonomy: Taxonomy,
) -> tuple[Article, list[str]]:
    """The entry as an article, with a note for everything that had to be inferred."""
    notes: list[str] = []
    inferred: list[str] = []
    link = trimmed_url(entry.get("link"))
    entry_id = trimmed_url(entry.get("id"))
    if link is None and entry_id and entry_id.startswith(("http://", "https://")):
        link = entry_id
    title = one_line(html_lib.unescape(re.sub(r"<[^>]+>", "", entry.get("title") or "")))
    published = _date(entry, "published", "created", "updated", tz=tz)
    updated = _date(entry, "updated", tz=tz)
    modified = updated if updated and published and updated > published else None
    if published is None:
        published = _date(channel, "published", "updated", tz=tz)
        if published is not None:
            notes.append(f"no date: used the feed's date, {when(published)}")
        else:
            published = options.clock()
            notes.append(f"no date, in the entry or the feed: used the time of import, "
                         f"{when(published)}")  # fmt: skip
        inferred.append("published")
    if options.fetch and link:
        from permapress.articles.html import read_url as read_page_url

        try:
            page = read_page_url(link, tz=tz, options=options)
        except PermapressError as exc:
            notes.append(f"could not fetch {link} ({_one_line(exc)}); kept the feed's entry")
        else:
            page_date = "published" in inferred and page.published is not None
            guessed = "published" in inferred and not page_date
            return validate(replace(
                page,
                headline=page.headline or title,
                published=page.published if page_date else published,
                modified=modified or page.modified,
                source=key,
                inferred=tuple({*page.inferred, *(("published",) if guessed else ())}),
            )), [n for n in notes if not (page_date and n.startswith("no date"))]  # fmt: skip
    content = _content(entry)
    raw_title = entry.get("title") or ""
    if content is None and not title and "<img" in raw_title:
        content = (raw_title, "text/html")  # a title that is only an image: keep the image
    base = link or (entry.get("title_detail") or {}).get("base") or None
    body = _markdown(*content, base) if content else ""
    if content and not body and content[1] in _HTML_TYPES and markup_text(content[0]):
        # only markup the sanitiser drops whole (MathML, SVG): keep its words
        body = _markdown(markup_text(content[0]), "text/plain", base)
        notes.append("its content is markup that is not kept (MathML, SVG…): kept its words")
    summary_value = entry.get("summary") or ""
    summary_value = _READ_MORE.sub("", summary_value)
    summary = summarize(_markdown(summary_value, "text/html", base)) if content and \
        entry.get("content") and summary_value else summarize(body)  # fmt: skip
    if not title:
        title = headline_from_text(body) if body else ""
        source_of_title = "its first sentence"
        if not title and link:
            title, source_of_title = headline_from_link(link), "its link"
        if not title and body:
            title = _feed_name(channel, index)
            source_of_title = "the feed's title and the entry's place"
        if title:
            inferred.append("headline")
            notes.append(f"no title: used {source_of_title}, {title!r}")
    if not body:
        if link:
            body = link_only_body(link)
            notes.append(f"no text: kept as a link to the original, {link}")
        elif title:
            body = html_to_markdown(f"<p>{html_lib.escape(title)}</p>")
            notes.append("no text and no link: kept its title as its text")
        else:
            raise ArticleError("the entry has no title, no text and no link: nothing to keep")
        inferred.append("body")
    detail = (entry.get("content") or [{}])[0]
    language = language_tag(detail.get("language")) or language_tag(
        (entry.get("title_detail") or {}).get("language")
    ) or language_tag(channel.get("language")) or options.language  # fmt: skip
    authors = [one_line(a.get("name") or "") for a in entry.get("authors") or []]
    if not any(authors) and entry.get("author"):
        authors = [one_line(str(entry["author"]))]
    categories, tags = split_terms(_terms(entry), taxonomy)
    article = Article(
        headline=title,
        slug=entry_slug(title, link, key),
        published=published,
        modified=modified,
        authors=tuple(a for a in authors if a),
        categories=categories,
        tags=tags,
        summary=summary,
        language=language,
        body=body,
        image=_image(entry),
        source=key,
        inferred=tuple(inferred),
    )
    return validate(article), notes
