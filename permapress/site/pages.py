"""Every kind of page the site build makes: where it goes, what it shows and how it renders,
together (``history.py`` has the pages of an article's public record).

Each function gives ``PlannedPage`` values (``plan.py``): the path, the inputs that decide the
bytes (the build's fingerprint, with the render version) and the function that renders them
from those very inputs, so the fingerprint cannot leave out what the page shows. A page that
shows more than its inputs name reads it in ``make``, in the building process, only when it
renders: ``full`` gives listed entries their whole articles, ``bodies`` their bodies too.

    article_page(entry, site, category_slugs)             articles/<slug>/index.html
    listing_page(site, base, listing, chunk, number, count, category_slugs=…, full=…,
                 feeds_base=None)                         page ``number`` of a listing
    home(site) / category(taxonomy, site, name)           the listings' titles and kinds
    archive_month(site, year, month, members, category_slugs, full)
    archive_index(site, month_counts)                     archive/index.html
    feed_pages(site, base, entries, title, bodies)        feed.xml, rss.xml, feed.json
    pages_sitemap(site, category_slugs, months)           sitemaps/pages.xml
    month_sitemap(site, year, month, members)             sitemaps/<yyyy>-<mm>.xml, newest change
    sitemap_index(site, lastmod)                          sitemap.xml
    news_sitemap(site, news, full)                        news-sitemap.xml
    not_found(site), verify_page(site), badge_script(), robots(site), stylesheet(site)

To add a kind of page: write its function here (or in a module of its own beside this one)
giving ``PlannedPage(path, inputs, make)`` with every value the page shows in ``inputs``
(``SiteInfo`` as it is: the plan stands its key in), its path from ``sitepaths.py``, then place it
with ``plan.page(...)`` in ``build.py`` (and in ``patch.py`` when a correction can change it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

from permapress import sitepaths as paths
from permapress.articles.taxonomy import Taxonomy
from permapress.site import feeds, render, sitemaps
from permapress.site.entries import listing_key
from permapress.site.plan import PlannedPage, Render, fixed
from permapress.site.verifier import BADGE_PATH, BADGE_SCRIPT
from permapress.site.verifier import digest as verifier_digest
from permapress.site.verifier import verify_page as render_verify_page
from permapress.site.views import ArticleEntry, SiteInfo

# Gives listed entries what a rendered page shows of them (read in the building process).
Reader = Callable[[list[ArticleEntry]], list[ArticleEntry]]


@dataclass(frozen=True, slots=True)
class Listing:
    """What a paginated listing is: its title, its kind and the line under its title."""

    title: str
    kind: Literal["home", "category", "archive"]
    description: str = ""


def home(site: SiteInfo) -> Listing:
    return Listing(site.name, "home", site.tagline)


def category(taxonomy: Taxonomy, site: SiteInfo, name: str) -> Listing:
    # the line under the title speaks to readers; the IPTC Media Topic is in the metadata
    del taxonomy
    return Listing(name, "category", f"Every article {site.name} filed under {name}, newest first.")


def category_feed_title(site: SiteInfo, name: str) -> str:
    return f"{site.name}: {name}"


def article_page(
    entry: ArticleEntry, site: SiteInfo, category_slugs: dict[str, str]
) -> PlannedPage:
    """The article around its bundle (its folder's other files: ``folders.py``)."""
    return fixed(
        paths.article_page(entry.article.slug),
        [site, listing_key(entry), category_slugs, entry.article.headline],
        partial(render.render_article_page, entry, site, category_slugs=category_slugs),
    )


def listing_page(
    site: SiteInfo,
    base: str,
    listing: Listing,
    chunk: list[ArticleEntry],
    number: int,
    count: int,
    *,
    category_slugs: dict[str, str],
    full: Reader,
    feeds_base: str | None = None,
) -> PlannedPage:
    """Page ``number`` of ``count`` of the listing at ``base`` ("" or "categories/x/"), showing
    ``chunk``; ``feeds_base`` is where the listing's own feeds are (the site's when None)."""
    path = paths.listing_path(base, number)
    inputs = [
        site,
        listing.kind,
        listing.title,
        listing.description,
        number,
        count,
        [listing_key(e) for e in chunk],
        [category_slugs.get(c) for e in chunk for c in e.article.categories],
    ]
    feed_paths = None if feeds_base is None else paths.feed_paths(feeds_base)

    def make() -> Render:
        return partial(
            render.render_listing,
            site,
            title=listing.title,
            entries=full(chunk),
            page=number,
            pages=count,
            root=paths.relative_root(path),
            kind=listing.kind,
            description=listing.description,
            category_slugs=category_slugs,
            feeds=feed_paths,
        )

    return PlannedPage(path, inputs, make)


def archive_month(
    site: SiteInfo,
    year: int,
    month: int,
    members: list[ArticleEntry],
    category_slugs: dict[str, str],
    full: Reader,
) -> PlannedPage:
    """archive/<yyyy>/<mm>/index.html: every article of the month on one page."""
    path = paths.archive_month(year, month) + paths.INDEX
    inputs = [site, year, month, [listing_key(e) for e in members], category_slugs]

    def make() -> Render:
        return partial(
            render.render_listing,
            site,
            title=render.month_title(year, month, site.language),
            entries=full(members),
            page=1,
            pages=1,
            root=paths.relative_root(path),
            kind="archive",
            category_slugs=category_slugs,
        )

    return PlannedPage(path, inputs, make)


def archive_index(site: SiteInfo, month_counts: list[tuple[int, int, int]]) -> PlannedPage:
    """archive/index.html: (year, month, count) of every month, newest first."""
    return fixed(
        paths.ARCHIVE_INDEX,
        [site, month_counts],
        partial(render.render_archive_index, site, month_counts),
    )


def feed_pages(
    site: SiteInfo,
    base: str,
    entries: list[ArticleEntry],
    title: str,
    bodies: Reader,
) -> list[PlannedPage]:
    """The Atom, RSS and JSON feeds of the listing at ``base``: its newest articles, with their
    bodies (read once, in this process, and only when a feed renders)."""
    light = entries[: feeds.FEED_SIZE]
    inputs = [site, title, [listing_key(e) for e in light]]
    read: list[list[ArticleEntry]] = []

    def newest() -> list[ArticleEntry]:
        if not read:
            read.append(bodies(light))
        return read[0]

    made = []
    writers: dict[str, feeds.FeedWriter] = {
        "atom": feeds.atom_feed,
        "rss": feeds.rss_feed,
        "json": feeds.json_feed,
    }
    for kind, path in paths.feed_paths(base).items():
        writer = writers[kind]

        def make(writer: feeds.FeedWriter = writer, path: str = path) -> Render:
            return partial(writer, site, newest(), title=title, self_path=path)

        made.append(PlannedPage(path, inputs, make))
    return made


def pages_sitemap(
    site: SiteInfo, category_slugs: dict[str, str], months: list[tuple[int, int]]
) -> PlannedPage:
    """sitemaps/pages.xml: the front page, every category and every month's archive."""
    urls: list[tuple[str, Any]] = [(paths.HOME, None)]
    urls += [(paths.category_folder(slug), None) for slug in sorted(category_slugs.values())]
    urls += [(paths.archive_month(y, m), None) for y, m in months]
    return _sitemap(site, paths.PAGES_SITEMAP, urls)


def month_sitemap(
    site: SiteInfo, year: int, month: int, members: list[ArticleEntry]
) -> tuple[PlannedPage, datetime]:
    """sitemaps/<yyyy>-<mm>.xml: the month's articles; and the newest change among them."""
    urls = [
        (paths.article_folder(e.article.slug), e.article.modified or e.article.published)
        for e in members
    ]
    return _sitemap(site, paths.month_sitemap(year, month), urls), max(w for _, w in urls)


def sitemap_index(site: SiteInfo, lastmod: dict[tuple[int, int], datetime]) -> PlannedPage:
    """sitemap.xml: the pages' sitemap, then each month's, newest month first."""
    index: list[tuple[str, Any]] = [(paths.PAGES_SITEMAP, None)]
    for year, month in sorted(lastmod, reverse=True):
        index.append((paths.month_sitemap(year, month), lastmod[(year, month)]))
    path = paths.SITEMAP_INDEX
    return fixed(
        path,
        [site, "sitemap index", index],
        partial(sitemaps.sitemap_index_xml, site, index, from_path=path),
    )


def _sitemap(site: SiteInfo, path: str, urls: list[tuple[str, Any]]) -> PlannedPage:
    return fixed(path, [site, urls], partial(sitemaps.sitemap_xml, site, urls, from_path=path))


def news_sitemap(site: SiteInfo, news: list[ArticleEntry], full: Reader) -> PlannedPage:
    """news-sitemap.xml: the newest articles (``news`` is at most ``NEWS_LIMIT`` of them)."""
    return PlannedPage(
        paths.NEWS_SITEMAP,
        [site, [listing_key(e) for e in news]],
        lambda: partial(sitemaps.news_sitemap_xml, site, full(news)),
    )


def not_found(site: SiteInfo) -> PlannedPage:
    return fixed(paths.NOT_FOUND, [site], partial(render.render_not_found, site))


def verify_page(site: SiteInfo) -> PlannedPage:
    """The reader's verifier (``verifier/``)."""
    return fixed(paths.VERIFY_PAGE, [site, verifier_digest()], partial(render_verify_page, site))


def badge_script() -> PlannedPage:
    """The article page's optional self-check."""
    return fixed(BADGE_PATH, [verifier_digest()], lambda: BADGE_SCRIPT)


def robots(site: SiteInfo) -> PlannedPage:
    return fixed(paths.ROBOTS, [site], partial(sitemaps.robots_txt, site))


def stylesheet(site: SiteInfo) -> PlannedPage:
    """assets/site.css: the stylesheet ``render`` inlines where a page must stand alone."""
    css = render.site_css(site.theme).encode("utf-8")
    return fixed(paths.SITE_CSS, [hashlib.sha256(css).hexdigest()], lambda: css)
