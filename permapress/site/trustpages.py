"""The pages that tell readers who stands behind the site: author pages and the newsroom's own.

    newsroom_pages(articles) -> tuple[NewsroomPage, ...]
        the newsroom's own pages (articles whose type of work is "page": About, the corrections
        policy, …), ordered for the footer; each is an article like any other (signed,
        versioned, with its history at articles/<slug>/), kept out of listings and feeds
    listed(entries) -> list[ArticleEntry]      the entries without the newsroom's pages
    author_members(entries, site) -> {slug: [ArticleEntry]}
        the articles of each author that has an [authors.<slug>] table, by byline name
    author_path(slug, page) -> str             authors/<slug>/index.html, …/page/<n>/index.html
    author_feeds(slug) -> {kind: path}         authors/<slug>/feed.xml, rss.xml, feed.json
    render_author_page(site, author, entries=…, page=…, pages=…) -> bytes
        authors/<slug>/…: name, role, photo, bio, links and their own feed, then their
        articles, newest first (the listing's cards)
    author_pages(site, news, per_page=…, category_slugs=…, full=…, bodies=…) -> [PlannedPage]
        every author's pages and feeds, planned for the build
    theme_assets(site) -> [PlannedPage]        the newsroom theme's files under assets/theme/
    author_order(news, site), patched_author_pages(site, order, slug, …)
        what the quick path of a build needs to place the author pages a correction changes
        (each author's articles, kept in the build's state), and those pages
    authors_changed(site, before, after)       a correction that moves an article onto or off
        an author's page (the quick path steps aside)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any
from urllib.parse import quote

from permapress import sitepaths as paths
from permapress.articles.model import Article
from permapress.config import Author
from permapress.site import feeds, pages, render, templating
from permapress.site.entries import listing_key
from permapress.site.metadata import profile_page, script_json
from permapress.site.pagination import page_of, split
from permapress.site.plan import PlannedPage, Render, fixed
from permapress.site.theme import ASSETS_FOLDER, load
from permapress.site.trustinfo import NewsroomPage, page_policies
from permapress.site.views import ArticleEntry, SiteInfo, newest_first

# the footer lists these first, in this order; other pages follow by title
_PAGE_ORDER = ("about", "masthead", "ethics", "standards", "corrections-policy", "corrections",
               "contact")  # fmt: skip


def newsroom_pages(articles: Iterable[Article]) -> tuple[NewsroomPage, ...]:
    found = [
        NewsroomPage(
            a.slug, a.headline, paths.article_page(a.slug), page_policies(a.slug, a.tags)
        )
        for a in articles
        if a.genre == "page"
    ]

    def order(page: NewsroomPage) -> tuple[int, str]:
        rank = _PAGE_ORDER.index(page.slug) if page.slug in _PAGE_ORDER else len(_PAGE_ORDER)
        return rank, page.title.casefold()

    return tuple(sorted(found, key=order))


def listed(entries: Iterable[ArticleEntry]) -> list[ArticleEntry]:
    """The entries that listings, feeds and sitemaps of news show: not the newsroom's pages."""
    return [e for e in entries if e.article.genre != "page"]


def author_members(
    entries: Iterable[ArticleEntry], site: SiteInfo
) -> dict[str, list[ArticleEntry]]:
    by_name = {a.name: a.slug for a in site.authors}
    members: dict[str, list[ArticleEntry]] = {a.slug: [] for a in site.authors}
    for entry in entries:
        if entry.article.genre == "page":
            continue
        for name in entry.article.authors:
            if name in by_name:
                members[by_name[name]].append(entry)
    return members


def author_path(slug: str, page: int = 1) -> str:
    return paths.listing_path(paths.author_folder(slug), page)


def author_feeds(slug: str) -> dict[str, str]:
    base = paths.author_folder(slug)
    return {kind: base + name for kind, name in templating.SITE_FEEDS.items()}


def render_author_page(
    site: SiteInfo,
    author: Author,
    *,
    entries: Sequence[ArticleEntry],
    page: int = 1,
    pages: int = 1,
    category_slugs: dict[str, str] | None = None,
) -> bytes:
    """One page of authors/<slug>/: the author, then their articles."""
    root = paths.relative_root(author_path(author.slug, page))
    slugs = {s.name: s.slug for s in site.sections}
    slugs.update(category_slugs or {})
    items = [render._item(e, root, slugs, site.language) for e in newest_first(entries)]
    feeds = author_feeds(author.slug)
    person: dict[str, Any] = {
        "name": author.name,
        "role": author.role,
        "bio": author.bio,
        "links": list(author.links),
        "photo": f"{root}{ASSETS_FOLDER}{quote(author.photo)}" if author.photo else None,
        "feed": root + feeds["atom"] if page == 1 else None,
    }
    title = author.name + (f" — page {page}" if page > 1 else "") + f" — {site.name}"
    description = author.bio or f"Articles by {author.name}, {site.name}."
    return templating.render_template(
        site.theme,
        "author.html",
        **templating.site_frame(site, root),
        page_title=title,
        description=" ".join(description.split()),
        canonical=site.absolute(author_path(author.slug, page)[: -len("index.html")]),
        feeds=templating.feed_links(feeds, root, f"{site.name}: {author.name}"),
        jsonld=script_json(profile_page(author.name, site, root)),
        show_heading=True,
        heading=author.name,
        author=templating.Row(person),
        top=None,
        items=items,
        pager=render._pager(page, pages),
    )


