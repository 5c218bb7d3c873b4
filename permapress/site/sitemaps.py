"""sitemap.xml (sitemaps.org 0.9), news-sitemap.xml (Google News) and robots.txt.

Pure functions, bytes out, no clock. Paths are relative to the site root ("articles/x/");
with ``SiteInfo.base_url`` they become absolute URLs as the protocols require. Without it the
files carry the relative paths and a comment saying that a base URL is needed for search
engines to use them. The news sitemap lists the newest 1000 articles (the protocol's limit),
newest first; it does not drop articles older than two days, because that needs a clock.

``XmlOut`` is the small XML writer the feeds share: escaped text and attributes, characters
that XML 1.0 forbids removed, two-space indentation, nothing that varies between runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from permapress.site.views import ArticleEntry, SiteInfo, iso8601, newest_first
from permapress.sitepaths import NEWS_SITEMAP, article_folder, relative_root

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_LIMIT = 1000
RELATIVE_NOTE = (
    "The site's public address (base_url in permapress.toml) is not set, so the URLs below "
    "are relative to this file. Set it and rebuild to publish absolute URLs."
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# An attribute value that ``quoteattr`` puts in double quotes as it is: nothing to escape or drop.
_ATTRIBUTE_AS_IT_IS = re.compile('[^&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*\\Z')


def escape(text: str, extra: dict[str, str] | None = None) -> str:
    """&, < and > as entities (and any ``extra`` characters), as XML text needs."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char, entity in (extra or {}).items():
        text = text.replace(char, entity)
    return text


def quoteattr(value: str) -> str:
    """An attribute value with its quotes, escaped the way ``xml.sax.saxutils.quoteattr`` does
    (kept here: importing xml.sax pulls in urllib and http, which a build does not need)."""
    value = escape(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' in value:
        if "'" in value:
            return '"{}"'.format(value.replace('"', "&quot;"))
        return f"'{value}'"
    return f'"{value}"'


def xml_text(text: str) -> str:
    """Text safe inside an XML 1.0 element: escaped, forbidden characters removed."""
    text = _NOT_XML.sub("", text)
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        text = escape(text).replace("\r", "&#13;")
    return text


class XmlOut:
    """Writes one indented XML document, element by element. A feed or a sitemap is thousands
    of elements, so the indent of the open element is kept rather than counted for each."""

    def __init__(self) -> None:
        self._lines = ['<?xml version="1.0" encoding="utf-8"?>']
        self._open: list[str] = []
        self._indent = ""  # two spaces for each open element

    @staticmethod
    def _attrs(attrs: Iterable[tuple[str, str]]) -> str:
        if not attrs:
            return ""
        return "".join(
            f' {name}="{value}"'  # most values (links, types, terms) need nothing done
            if _ATTRIBUTE_AS_IT_IS.match(value)
            else f" {name}={quoteattr(_NOT_XML.sub('', value))}"
            for name, value in attrs
        )

    def comment(self, text: str) -> None:
        self._lines.append(f"{self._indent}<!-- {text.replace('--', '- -')} -->")

    def start(self, tag: str, attrs: Iterable[tuple[str, str]] = ()) -> None:
        self._lines.append(f"{self._indent}<{tag}{self._attrs(attrs)}>")
        self._open.append(tag)
        self._indent += "  "

    def end(self) -> None:
        tag = self._open.pop()
        self._indent = self._indent[:-2]
        self._lines.append(f"{self._indent}</{tag}>")

    def leaf(
        self, tag: str, text: str | None = None, attrs: Iterable[tuple[str, str]] = ()
    ) -> None:
        if text is None:
            self._lines.append(f"{self._indent}<{tag}{self._attrs(attrs)}/>")
        else:
            self._lines.append(f"{self._indent}<{tag}{self._attrs(attrs)}>{xml_text(text)}</{tag}>")

    def data(self) -> bytes:
        while self._open:
            self.end()
        return ("\n".join(self._lines) + "\n").encode("utf-8")


def site_url(site: SiteInfo, path: str, *, from_path: str = "") -> str:
    """The URL of ``path`` (relative to the site root) as seen from the file at ``from_path``:
    absolute with a base URL, else relative to that file ("./" for the root itself)."""
    if path.startswith(("http://", "https://")):
        return path
    absolute = site.absolute(path)
    if absolute is not None:
        return absolute
    return (relative_root(from_path) + path) or "./"


def sitemap_xml(
    site: SiteInfo,
    urls: Sequence[tuple[str, datetime | None]],
    *,
    from_path: str = "sitemap.xml",
) -> bytes:
    """A sitemap 0.9 ``urlset``: one ``url`` per (path, last modified) in the order given;
    ``from_path`` is where the file itself lies (relative URLs start from there)."""
    return _sitemap_list("urlset", "url", site, urls, from_path)


def sitemap_index_xml(
    site: SiteInfo, sitemaps: Sequence[tuple[str, datetime | None]], *, from_path: str
) -> bytes:
    """A sitemap index: one ``sitemap`` per (path of a sitemap file, its newest change)."""
    return _sitemap_list("sitemapindex", "sitemap", site, sitemaps, from_path)


def _sitemap_list(
    root: str,
    item: str,
    site: SiteInfo,
    rows: Sequence[tuple[str, datetime | None]],
    from_path: str,
) -> bytes:
    out = XmlOut()
    if site.base_url is None:
        out.comment(RELATIVE_NOTE)
    out.start(root, [("xmlns", SITEMAP_NS)])
    for path, modified in rows:
        out.start(item)
        out.leaf("loc", site_url(site, path, from_path=from_path))
        if modified is not None:
            out.leaf("lastmod", iso8601(modified))
        out.end()
    return out.data()


def news_sitemap_xml(site: SiteInfo, entries: Sequence[ArticleEntry]) -> bytes:
    """A Google News sitemap of the newest 1000 articles."""
    out = XmlOut()
    if site.base_url is None:
        out.comment(RELATIVE_NOTE)
    out.start("urlset", [("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)])
    for entry in newest_first(entries)[:NEWS_LIMIT]:
        article = entry.article
        out.start("url")
        out.leaf("loc", site_url(site, article_folder(article.slug), from_path=NEWS_SITEMAP))
        out.start("news:news")
        out.start("news:publication")
        out.leaf("news:name", site.name)
        out.leaf("news:language", (article.language or site.language).lower())
        out.end()
        out.leaf("news:publication_date", iso8601(article.published))
        out.leaf("news:title", article.headline)
        out.end()
        out.end()
    return out.data()


def robots_txt(site: SiteInfo) -> bytes:
    """robots.txt: everything may be crawled; the sitemaps are named when the address is known."""
    lines = ["User-agent: *", "Allow: /", ""]
    if site.base_url is None:
        lines.append("# Sitemap lines need the site's public address: set base_url in")
        lines.append("# permapress.toml and rebuild.")
    else:
        lines.append(f"Sitemap: {site.base_url}sitemap.xml")
        lines.append(f"Sitemap: {site.base_url}news-sitemap.xml")
    return ("\n".join(lines) + "\n").encode("utf-8")
