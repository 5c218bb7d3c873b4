"""The site's feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1. Pure functions, bytes out.

    atom_feed(site, entries, title=…, self_path="feed.xml")   -> bytes
    rss_feed(site, entries, title=…, self_path="rss.xml")     -> bytes
    json_feed(site, entries, title=…, self_path="feed.json")  -> bytes
    FeedWriter                                                 the shape the three share

``entries`` may be in any order; a feed holds the 50 most recently published, newest first
(ties by slug), and its ``updated`` time is the newest modification among them (no clock).
``self_path`` is where the feed lives, relative to the site root.

Identifiers never depend on where the site is hosted: an article is
"urn:permapress:article:<slug>" (the same as its ninjs uri, so moving the site or setting a
base URL later does not make readers see every article again); a feed is
"urn:permapress:feed:<self_path>". Links are absolute with ``SiteInfo.base_url``; without it
they are relative to the feed's own location and the feed says so (an XML comment, or the
"_permapress" extension object in JSON Feed). Each entry carries the full sanitised HTML of
the body, with its images pointing at the current bundle's media folder, and the bundle CID.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from permapress.articles.slug import article_uri
from permapress.site.sitemaps import RELATIVE_NOTE, XmlOut, site_url
from permapress.site.views import (
    ArticleEntry,
    SiteInfo,
    body_html,
    byline,
    iso8601,
    media_image,
    newest_first,
)
from permapress.sitepaths import article_folder


class FeedWriter(Protocol):
    """What ``atom_feed``, ``rss_feed`` and ``json_feed`` each are."""

    def __call__(
        self, site: SiteInfo, entries: Sequence[ArticleEntry], *, title: str, self_path: str
    ) -> bytes: ...


FEED_SIZE = 50
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def feed_uri(self_path: str) -> str:
    return f"urn:permapress:feed:{self_path}"


def rfc822(entry_time: datetime) -> str:
    """RFC 822 date as RSS wants it, in the time's own offset: "Tue, 08 Jul 2025 09:30:00 +0000"."""
    iso8601(entry_time)  # rejects a naive time with a SiteError
    offset = entry_time.strftime("%z")
    return (
        f"{_DAYS[entry_time.weekday()]}, {entry_time.day:02d} {_MONTHS[entry_time.month - 1]} "
        f"{entry_time.year:04d} {entry_time:%H:%M:%S} {offset}"
    )


def _chosen(entries: Sequence[ArticleEntry]) -> list[ArticleEntry]:
    return newest_first(entries)[:FEED_SIZE]


def _link(site: SiteInfo, entry: ArticleEntry, self_path: str) -> str:
    return site_url(site, article_folder(entry.article.slug), from_path=self_path)


def _content(site: SiteInfo, entry: ArticleEntry, self_path: str) -> str:
    page = _link(site, entry, self_path)
    return body_html(entry.article, f"{page}v/{entry.version_number}/", entry.body_html)


def _image(site: SiteInfo, entry: ArticleEntry, self_path: str) -> str | None:
    image = media_image(entry.article)
    if image is None:
        return None
    return f"{_link(site, entry, self_path)}v/{entry.version_number}/media/{quote(image)}"


def _updated(entries: Sequence[ArticleEntry]) -> str | None:
    return iso8601(max(e.modified for e in entries)) if entries else None


