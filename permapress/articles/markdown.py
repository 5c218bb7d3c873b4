"""Reader for Markdown files with front matter, as Hugo, Jekyll and Pelican users write them.

    FORMAT = "markdown"
    sniff(path, head) -> bool                      the file starts with a '---' or '+++' line
                                                   (a .md file with Pelican's "Title: …" lines
                                                   is read too, chosen by its extension)
    read(path, *, tz=UTC, text=None) -> [Article]  one article per file

Front matter keys (case-insensitive; the first one present wins):

    title | headline                  required
    date                              required (or a Jekyll file name 2025-07-08-title.md)
    lastmod | updated | modified      optional
    categories | category             list, or text split on commas
    tags | keywords                   list, or text split on commas
    author (one name) | authors (list, or text split on commas)
    summary | description | excerpt   default: the first paragraph, shortened
    slug                              default: headline_slug(title); a given slug is slugified too
    lang | language                   default "en"
    image | images (first) | cover    a file beside the article, or an http(s) URL
    draft                             true/false; also Jekyll ``published: false`` and
                                      Pelican ``status: draft``
    type, sources, methods, location  the reader's indicators (``frontmatter.trust_fields``)

Dates are parsed by ``dates.parse_datetime``; a time without an offset is in ``tz``. Images the
body references by a relative path (``![x](img/a.jpg)``, reference definitions, ``<img src>``)
and a relative ``image`` become ``Media`` and their references are rewritten to
``media/<name>``; a missing one, or one outside the folder being imported (``media``), raises
``ArticleError`` naming it. The files an exported article.md lists under ``media:`` are
attached as they are, except an older bundle's ``source.html`` + ``source.json``, which
become ``source.warc.gz`` (``items.migrate_provenance``: a correction moves the kept original
page to the WARC format; earlier versions stay as published). The body is sanitised
(``sanitize.sanitize_markdown``). Every problem raises ``ArticleError`` naming the file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final

from markdown_it.common.utils import unescapeAll

from permapress.articles import frontmatter
from permapress.articles.dates import parse_datetime
from permapress.articles.items import migrate_provenance
from permapress.articles.markup import summarize
from permapress.articles.mdscan import destinations, may_link_or_tag, new_parser, source_of
from permapress.articles.media import MediaCollector, is_local_reference, with_origins
from permapress.articles.model import Article, is_image_url, normalise_body, validate
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.slug import headline_slug
from permapress.articles.textfile import head_text, read_text
from permapress.errors import ArticleError

FORMAT: Final = "markdown"
EXTENSIONS: Final = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
DEFAULT_LANGUAGE: Final = "en"

_PARSER: Final = new_parser()
_HTML_IMG_SRC: Final = re.compile(
    r"<img\b[^>]*?\ssrc\s*=\s*(?:\"(?P<d>[^\"]*)\"|'(?P<s>[^']*)'|(?P<u>[^\s\"'=<>`]+))",
    re.IGNORECASE,
)


def sniff(path: Path, head: bytes) -> bool:
    """True when the file starts with front matter."""
    return frontmatter.has_front_matter(head_text(head))


def read(path: Path, *, tz: tzinfo = UTC, text: str | None = None) -> list[Article]:
    """The article in the Markdown file ``path`` (``text``: its already decoded content)."""
    source = str(path)
    if text is None:
        text = read_text(path)
    meta, body, _ = frontmatter.split(text, source)
    return [article_from_front_matter(meta, body, path=path, tz=tz)]


def article_from_front_matter(
    meta: dict[str, Any], body: str, *, path: Path, tz: tzinfo = UTC
) -> Article:
    """Build and validate the article that ``meta`` (lowercase keys) and ``body`` describe."""
    source = str(path)
    key, value = frontmatter.first(meta, "title", "headline")
    if value is None:
        raise ArticleError("front matter has no title (add `title: …`)", source=source)
    headline = frontmatter.text(value, key, source)

    key, value = frontmatter.first(meta, "date")
    if value is None:
        value = frontmatter.filename_date(path.name)
        if value is None:
            raise ArticleError(
                "front matter has no date (add `date: 2025-07-08` or `date: "
                "2025-07-08T14:30:00+02:00`)",
                source=source,
            )
        key = "date"
    published = _when(value, key, tz, source)
    key, value = frontmatter.first(meta, "lastmod", "updated", "modified")
    modified = _when(value, key, tz, source) if value is not None else None

    media = MediaCollector(path.parent, source)
    image = _lead_image(meta, media, source)
    text = sanitize_markdown(normalise_body(body))
    text = _rewrite_images(text, media)
    listed = _media_list(meta, source)
    for name in listed:
        media.add_attachment(name)

    key, value = frontmatter.first(meta, "summary", "description", "excerpt")
    summary = frontmatter.text(value, key, source) if value is not None else summarize(text)
    key, value = frontmatter.first(meta, "slug")
    slug = headline_slug(frontmatter.text(value, key, source) if value is not None else headline)
    key, value = frontmatter.first(meta, "lang", "language")
    language = frontmatter.text(value, key, source).strip() if value is not None else None

    article = Article(
        headline=headline,
        slug=slug,
        published=published,
        modified=modified,
        authors=tuple(_authors(meta, source)),
        categories=tuple(_listed(meta, source, "categories", "category")),
        tags=tuple(_listed(meta, source, "tags", "keywords")),
        summary=summary,
        language=language or DEFAULT_LANGUAGE,
        body=text,
        media=with_origins(migrate_provenance(media.ordered(listed)), _origins(meta, source)),
        image=image,
        draft=_draft(meta, source),
        source=source,
        **frontmatter.trust_fields(meta, source),
    )
    return validate(article)


def _when(value: Any, key: str, tz: tzinfo, source: str) -> datetime:
    try:
        return parse_datetime(value, tz, key)
    except ArticleError as exc:
        raise ArticleError(exc.reason, source=source) from None


def _listed(meta: dict[str, Any], source: str, *keys: str) -> list[str]:
    key, value = frontmatter.first(meta, *keys)
    return frontmatter.text_list(value, key, source)


def _authors(meta: dict[str, Any], source: str) -> list[str]:
    key, value = frontmatter.first(meta, "authors", "author")
    return frontmatter.text_list(value, key, source, commas=key == "authors")


def _draft(meta: dict[str, Any], source: str) -> bool:
    draft = False
    key, value = frontmatter.first(meta, "draft")
    if value is not None:
        draft = frontmatter.flag(value, key, source)
    key, value = frontmatter.first(meta, "published")
    if value is not None and not frontmatter.flag(value, key, source):
        draft = True
    key, value = frontmatter.first(meta, "status")
    if value is not None and frontmatter.text(value, key, source).strip().lower() == "draft":
        draft = True
    return draft


def _media_list(meta: dict[str, Any], source: str) -> list[str]:
    """The ``media:`` list that permapress's own article.md carries (every media file by name)."""
    value = meta.get("media")
    if value is None:
        return []
    return frontmatter.text_list(value, "media", source, commas=False)


