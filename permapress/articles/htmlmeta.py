"""What a news page says about itself: JSON-LD, Open Graph and meta tags, merged.

    page_meta(root, base_url=None) -> PageMeta
    PageMeta(headline, authors, published, modified, summary, image, language, categories,
             tags, canonical, site_name, dates, body)
    language_tag(text) -> str | None      "en_GB" / "EN-gb" -> "en-GB"; None if not BCP 47-ish

Sources in order of trust, the first one that has a value wins:

1. JSON-LD (``<script type="application/ld+json">``): the first object whose ``@type`` is a
   news or article type (NewsArticle, Article, ReportageNewsArticle, BlogPosting, …), found in
   a list, an ``@graph`` or ``mainEntity``; authors given as ``{"@id": …}`` are looked up in the
   graph. headline, author, datePublished, dateModified, description, image, inLanguage,
   articleSection, keywords, url / mainEntityOfPage, articleBody (``body``: plain text, one
   paragraph per line).
2. Open Graph and article: properties (og:title, og:description, og:image, og:url, og:locale,
   article:published_time, article:modified_time, article:author, article:section,
   article:tag), then Twitter cards, Highwire ``citation_*`` tags (one ``citation_author`` per
   author) and plain meta tags (author, description, date, news_keywords, Dublin Core).
3. The document: ``<html lang>``, ``<link rel=canonical>``, ``<time datetime>``, ``<title>``.

Headlines lose a site name the page appends or prepends, and a leading section name equal to
the article's section; the site's names are og:site_name, the JSON-LD publisher,
application-name and the domain. Bylines are split and cleaned as ``permapress.articles.bylines``
does (``author_names``, ``clean_authors``, ``strip_site_name``).

Values are raw text (dates unparsed: ``dates`` lists every candidate, best first); URLs are made
absolute against the canonical URL or ``base_url``. Author values that are URLs (profile links)
are ignored. Pure: no I/O; bad JSON-LD is skipped, never raised.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import lxml.html

from permapress import jsonsafe
from permapress.articles.bylines import (
    author_names,
    clean_authors,
    strip_section,
    strip_site_name,
)

ARTICLE_TYPES: Final = frozenset(
    {
        "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
        "LiveBlogPosting", "TechArticle", "ScholarlyArticle", "Report", "SocialMediaPosting",
        "AskPublicNewsArticle", "SatiricalArticle",
    }
)  # fmt: skip
_LANGUAGE_RE: Final = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{1,8}))*")
_GENERIC: Final = frozenset({"www", "www2", "com", "org", "net", "gov", "edu", "news", "amp",
                             "blog", "blogs", "info", "online", "web"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The page's own description of the article (raw values, see the module docstring)."""

    headline: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    summary: str | None = None
    image: str | None = None
    language: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    canonical: str | None = None
    site_name: str | None = None
    dates: tuple[str, ...] = ()
    body: str | None = None


def language_tag(text: object) -> str | None:
    """A BCP 47 tag from a locale ("en_GB" -> "en-GB"), or None (also for a value that is not
    text, as JSON and YAML sources can give)."""
    if not isinstance(text, str) or not text:
        return None
    value = text.strip().split(",")[0].strip()
    if not _LANGUAGE_RE.fullmatch(value):
        return None
    parts = value.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(out)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        text = " ".join(value.split())
        if "&" in text and ";" in text:
            text = html.unescape(text)  # some CMSs put HTML entities in their JSON-LD
        return text or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in value:
                yield from _walk(value[key])