Reader = Callable[[list[ArticleEntry]], list[ArticleEntry]]


def author_page(
    site: SiteInfo,
    author: Author,
    chunk: list[ArticleEntry],
    number: int,
    count: int,
    *,
    category_slugs: dict[str, str],
    full: Reader,
) -> PlannedPage:
    """Page ``number`` of ``count`` of authors/<slug>/, showing ``chunk``."""
    shown = [category_slugs.get(c) for e in chunk for c in e.article.categories]
    inputs = [site, author, number, count, [listing_key(e) for e in chunk], shown]

    def make() -> Render:
        return partial(render_author_page, site, author, entries=full(chunk), page=number,
                       pages=count, category_slugs=category_slugs)  # fmt: skip

    return PlannedPage(author_path(author.slug, number), inputs, make)


def author_pages(
    site: SiteInfo,
    news: Sequence[ArticleEntry],
    *,
    per_page: int,
    category_slugs: dict[str, str],
    full: Reader,
    bodies: Reader,
) -> list[PlannedPage]:
    """authors/<slug>/ (paginated) and its feeds, for every author with a page."""
    planned: list[PlannedPage] = []
    members = author_members(news, site)
    for author in site.authors:
        chunks = split(members[author.slug], per_page)
        for number, chunk in enumerate(chunks, start=1):
            planned.append(author_page(site, author, chunk, number, len(chunks),
                                       category_slugs=category_slugs, full=full))  # fmt: skip
        planned += pages.feed_pages(site, paths.author_folder(author.slug), members[author.slug],
                                    f"{site.name}: {author.name}", bodies)  # fmt: skip
    return planned


def author_order(news: Sequence[ArticleEntry], site: SiteInfo) -> dict[str, list[str]]:
    """Each author's articles by slug, newest first: what the quick path needs to place them."""
    return {slug: [e.article.slug for e in got] for slug, got in author_members(news, site).items()}


def patched_author_pages(
    site: SiteInfo,
    order: dict[str, list[str]],
    slug: str,
    *,
    per_page: int,
    category_slugs: dict[str, str],
    listed: Callable[[list[str]], list[ArticleEntry]],
    bodies: Reader,
) -> list[PlannedPage]:
    """What a correction of ``slug`` changes on author pages: the page of each of its authors'
    listings that shows it, and their feeds when it is among the newest (the quick path)."""
    planned: list[PlannedPage] = []
    for author in site.authors:
        members = order.get(author.slug, [])
        if slug not in members:
            continue
        at = members.index(slug)
        chunk, number, count = page_of(members, at, per_page)
        planned.append(author_page(site, author, listed(chunk), number, count,
                                   category_slugs=category_slugs, full=lambda e: e))  # fmt: skip
        if at < feeds.FEED_SIZE:
            newest = listed(members[: feeds.FEED_SIZE])
            planned += pages.feed_pages(site, paths.author_folder(author.slug), newest,
                                        f"{site.name}: {author.name}", bodies)  # fmt: skip
    return planned


def theme_assets(site: SiteInfo) -> list[PlannedPage]:
    """The files of the newsroom's theme/ folder that pages use (logo, fonts, photos)."""
    return [
        fixed(path, [hashlib.sha256(data).hexdigest()], partial(bytes, data))
        for path, data in load(site.theme).assets
    ]


def page_kept(shown: tuple[NewsroomPage, ...], article: Article) -> bool:
    """Is ``article`` one of the newsroom's pages, still with the title and policies the
    footer and the Organization JSON-LD show? (then a correction changes its folder alone)"""
    found = next((page for page in shown if page.slug == article.slug), None)
    return (
        found is not None
        and article.genre == "page"
        and found.title == article.headline
        and found.policies == page_policies(article.slug, article.tags)
    )


def authors_changed(site: SiteInfo, before: Article, after: Article) -> bool:
    """Did a correction move an article onto or off an author's page? (the quick path cannot
    place that: the author's listing changes order)"""
    names = {a.name for a in site.authors}
    return names.intersection(before.authors) != names.intersection(after.authors)