def atom_feed(
    site: SiteInfo, entries: Sequence[ArticleEntry], *, title: str, self_path: str
) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the newest articles, full HTML content."""
    chosen = _chosen(entries)
    out = XmlOut()
    if site.base_url is None:
        out.comment(RELATIVE_NOTE)
    out.start("feed", [("xmlns", ATOM_NS), ("xml:lang", site.language)])
    out.leaf("id", feed_uri(self_path))
    out.leaf("title", title)
    if site.tagline:
        out.leaf("subtitle", site.tagline)
    # Atom requires <updated>; an empty feed uses the Unix epoch rather than a clock.
    out.leaf("updated", _updated(chosen) or "1970-01-01T00:00:00Z")
    out.leaf(
        "link",
        attrs=[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", site_url(site, self_path, from_path=self_path)),
        ],
    )
    out.leaf(
        "link",
        attrs=[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", site_url(site, "", from_path=self_path)),
        ],
    )
    out.start("author")
    out.leaf("name", site.name)
    out.end()
    out.leaf("generator", "permapress")
    for entry in chosen:
        article = entry.article
        out.start("entry")
        out.leaf("id", article_uri(article.slug))
        out.leaf("title", article.headline)
        out.leaf(
            "link",
            attrs=[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", _link(site, entry, self_path)),
            ],
        )
        out.leaf(
            "link",
            attrs=[
                ("rel", "related"),
                ("title", "Permanent copy (IPFS)"),
                ("href", f"ipfs://{entry.bundle_cid}"),
            ],
        )
        out.leaf("published", iso8601(article.published))
        out.leaf("updated", iso8601(entry.modified))
        for name in article.authors:
            out.start("author")
            out.leaf("name", name)
            out.end()
        for category in article.categories:
            out.leaf("category", attrs=[("term", category)])
        for tag in article.tags:
            out.leaf("category", attrs=[("term", tag)])
        if article.summary:
            out.leaf("summary", article.summary)
        out.leaf("content", _content(site, entry, self_path), attrs=[("type", "html")])
        out.end()
    return out.data()


def rss_feed(
    site: SiteInfo, entries: Sequence[ArticleEntry], *, title: str, self_path: str
) -> bytes:
    """An RSS 2.0 feed; guid is the article URN (isPermaLink="false"), dates RFC 822."""
    chosen = _chosen(entries)
    out = XmlOut()
    if site.base_url is None:
        out.comment(RELATIVE_NOTE)
    out.start(
        "rss",
        [
            ("version", "2.0"),
            ("xmlns:atom", ATOM_NS),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ],
    )
    out.start("channel")
    out.leaf("title", title)
    out.leaf("link", site_url(site, "", from_path=self_path))
    out.leaf("description", site.tagline or title)
    out.leaf("language", site.language)
    out.leaf("generator", "permapress")
    if chosen:
        out.leaf("lastBuildDate", rfc822(max(e.modified for e in chosen)))
    if site.base_url is not None:
        out.leaf(
            "atom:link",
            attrs=[
                ("href", site_url(site, self_path)),
                ("rel", "self"),
                ("type", "application/rss+xml"),
            ],
        )
    for entry in chosen:
        article = entry.article
        out.start("item")
        out.leaf("title", article.headline)
        out.leaf("link", _link(site, entry, self_path))
        out.leaf("guid", article_uri(article.slug), attrs=[("isPermaLink", "false")])
        out.leaf("pubDate", rfc822(article.published))
        if article.authors:
            out.leaf("dc:creator", byline(article.authors))
        for category in (*article.categories, *article.tags):
            out.leaf("category", category)
        out.leaf("description", article.summary or article.headline)
        out.leaf("content:encoded", _content(site, entry, self_path))
        out.end()
    return out.data()


def json_feed(
    site: SiteInfo, entries: Sequence[ArticleEntry], *, title: str, self_path: str
) -> bytes:
    """A JSON Feed 1.1 document (sorted keys, 2-space indent, trailing newline)."""
    chosen = _chosen(entries)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": site_url(site, "", from_path=self_path),
        "feed_url": site_url(site, self_path, from_path=self_path),
        "language": site.language,
        "authors": [{"name": site.name}],
        "items": [],
    }
    if site.tagline:
        feed["description"] = site.tagline
    if site.base_url is None:
        feed["_permapress"] = {"about": RELATIVE_NOTE, "relative_urls": True}
    for entry in chosen:
        article = entry.article
        item: dict[str, Any] = {
            "id": article_uri(article.slug),
            "url": _link(site, entry, self_path),
            "title": article.headline,
            "content_html": _content(site, entry, self_path),
            "date_published": iso8601(article.published),
            "date_modified": iso8601(entry.modified),
            "language": article.language,
            "_permapress": {"cid": entry.bundle_cid, "version": entry.version_number},
        }
        if article.summary:
            item["summary"] = article.summary
        if article.authors:
            item["authors"] = [{"name": name} for name in article.authors]
        tags = list(dict.fromkeys((*article.categories, *article.tags)))
        if tags:
            item["tags"] = tags
        image = _image(site, entry, self_path)
        if image:
            item["image"] = image
        feed["items"].append(item)
    text = json.dumps(feed, ensure_ascii=False, sort_keys=True, indent=2)
    return (text + "\n").encode("utf-8")