def _jsonld_nodes(root: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = jsonsafe.loads(text, strict=False)
        except ValueError:  # not JSON, or nested too deeply to read
            continue
        nodes.extend(_walk(data))
    return nodes


def _names(value: Any, graph: dict[str, dict[str, Any]]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            item = graph.get(item["@id"], item)
        names.extend(author_names(_text(item) or ""))
    return names




def _body_text(value: Any) -> str | None:
    """JSON-LD ``articleBody`` with its paragraph breaks kept (HTML entities decoded)."""
    if not isinstance(value, str):
        return None
    text = html.unescape(value) if "&" in value else value
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p) or None


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [text for item in value if (text := _text(item))]
    text = _text(value)
    return [text] if text else []


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        return _image(value[0]) if value else None
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return _text(value)


def _meta_tags(root: lxml.html.HtmlElement) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        key = (key or meta.get("http-equiv") or "").strip()
        content = meta.get("content")
        if key and content is not None and content.strip():
            found.setdefault(key.lower(), []).append(" ".join(content.split()))
    return found


def _first(*candidates: str | None) -> str | None:
    return next((c for c in candidates if c), None)


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    try:
        return urljoin(base, url) if base else url
    except ValueError:
        return None


def page_meta(root: lxml.html.HtmlElement, base_url: str | None = None) -> PageMeta:
    """The page's metadata; see the module docstring."""
    nodes = _jsonld_nodes(root)
    graph = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ld = next((n for n in nodes if _types(n) & ARTICLE_TYPES), {})
    meta = _meta_tags(root)

    def tag(*keys: str) -> str | None:
        return next((meta[k][0] for k in keys if k in meta), None)

    def tags(*keys: str) -> list[str]:
        return [value for k in keys for value in meta.get(k, [])]

    canonical_link = next(
        (
            link.get("href")
            for link in root.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ),
        None,
    )
    ld_url = _text(ld.get("url")) or _image(ld.get("mainEntityOfPage"))
    canonical = _absolute(_first(canonical_link, tag("og:url"), ld_url), base_url)
    if canonical and not canonical.startswith(("http://", "https://")):
        canonical = None
    base = canonical or base_url
    html_lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    time_element = next((t.get("datetime") for t in root.iter("time") if t.get("datetime")), None)
    dates = [
        d
        for d in (
            _text(ld.get("datePublished")),
            tag("article:published_time", "og:published_time", "publish-date", "pubdate",
                "publishdate", "date", "dc.date", "dc.date.issued", "dcterms.created",
                "dcterms.date", "sailthru.date", "parsely-pub-date", "article.published",
                "citation_publication_date", "citation_date", "citation_online_date",
                "dc.date.created", "datepublished"),
            _text(ld.get("dateCreated")),
            time_element,
        )
        if d
    ]  # fmt: skip
    publisher = ld.get("publisher")
    site_name = _first(
        tag("og:site_name"),
        _text(publisher.get("name")) if isinstance(publisher, dict) else _text(publisher),
    )
    host = urlsplit(canonical or base_url or "").hostname or ""
    labels = [label for label in host.split(".") if len(label) >= 3 and label not in _GENERIC]
    sites = tuple(
        name
        for name in (
            site_name,
            _text(publisher.get("name")) if isinstance(publisher, dict) else None,
            tag("application-name", "og:site_name", "twitter:app:name:iphone"),
            (tag("twitter:site") or "").lstrip("@") or None,
            host,
            *labels,
        )
        if name
    )
    authors = _names(ld.get("author"), graph) if ld.get("author") else []
    authors = list(clean_authors(authors, sites))
    if not authors:
        for value in tags("author", "article:author", "citation_author", "dc.creator",
                          "dcterms.creator", "parsely-author", "sailthru.author"):  # fmt: skip
            authors.extend(author_names(value))
    title = root.find(".//title")
    ld_headline = _text(ld.get("headline"))
    other_title = _first(
        tag("og:title", "twitter:title", "citation_title", "dc.title"),
        _text(ld.get("name")),
        _text(title.text_content()) if title is not None else None,
    )
    if ld_headline:
        headline: str | None = strip_site_name(ld_headline, sites, short_tail=False)
    else:
        headline = strip_site_name(other_title, sites) if other_title else None
    categories = tuple(_list(ld.get("articleSection")) or tags("article:section"))
    if headline:
        headline = strip_section(headline, categories)
    return PageMeta(
        headline=headline,
        authors=clean_authors(authors, sites),
        published=dates[0] if dates else None,
        modified=_first(
            _text(ld.get("dateModified")),
            tag("article:modified_time", "og:updated_time", "dcterms.modified", "last-modified"),
        ),
        summary=_first(
            _text(ld.get("description")),
            tag("og:description", "twitter:description", "description", "dc.description"),
        ),
        image=_absolute(
            _first(_image(ld.get("image")), tag("og:image", "og:image:url", "twitter:image")),
            base,
        ),
        language=_first(
            language_tag(_text(ld.get("inLanguage"))),
            language_tag(tag("og:locale")),
            language_tag(html_lang),
            language_tag(tag("content-language", "dc.language", "language")),
        ),
        categories=categories,
        tags=tuple(
            _list(ld.get("keywords"))
            or tags("article:tag")
            or _list(tag("news_keywords") or "")
        ),
        canonical=canonical,
        site_name=site_name,
        dates=tuple(dates),
        body=_body_text(ld.get("articleBody")),
    )
