"""JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/) in, as the feed reader's helper.

    sniff(text) -> bool                     a JSON object whose "version" is a jsonfeed.org URL
    iter_items(data, *, feed_key, folder=None, tz=UTC, options=None) -> Iterator[Item]
    EXTENSION = "_permapress"               the item extension ``export`` writes

Each item becomes an article: id (the key: "<feed key>#<id>"), title, content_html (through
``htmltomd``) or content_text, summary, date_published (else date_modified, else the time of
import) and date_modified, authors / author (else the feed's), tags (split into categories and
tags like RSS terms), language (item, else feed), image (an http(s) URL). Like the XML feed
reader, an item without a title takes its first sentence or its url, and one without text becomes a
link-only article, with a ``Note`` and the field named in ``inferred`` each time; an item
with neither text nor url fails, and a feed with no items raises ``ArticleError``. A date
that cannot be read is ignored with a note (as if absent), never a refused item; so is a
title, summary, content_html, content_text or author name that is not text (an object, a
number, a list), and then the usual inference applies.

An item that carries the ``_permapress`` extension (written by ``permapress export --format
jsonfeed``) is read exactly from it: ``{"slug", "markdown", "categories", "tags", "summary",
"image", "draft", "media": [{"name", "media_type", "path"}]}``, with media files read from
paths relative to the feed file (``folder``), so an exported newsroom imports back unchanged.
A broken item becomes ``Failed``; a document that is not a JSON Feed raises ``ArticleError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final

from permapress.articles.dates import parse_datetime
from permapress.articles.fields import trust_from_fields
from permapress.articles.htmlmeta import language_tag
from permapress.articles.htmltomd import html_to_markdown
from permapress.articles.infer import (
    headline_from_link,
    headline_from_text,
    link_only_body,
    trimmed_url,
    when,
)
from permapress.articles.items import (
    Failed,
    Item,
    Note,
    ReadOptions,
    entry_slug,
    load_json,
    load_media,
    split_terms,
)
from permapress.articles.markup import summarize
from permapress.articles.model import (
    Article,
    Media,
    is_image_url,
    one_line,
    validate,
)
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import ArticleError, PermapressError

EXTENSION: Final = "_permapress"
VERSION_PREFIX: Final = "https://jsonfeed.org/version/"


def sniff(text: str) -> bool:
    """True when ``text`` (the start of a file) looks like a JSON Feed."""
    head = text[:8192].replace("\\/", "/")
    if "jsonfeed.org/version/" in head:
        return True
    return '"items"' in head and any(f in head for f in ('"content_html"', '"content_text"'))


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ArticleError(f"{field} must be text, not {value!r}")
    return value


def _names(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ArticleError(f"{field} must be a list, not {value!r}")
    return tuple(_text(v, field) for v in value)


def iter_items(
    data: bytes,
    *,
    feed_key: str,
    folder: Path | None = None,
    tz: tzinfo = UTC,
    options: ReadOptions | None = None,
) -> Iterator[Item]:
    """One item per JSON Feed item; see the module docstring."""
    options = options or ReadOptions()
    doc = load_json(data, feed_key)
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(VERSION_PREFIX):
        raise ArticleError("is not a JSON Feed (no jsonfeed.org version)", feed_key)
    items = doc.get("items")
    if not isinstance(items, list):
        raise ArticleError("is a JSON Feed without an items list", feed_key)
    if not items:
        raise ArticleError("is a JSON Feed with no items: nothing to import", feed_key)
    language = language_tag(doc.get("language")) or options.language
    taxonomy = Taxonomy(dict(options.categories))
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        key = f"{feed_key}#{item_id if isinstance(item_id, (str, int)) else index + 1}"
        try:
            if not isinstance(item, dict):
                raise ArticleError(f"item {index + 1} is not an object")
            extension = item.get(EXTENSION)
            if isinstance(extension, dict):
                yield _exact(item, extension, key, folder, tz)
                continue
            article, notes = _plain(item, key, doc, language, tz, taxonomy, options)
        except PermapressError as exc:
            yield Failed(key, " ".join(str(exc).split()))
            continue
        yield article
        yield from (Note(key, note) for note in notes)


def _authors(item: dict[str, Any], notes: list[str] | None = None) -> tuple[str, ...]:
    people = item.get("authors")
    if not isinstance(people, list):
        single = item.get("author")
        people = [single] if isinstance(single, dict) else []
    names = [p.get("name") for p in people if isinstance(p, dict)]
    if notes is not None:
        notes.extend(_not_text("author name", n) for n in names
                     if n is not None and not isinstance(n, str))  # fmt: skip
    return tuple(one_line(name) for name in names if isinstance(name, str) and name.strip())


def _not_text(field: str, value: object) -> str:
    kind = {dict: "an object", list: "a list", bool: "true or false"}.get(type(value), "a number")
    return f"{field} is {kind}, not text: ignored"


def _given(item: dict[str, Any], field: str, notes: list[str]) -> str:
    """The item's text ``field``; a value that is not text counts as absent, with a note."""
    value = item.get(field)
    if value is None or isinstance(value, str):
        return value or ""
    notes.append(_not_text(field, value))
    return ""


