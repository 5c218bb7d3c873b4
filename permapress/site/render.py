"""Render the site's HTML pages and each bundle's index.html: pure functions, bytes out.

Every function takes frozen values (``views.py``) and returns UTF-8 bytes. There is no clock,
no I/O beyond reading the theme's templates and CSS (``SiteInfo.theme``, the package's own by
default and always for bundles; read once per process, ``theme.py``), and no randomness: the
same input gives the same bytes, so the same bundle CID. Jinja2 runs with autoescape on; the
article body is HTML that ``articles.markup`` already sanitised.

Links. Every link between pages is relative and names the file, never the folder
("../../categories/politics/index.html", not ".../politics/"), because that one form works
from file://, on a web server at "/", under a path gateway's "/ipfs/<cid>/" and on a subdomain
gateway. ``root`` is the prefix from a page to the site root: "" for index.html, "../../" for
articles/<slug>/index.html; ``relative_root(path)`` computes it. Public URLs written into
metadata (canonical, Open Graph) are absolute and use the folder form "…/articles/<slug>/";
they appear only when ``SiteInfo.base_url`` is known.

Paths of the site and every page's ``root`` come from ``sitepaths.py``; the frame around every
page, the story's context and the Jinja environment from ``templating.py``. ``render_listing``
links between the pages of a listing (``pagination.py``); ``feeds`` maps "atom" / "rss" /
"json" to paths relative to the site root.

Images: an article's lead image is a name in its ``media`` (an absolute URL is not shown, since
pages fetch nothing from elsewhere). In a bundle it is "media/<name>"; in the site it is the
bundle linked at "articles/<slug>/v/<n>/media/<name>", and the body's "media/…" references are
rewritten the same way.

Errors: a naive datetime or a bad base URL raises ``SiteError`` naming the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from markupsafe import Markup

from permapress import sitepaths as paths
from permapress.articles.model import Article
from permapress.errors import SiteError
from permapress.site import storyparts, templating
from permapress.site.metadata import (
    article_jsonld,
    article_open_graph,
    news_article_jsonld,
    open_graph,
    organization,
    script_json,
)
from permapress.site.pagination import page_href, pager_numbers
from permapress.site.templating import FEATURED_SECTIONS as FEATURED_SECTIONS
from permapress.site.templating import SITE_FEEDS as SITE_FEEDS
from permapress.site.templating import Row as _Row
from permapress.site.templating import category_links as _categories
from permapress.site.templating import feed_links as _feed_links
from permapress.site.templating import render_inline_css
from permapress.site.templating import render_template as _render
from permapress.site.templating import site_css as site_css
from permapress.site.templating import site_frame as _site_frame
from permapress.site.templating import story as _story
from permapress.site.templating import when as _when
from permapress.site.theme import PACKAGE_THEME
from permapress.site.views import (
    ArticleEntry,
    SiteInfo,
    byline,
    human_date,
    month_name,
    newest_first,
)
from permapress.site.views import month_title as month_title  # the builder titles archives
from permapress.sitepaths import listing_path as listing_path
from permapress.sitepaths import relative_root as relative_root

# --- the pages -------------------------------------------------------------------------------


def render_bundle_index(
    article: Article,
    *,
    site_name: str,
    published_by: str | None = None,
    version: int | None = None,
) -> bytes:
    """The bundle's own index.html: self-contained (inline CSS, no script, relative images).

    It cannot show the bundle's CID (a file cannot contain the CID of its own folder); it says
    where the CID comes from instead. ``version`` is the version number when known.
    """
    which = f"version {version}" if version is not None else "one version"
    # inside the site, a version's bundle is articles/<slug>/v/<n>/: the site root from there
    folder = "" if version is None else paths.version_folder(article.slug, version) + "/"
    provenance = (
        f"This is {which} of an article published by {site_name}, "
        f"first published {human_date(article.published)}."
    )
    data = article_jsonld(article, publisher=site_name, url=None, image_prefix="")
    return render_inline_css(
        PACKAGE_THEME,  # a bundle is made once, when its version is recorded
        "bundle.html",
        site_css(PACKAGE_THEME),
        **{
            **_bundle_frame(site_name, version, relative_root(folder)),
            **_story(article, _categories(article, {}, None), ""),
            "lang": article.language,
            "page_title": f"{article.headline} — {site_name}",
            "description": article.summary,
            "og": article_open_graph(article, site_name=site_name, url=None, image_url=None),
            "jsonld": script_json(data),
            "provenance": provenance,
            "has_media": bool(article.media),
            "published_by": published_by,
            # "Updated" only in a real later version
            "modified": _when(article.modified)
            if version is not None and version > 1 and article.modified
            and human_date(article.modified) != human_date(article.published)
            else None,
        },
    )


@lru_cache(maxsize=64)
def _bundle_frame(site_name: str, version: int | None, to_root: str) -> Mapping[str, Any]:
    """What a bundle's page shows around its story: the strip naming the version with its link
    back to the article, the newsroom's icon, and the masthead and footer rendered. The same for
    every bundle of a version number, so made once per process, not for each of the thousands
    of bundles an import renders (read only: it is shared)."""
    # the article's page, from articles/<slug>/v/<n>/
    to_article = "" if version is None else relative_root(paths.version_page(version))
    return templating.page_frame(
        PACKAGE_THEME,
        site_name=site_name,
        strip=f"Permanent copy · version {version}" if version is not None else "Permanent copy",
        strip_href=None if version is None else to_article + paths.INDEX,
        icon=storyparts.letter_icon(site_name),
        home_href=None if version is None else to_root + paths.INDEX,
    )


def render_article_page(
    entry: ArticleEntry, site: SiteInfo, *, category_slugs: Mapping[str, str]
) -> bytes:
    """articles/<slug>/index.html: the article around its bundle, with the Download IPFS link."""
    article = entry.article
    root = relative_root(paths.article_page(article.slug))
    number = entry.version_number
    prefix = f"v/{number}/"
    url = site.absolute(paths.article_folder(article.slug))
    story = _story(
        article, _categories(article, category_slugs, root), prefix, entry.body_html, site, root
    )
    # "Updated" only once there is a second version
    story["modified"] = _when(entry.modified) if len(entry.versions) > 1 else None
    if len(entry.versions) > 1:
        last = entry.versions[-1]
        story["update_note"] = _Row(when=_when(last.created), text=last.note)
    versions = [
        _Row(
            number=v.number,
            when=_when(v.created),
            note=v.note,
            cid=v.bundle_cid,
            href=paths.version_page(v.number),
            current=i == len(entry.versions) - 1,
        )
        for i, v in enumerate(entry.versions)
    ]
    return _render(
        site.theme,
        "article.html",
        **_site_frame(site, root),
        page_title=f"{article.headline} — {site.name}",
        description=article.summary,
        canonical=url,
        feeds=_feed_links(SITE_FEEDS, root, site.name),
        og=open_graph(entry, site),
        jsonld=script_json(news_article_jsonld(entry, site, url=url)),
        cid=entry.bundle_cid,
        car_href=f"{quote(article.slug)}.car",
        version_href=f"{prefix}index.html",
        history_href="history/index.html",
        versions=versions,
        **story,
    )


def _item(
    entry: ArticleEntry, root: str, slugs: Mapping[str, str], language: str
) -> dict[str, Any]:
    article = entry.article
    base = root + paths.article_folder(article.slug)
    image = storyparts.card_image(article)
    genre, genre_label = storyparts.genre_row(article)
    return _Row(
        genre=genre,
        genre_label=genre_label,
        href=f"{base}index.html",
        lang=article.language if article.language != language else None,
        headline=article.headline,
        summary=article.summary,
        byline=byline(article.authors),
        published=_when(article.published),
        updated=len(entry.versions) > 1,
        categories=_categories(article, slugs, root),
        image=f"{base}v/{entry.version_number}/media/{quote(image)}" if image else None,
    )


def _pager(page: int, pages: int) -> dict[str, Any] | None:
    if pages <= 1:
        return None

    def href(target: int) -> str:
        if page == 1:
            return listing_path("", target)
        return page_href(page, target)

    return _Row(
        newer=href(page - 1) if page > 1 else None,
        older=href(page + 1) if page < pages else None,
        numbers=[(n, None if n is None or n == page else href(n))
                 for n in pager_numbers(page, pages)],  # fmt: skip
    )


def render_listing(
    site: SiteInfo,
    *,
    title: str,
    entries: Sequence[ArticleEntry],
    page: int,
    pages: int,
    root: str,
    kind: Literal["home", "category", "archive"],
    feeds: Mapping[str, str] | None = None,
    description: str = "",
    category_slugs: Mapping[str, str] | None = None,
) -> bytes:
    """The home page, a category page or a monthly archive page (one page of it).

    ``entries`` are this page's articles (shown latest first); on page 1 of the home page the
    newest is the big lead story. Category names link to their pages through
    ``category_slugs``, else through ``site.sections``; unknown ones are plain text.
    ``feeds`` (kind -> path from the site root) defaults to the site-wide feeds.
    """
    if kind not in ("home", "category", "archive"):
        raise SiteError(f"listing kind {kind!r} is not one of 'home', 'category', 'archive'")
    if not 1 <= page <= max(pages, 1):
        raise SiteError(f"page {page} is outside 1..{pages}; count the pages before rendering")
    slugs = {s.name: s.slug for s in site.sections}
    slugs.update(category_slugs or {})
    items = [_item(e, root, slugs, site.language) for e in newest_first(entries)]
    top = items.pop(0) if kind == "home" and page == 1 and items else None
    current = {"home": "", "archive": "archive"}.get(kind)
    if kind == "category":
        current = next((s.slug for s in site.sections if s.name == title), None)
    page_title = title if kind != "home" else site.name
    if page > 1:
        page_title += f" — page {page}"
    if kind != "home":
        page_title += f" — {site.name}"
    return _render(
        site.theme,
        "listing.html",
        **_site_frame(site, root, current, masthead_h1=kind == "home"),
        page_title=page_title,
        description=description or site.tagline,
        canonical=site.absolute(listing_path("", page)[: -len("index.html")])
        if kind == "home"
        else None,
        feeds=(
            _feed_links(SITE_FEEDS, root, site.name)
            if feeds is None
            else _feed_links(feeds, root, title)
        ),
        jsonld=script_json(
            {"@context": "https://schema.org", **organization(site, root)}
        ) if kind == "home" and page == 1 else None,
        show_heading=kind != "home",
        heading=title,
        top=top,
        items=items,
        pager=_pager(page, pages),
    )


def render_archive_index(site: SiteInfo, months: Sequence[tuple[int, int, int]]) -> bytes:
    """archive/index.html: (year, month, count) rows grouped by year, newest first."""
    years: dict[int, list[dict[str, Any]]] = {}
    for year, month, count in sorted(months, reverse=True):
        years.setdefault(year, []).append(
            _Row(
                href=f"{year:04d}/{month:02d}/index.html",
                label=f"{month_name(month)} {year}",
                count=count,
            )
        )
    return _render(
        site.theme,
        "archive.html",
        **_site_frame(site, relative_root(paths.ARCHIVE_INDEX), "archive"),
        page_title=f"Archive — {site.name}",
        description=f"Every article published by {site.name}, month by month.",
        feeds=_feed_links(SITE_FEEDS, relative_root(paths.ARCHIVE_INDEX), site.name),
        years=list(years.items()),
    )


def render_search(site: SiteInfo) -> bytes:
    """search/index.html: the search form, and the results ``search.js`` (or the server) adds."""
    return _render(
        site.theme,
        "search.html",
        **_site_frame(site, relative_root(paths.SEARCH_PAGE)),
        page_title=f"Search — {site.name}",
        description=f"Search every article published by {site.name}.",
    )


def render_not_found(site: SiteInfo) -> bytes:
    """404.html: served at any depth, so its CSS is inline and it links to "/" (the front
    page on a web server or our own server) with "index.html" as the fallback for folders."""
    return _render(
        site.theme,
        "notfound.html",
        **_site_frame(site, "/"),  # the section bar too, with links from the server's root
        page_title=f"Page not found — {site.name}",
        css_inline=Markup(site_css(site.theme)),
    )
