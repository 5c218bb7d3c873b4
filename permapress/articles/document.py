"""article.md: the canonical stored source of one article version, and reading it back.

    to_markdown(article) -> str                       YAML front matter, a blank line, the body
    from_markdown(text, media=None, source=None)      the inverse

The front matter has a fixed key order and one fixed spelling for every value, so the same
article always gives the same bytes (and the same CID)::

    ---
    title: "Harbour council passes its budget"
    slug: "harbour-council-passes-its-budget"
    date: 2025-03-04T09:30:00+01:00
    lastmod: 2025-03-05T10:00:00+01:00        (only when modified)
    authors: ["Jane Doe"]
    categories: ["Politics & Government"]
    tags: ["budget"]
    summary: "The council voted …"
    lang: "en"
    image: "media/harbour.jpg"                (only with a lead image; or its http(s) URL)
    media: ["harbour.jpg"]                    (only with media; bytes live in media/)
    media_origins: ["harbour.jpg https://…"]  (only for images downloaded from a URL)
    draft: true                               (only for drafts)
    inferred: ["published"]                   (only when an importer inferred fields)
    type: "opinion"                           (only when the type of work is given)
    sources: ["Council minutes https://…"]    (only with sources and references)
    methods: "We read …"                      (only with a "how we reported this")
    location: "Harbourtown"                   (only with a location)
    ---

    Body Markdown, ending with one newline.

Text values are double-quoted with JSON-style escapes, which every YAML reader accepts; the
characters YAML treats as line breaks or cannot hold raw are escaped. ``from_markdown`` attaches
``media`` (matched by name to the ``media:`` list); without it the article comes back without
media bytes but keeps its lead image name. ``from_markdown(to_markdown(a), a.media) == a`` for
every validated article ``a``. Bad input raises ``ArticleError``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from typing import Any, Final

from permapress.articles import frontmatter
from permapress.articles.dates import parse_datetime
from permapress.articles.media import with_origins
from permapress.articles.model import Article, Media, validate
from permapress.articles.sanitize import sanitize_markdown
from permapress.errors import ArticleError

MEDIA_FOLDER: Final = "media/"
_SPECIAL: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
# What a double-quoted scalar cannot hold raw: the quote and the backslash, and every character
# outside YAML's printable set (x20-x7E, xA0-xD7FF, xE000-xFFFD, x10000-x10FFFF) or that YAML
# reads as a line break or a byte order mark (x85 is outside the set already).
_ESCAPED: Final = re.compile(
    r'["\\\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]'
)


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    # every character past xFFFF is printable: the others fit four hex digits
    return _SPECIAL.get(ch) or f"\\u{ord(ch):04x}"


def quote(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (JSON-compatible escapes)."""
    return f'"{_ESCAPED.sub(_escape, value)}"'


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


def to_markdown(article: Article) -> str:
    """The article as Markdown with front matter; see the module docstring."""
    lines = [
        "---",
        f"title: {quote(article.headline)}",
        f"slug: {quote(article.slug)}",
        f"date: {article.published.isoformat()}",
    ]
    if article.modified is not None:
        lines.append(f"lastmod: {article.modified.isoformat()}")
    lines += [
        f"authors: {_flow(article.authors)}",
        f"categories: {_flow(article.categories)}",
        f"tags: {_flow(article.tags)}",
        f"summary: {quote(article.summary)}",
        f"lang: {quote(article.language)}",
    ]
    if article.image is not None:
        image = article.image if "://" in article.image else MEDIA_FOLDER + article.image
        lines.append(f"image: {quote(image)}")
    if article.media:
        lines.append(f"media: {_flow([m.name for m in article.media])}")
        origins = [f"{m.name} {m.origin}" for m in article.media if m.origin]
        if origins:
            lines.append(f"media_origins: {_flow(origins)}")
    if article.draft:
        lines.append("draft: true")
    if article.inferred:
        lines.append(f"inferred: {_flow(article.inferred)}")
    if article.genre:
        lines.append(f"type: {quote(article.genre)}")
    if article.sources:
        lines.append(f"sources: {_flow(article.sources)}")
    if article.methods:
        lines.append(f"methods: {quote(article.methods)}")
    if article.location:
        lines.append(f"location: {quote(article.location)}")
    lines += ["---", "", article.body.rstrip("\n"), ""]
    return "\n".join(lines)


def from_markdown(
    text: str, media: Sequence[Media] | None = None, *, source: str | None = None
) -> Article:
    """The article that ``to_markdown`` wrote; see the module docstring."""
    label = source or "article.md"
    meta, body, _ = frontmatter.split(text, label)

    def required(key: str) -> Any:
        value = meta.get(key)
        if value is None:
            raise ArticleError(f"article.md has no '{key}'", source=source)
        return value

    def names(key: str) -> tuple[str, ...]:
        return tuple(frontmatter.text_list(meta.get(key), key, label, commas=False))

    published = _datetime(required("date"), "date", source)
    lastmod = meta.get("lastmod")
    image = meta.get("image")
    if image is not None:
        image = frontmatter.text(image, "image", label)
        if image.startswith(MEDIA_FOLDER):
            image = image[len(MEDIA_FOLDER) :]
    listed = names("media")
    article = Article(
        headline=frontmatter.text(required("title"), "title", label),
        slug=frontmatter.text(required("slug"), "slug", label),
        published=published,
        modified=_datetime(lastmod, "lastmod", source) if lastmod is not None else None,
        authors=names("authors"),
        categories=names("categories"),
        tags=names("tags"),
        summary=frontmatter.text(meta.get("summary") or "", "summary", label),
        language=frontmatter.text(required("lang"), "lang", label),
        body=sanitize_markdown(body),
        media=with_origins(_attach(listed, media, source), names("media_origins")),
        image=image,
        draft=frontmatter.flag(meta["draft"], "draft", label) if "draft" in meta else False,
        source=source,
        inferred=names("inferred"),
        **frontmatter.trust_fields(meta, label),
    )
    return validate(article, require_media=media is not None or not listed)


def _datetime(value: Any, key: str, source: str | None) -> Any:
    try:
        return parse_datetime(value, UTC, key)
    except ArticleError as exc:
        raise ArticleError(exc.reason, source=source) from None


def _attach(
    listed: tuple[str, ...], media: Sequence[Media] | None, source: str | None
) -> tuple[Media, ...]:
    if media is None:
        return ()
    by_name = {m.name: m for m in media}
    missing = [name for name in listed if name not in by_name]
    if missing:
        raise ArticleError(f"article.md lists media {missing[0]!r} that was not given", source)
    extra = sorted(set(by_name) - set(listed))
    if extra:
        raise ArticleError(f"media {extra[0]!r} is not listed in article.md", source)
    return tuple(by_name[name] for name in listed)