def _origins(meta: dict[str, Any], source: str) -> list[str]:
    """article.md's ``media_origins``: "name url" for each image downloaded from a URL."""
    value = meta.get("media_origins")
    return frontmatter.text_list(value, "media_origins", source, commas=False) if value else []


def _lead_image(meta: dict[str, Any], media: MediaCollector, source: str) -> str | None:
    key, value = frontmatter.first(meta, "image", "images", "cover")
    if value is None:
        return None
    if isinstance(value, list):
        if not value:
            return None
        value = value[0]
    if isinstance(value, dict) and "image" in value:
        value = value["image"]
    ref = frontmatter.text(value, key, source).strip()
    if is_image_url(ref):
        return ref  # http too: the import's media step archives it, or notes it stays a link
    if not is_local_reference(ref):
        raise ArticleError(
            f"{key} '{ref}' must be an http(s):// URL or a path relative to the article file",
            source=source,
        )
    return media.add(ref, field=key)


def _image_sources(tokens: list[Any]) -> set[str]:
    found: set[str] = set()
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                found.add(str(child.attrs.get("src", "")))
            if child.children:
                found |= _image_sources([child])
    return found


def _rewrite_images(text: str, media: MediaCollector) -> str:
    """Turn every local image reference into ``media/<name>``, collecting the files."""
    if not may_link_or_tag(text):
        return text  # no destination and no <img>
    source = source_of(text)
    images = _image_sources(source.tokens)
    edits: list[tuple[int, int, str]] = []
    for dest in destinations(source):
        if dest.kind == "autolink":
            continue
        raw = dest.raw(text)
        if not is_local_reference(raw):
            continue
        if _PARSER.normalizeLink(unescapeAll(raw)) not in images:
            continue
        name = media.add(raw, field="image")
        edits.append((dest.start, dest.end, f"media/{name}"))
    for match in _HTML_IMG_SRC.finditer(text):
        group = next(g for g in ("d", "s", "u") if match.group(g) is not None)
        start, end = match.span(group)
        if source.code[start] or not is_local_reference(match.group(group)):
            continue
        name = media.add(match.group(group), field="image")
        edits.append((start, end, f"media/{name}"))
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)