def _exact(
    item: dict[str, Any], ext: dict[str, Any], key: str, folder: Path | None, tz: tzinfo
) -> Article:
    media: list[Media] = []
    listed = ext.get("media") or []
    for entry in listed if isinstance(listed, list) else [listed]:
        if not isinstance(entry, dict):
            raise ArticleError("_permapress.media must be a list of media objects")
        if folder is None:
            raise ArticleError("media files can only be read from a feed file, not a URL")
        media.append(load_media(folder, _text(entry.get("path"), "media path"),
                                _text(entry.get("name"), "media name"),
                                _text(entry.get("media_type"), "media type"), key))  # fmt: skip
    modified = item.get("date_modified")
    article = Article(
        headline=_text(item.get("title"), "title"),
        slug=_text(ext.get("slug"), "slug"),
        published=parse_datetime(_text(item.get("date_published"), "date_published"), tz),
        modified=parse_datetime(_text(modified, "date_modified"), tz) if modified else None,
        authors=_authors(item),
        categories=_names(ext.get("categories"), "categories"),
        tags=_names(ext.get("tags"), "tags"),
        summary=_text(ext.get("summary", ""), "summary"),
        language=_text(item.get("language"), "language"),
        body=sanitize_markdown(_text(ext.get("markdown"), "markdown")),
        media=tuple(media),
        image=ext.get("image"),
        draft=ext.get("draft") is True,
        source=key,
        **trust_from_fields(ext),
    )
    return validate(article)


def _date(item: dict[str, Any], field: str, tz: tzinfo, notes: list[str]) -> datetime | None:
    """The item's ``field`` as a date; one that cannot be read is a note, not a refusal."""
    raw = item.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return parse_datetime(raw, tz, field)
    except ArticleError:
        shown = raw if isinstance(raw, str) else json.dumps(raw)[:80]
        notes.append(f"{field} {shown!r} is not a date that can be read: ignored")
        return None


def _plain(
    item: dict[str, Any], key: str, feed: dict[str, Any], language: str, tz: tzinfo,
    taxonomy: Taxonomy, options: ReadOptions,
) -> tuple[Article, list[str]]:

    notes: list[str] = []
    inferred: list[str] = []
    title = one_line(_given(item, "title", notes))
    content_html = _given(item, "content_html", notes)
    content_text = _given(item, "content_text", notes)
    summary_text = _given(item, "summary", notes)
    given = _date(item, "date_published", tz, notes)
    modified = _date(item, "date_modified", tz, notes)
    published = given or modified
    if published is None:
        published = options.clock()
        inferred.append("published")
        notes.append(f"no date: used the time of import, {when(published)}")
    link = trimmed_url(item.get("url")) or trimmed_url(item.get("external_url"))
    if content_html.strip():
        body = html_to_markdown(content_html, base_url=link)
    else:
        text = content_text or summary_text
        paragraphs = [one_line(p) for p in text.split("\n\n") if p.strip()]
        body = sanitize_markdown("\n\n".join(paragraphs))
    if not title:
        title, origin = (headline_from_text(body), "its first sentence") if body else ("", "")
        if not title and link:
            title, origin = headline_from_link(link), "its link"
        if title:
            inferred.append("headline")
            notes.append(f"no title: used {origin}, {title!r}")
    if not body:
        if not link:
            raise ArticleError("the item has no text and no url: nothing to keep")
        body = link_only_body(link)
        inferred.append("body")
        notes.append(f"no text: kept as a link to the original, {link}")
    tags_given = item.get("tags")
    terms = [one_line(t) for t in tags_given if isinstance(t, str) and t.strip()] if isinstance(
        tags_given, list) else []  # fmt: skip
    categories, tags = split_terms(terms, taxonomy)
    image = trimmed_url(item.get("image")) or trimmed_url(item.get("banner_image"))
    article = Article(
        headline=title,
        slug=entry_slug(title, link, key),
        published=published,
        modified=modified,
        authors=_authors(item, notes) or _authors(feed),
        categories=categories,
        tags=tags,
        summary=one_line(summary_text) or summarize(body),
        language=language_tag(item.get("language")) or language,
        body=body,
        image=image if image and is_image_url(image) else None,
        source=key,
        inferred=tuple(inferred),
    )
    return validate(article), notes
