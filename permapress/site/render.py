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

Paths of the site, relative to its root (the builder writes ``Page`` values at these paths):

    index.html, page/<n>/index.html                 home (page 1, then 2, 3 …)
    articles/<slug>/index.html                      article page (root "../../")
    articles/<slug>/<slug>.car                      the current bundle as a CAR ("Download IPFS")
    articles/<slug>/<slug>-v<n>.car                 version n's bundle as a CAR
    articles/<slug>/v/<n>/                          bundle of version n (its own index.html)
    articles/<slug>/history/index.html              every version (root "../../../")
    articles/<slug>/history/<n>/index.html          what changed in version n (root "../../../../")
    categories/<slug>/index.html, …/page/<n>/…      category listing
    archive/index.html, archive/<yyyy>/<mm>/…       archive index and monthly listings
    404.html                                        served at any depth, so its CSS is inline
                                                    and its links are "/" plus "index.html"

Pagination: page 1 of a listing is ``<base>index.html``, page n > 1 is
``<base>page/<n>/index.html`` (``listing_path``); ``render_listing`` links between them with
paths relative to the page being rendered. ``feeds`` maps "atom" / "rss" / "json" to paths
relative to the site root.

Images: an article's lead image is a name in its ``media`` (an absolute URL is not shown, since
pages fetch nothing from elsewhere). In a bundle it is "media/<name>"; in the site it is the
bundle linked at "articles/<slug>/v/<n>/media/<name>", and the body's "media/…" references are
rewritten the same way.

Errors: a naive datetime or a bad base URL raises ``SiteError`` naming the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, Literal
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from permapress.articles.model import Article
from permapress.errors import SiteError
from permapress.site import storyparts
from permapress.site.metadata import (
    article_jsonld,
    article_open_graph,
    news_article_jsonld,
    open_graph,
    organization,
    script_json,
)
from permapress.site.theme import PACKAGE_THEME, Theme, load
from permapress.site.views import (
    ArticleEntry,
    SiteInfo,
    body_html,
    byline,
    human_date,
    image_text,
    iso8601,
    media_image,
    month_name,
    newest_first,
)
from permapress.site.views import month_title as month_title  # the builder titles archives

SITE_FEEDS: Mapping[str, str] = {"atom": "feed.xml", "rss": "rss.xml", "json": "feed.json"}
_FEED_TYPES = {
    "atom": ("application/atom+xml", "Atom"),
    "rss": ("application/rss+xml", "RSS"),
    "json": ("application/feed+json", "JSON Feed"),
}


# --- helpers the builder shares --------------------------------------------------------------


def relative_root(path: str) -> str:
    """The prefix from the page at ``path`` back to the site root: "a/b/index.html" -> "../../"."""
    return "../" * path.count("/")


def listing_path(base: str, page: int) -> str:
    """Where page ``page`` of the listing rooted at ``base`` ("", "categories/x/") lives."""
    return f"{base}index.html" if page <= 1 else f"{base}page/{page}/index.html"


# --- template plumbing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _When:
    iso: str
    human: str


def _when(moment: datetime) -> _When:
    # the offset is part of the key: equal instants in two time zones read differently
    return _when_at(moment, moment.utcoffset())


@lru_cache(maxsize=8192)
def _when_at(moment: datetime, offset: Any) -> _When:
    del offset  # the cache key
    return _When(iso8601(moment), human_date(moment))


class _Row(dict[str, Any]):
    """A dict whose keys templates read as attributes (``item.href``) without a failed
    attribute lookup first: Jinja tries attributes before keys."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class _Link:
    label: str
    href: str | None
    current: bool = False
    featured: bool = True  # shown in the section bar itself, not only in its full menu


# Sections the bar shows itself (the build lists the busiest first); the menu shows every one.
FEATURED_SECTIONS = 8


@cache
def _environment(theme: Theme) -> jinja2.Environment:
    """The templates of ``theme`` as read once (``theme.load``): what renders is what the render
    version hashed."""
    return jinja2.Environment(
        loader=jinja2.DictLoader(dict(load(theme).templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a theme does not change while the process runs
        # compiled templates are kept between runs (keyed by each template's source checksum)
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )


def site_css(theme: Theme = PACKAGE_THEME) -> str:
    """The stylesheet served as assets/site.css and inlined into bundles and 404.html."""
    return load(theme).css


def _render(theme: Theme, template: str, **context: Any) -> bytes:
    base: dict[str, Any] = {
        "canonical": None,
        "description": "",
        "feeds": [],
        "og": [],
        "jsonld": None,
        "css_inline": None,
        "nav": [],
        "footer_links": [],
        "fingerprint": None,
        "home_href": None,
        "tagline": "",
        "masthead_h1": False,
        "root": "",
        "strip": None,
        "strip_href": None,
        "logo": None,
        "icon": None,
        "newsroom_pages": [],
    }
    base.update(context)
    if "masthead" not in context:  # pages without the site's frame (bundles, 404.html)
        _add_pieces(base, theme)
    text = _environment(theme).get_template(template).render(**base)
    return text.encode("utf-8")


# The masthead with its section bar, and the footer, are the same on thousands of pages (they
# change only with the page's depth and current section): each is rendered once per process.
_MASTHEAD = (
    "site_name", "tagline", "home_href", "masthead_h1", "nav", "strip", "search_href", "logo",
    "strip_href",
)
_FOOTER = ("site_name", "footer_links", "fingerprint", "newsroom_pages")


def _add_pieces(context: dict[str, Any], theme: Theme) -> None:
    """Put the masthead and the footer of ``context`` into it, rendered."""
    masthead = (_frozen(context, n) for n in _MASTHEAD)
    context["masthead"] = _piece(theme, "_masthead.html", *masthead)
    context["footer"] = _piece(theme, "_footer.html", *(_frozen(context, n) for n in _FOOTER))


def _frozen(context: Mapping[str, Any], name: str) -> tuple[str, Any]:
    value = context.get(name)
    return name, tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=512)
def _piece(theme: Theme, template: str, *context: tuple[str, Any]) -> Markup:
    return Markup(_environment(theme).get_template(template).render(dict(context)))


def _nav(site: SiteInfo, root: str, current: str | None = None) -> list[_Link]:
    items = [_Link("Front page", f"{root}index.html", current == "")]
    items += [
        _Link(s.name, f"{root}categories/{s.slug}/index.html", current == s.slug,
              i < FEATURED_SECTIONS)  # fmt: skip
        for i, s in enumerate(site.sections)
    ]
    items.append(_Link("Archive", f"{root}archive/index.html", current == "archive"))
    return items


def _feed_links(feeds: Mapping[str, str], root: str, title: str) -> list[_Row]:
    unknown = sorted(set(feeds) - set(_FEED_TYPES))
    if unknown:
        raise SiteError(f"feed kind {unknown[0]!r} is not one of 'atom', 'rss', 'json'")
    return [
        _Row(
            type=_FEED_TYPES[k][0],
            title=f"{title} ({_FEED_TYPES[k][1]})",
            href=root + feeds[k],
        )
        for k in _FEED_TYPES
        if k in feeds
    ]


# The frames of the running process by (site, root, current section, masthead as h1).
_FRAMES: dict[tuple[int, str, str | None, bool], tuple[SiteInfo, dict[str, Any]]] = {}


def _site_frame(
    site: SiteInfo, root: str, current: str | None = None, masthead_h1: bool = False
) -> dict[str, Any]:
    """What every page of the site shows around its content at ``root``, with its masthead and
    footer rendered: made once per process for each depth and section."""
    key = (id(site), root, current, masthead_h1)
    hit = _FRAMES.get(key)
    if hit is not None and hit[0] is site:
        return hit[1]
    frame = _frame(site, root, current)
    frame["masthead_h1"] = masthead_h1
    _add_pieces(frame, site.theme)
    if len(_FRAMES) > 512:
        _FRAMES.clear()
    _FRAMES[key] = (site, frame)
    return frame


def _frame(site: SiteInfo, root: str, current: str | None) -> dict[str, Any]:
    return {
        "lang": site.language,
        "site_name": site.name,
        "tagline": site.tagline,
        "root": root,
        "home_href": f"{root}index.html",
        "search_href": f"{root}search/index.html",
        "nav": _nav(site, root, current),
        "fingerprint": site.fingerprint,
        "logo": root + quote(site.logo) if site.logo else None,
        "icon": storyparts.site_icon(site, root),
        "newsroom_pages": [(page.title, root + page.href) for page in site.pages],
        "footer_links": [
            ("Front page", f"{root}index.html"),
            ("Archive", f"{root}archive/index.html"),
            ("Atom feed", f"{root}{SITE_FEEDS['atom']}"),
            ("RSS", f"{root}{SITE_FEEDS['rss']}"),
            ("JSON Feed", f"{root}{SITE_FEEDS['json']}"),
        ],
    }


def _categories(article: Article, slugs: Mapping[str, str], prefix: str | None) -> list[_Link]:
    """Category links (text only when the slug is unknown or ``prefix`` is None)."""
    out = []
    for name in article.categories:
        slug = slugs.get(name)
        href = f"{prefix}categories/{slug}/index.html" if slug and prefix is not None else None
        out.append(_Link(name, href))
    return out


def _story(
    article: Article,
    categories: list[_Link],
    media_prefix: str,
    recorded_html: str = "",
    site: SiteInfo | None = None,
    root: str = "",
) -> dict[str, Any]:
    image = media_image(article)
    modified = article.modified
    genre, genre_label = storyparts.genre_row(article)
    return {
        "story_lang": article.language,
        "headline": article.headline,
        "summary": storyparts.standfirst(article),
        "genre": genre,
        "genre_label": genre_label,
        "references": storyparts.references(article),
        "methods": article.methods,
        "location": article.location,
        "authors": storyparts.author_links(article.authors, site, root),
        "author_cards": [
            _Row(name=a.name, role=a.role, bio=a.bio, href=f"{root}authors/{a.slug}/index.html",
                 photo=f"{root}assets/theme/{quote(a.photo)}" if a.photo else None)  # fmt: skip
            for name in article.authors
            for a in (site.authors if site else ())
            if a.name == name
        ],
        "corrections_href": _policy_href(site, root, "correctionsPolicy"),
        "byline": byline(article.authors),
        "categories": categories,
        "tags": list(article.tags),
        "published": _when(article.published),
        "modified": _when(modified) if modified and modified > article.published else None,
        "update_note": None,
        "lead_image": (
            _Row(src=f"{media_prefix}media/{quote(image)}", caption=image_text(article, image))
            if image
            else None
        ),
        "body_html": Markup(storyparts.figures(body_html(article, media_prefix, recorded_html))),
    }


def _policy_href(site: SiteInfo | None, root: str, policy: str) -> str | None:
    """The link to the newsroom page that states ``policy`` ("correctionsPolicy"), if any."""
    for page in site.pages if site else ():
        if policy in page.policies:
            return root + page.href
    return None


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
    provenance = (
        f"This is {which} of an article published by {site_name}, "
        f"first published {human_date(article.published)}."
    )
    data = article_jsonld(article, publisher=site_name, url=None, image_prefix="")
    return _render(
        PACKAGE_THEME,  # a bundle is made once, when its version is recorded
        "bundle.html",
        lang=article.language,
        page_title=f"{article.headline} — {site_name}",
        description=article.summary,
        og=article_open_graph(article, site_name=site_name, url=None, image_url=None),
        jsonld=script_json(data),
        css_inline=Markup(site_css(PACKAGE_THEME)),
        site_name=site_name,
        strip=f"Permanent copy · version {version}" if version is not None else "Permanent copy",
        # inside the site, a version's bundle is articles/<slug>/v/<n>/: back to the article
        strip_href="../../index.html" if version is not None else None,
        icon=storyparts.letter_icon(site_name),
        home_href="../../../../index.html" if version is not None else None,
        provenance=provenance,
        has_media=bool(article.media),
        published_by=published_by,
        **{
            **_story(article, _categories(article, {}, None), ""),
            # "Updated" only in a real later version
            "modified": _when(article.modified)
            if version is not None and version > 1 and article.modified
            else None,
        },
    )


def render_article_page(
    entry: ArticleEntry, site: SiteInfo, *, category_slugs: Mapping[str, str]
) -> bytes:
    """articles/<slug>/index.html: the article around its bundle, with the Download IPFS link."""
    article = entry.article
    root = "../../"
    number = entry.version_number
    prefix = f"v/{number}/"
    url = site.absolute(f"articles/{article.slug}/")
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
            href=f"v/{v.number}/index.html",
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
    base = f"{root}articles/{article.slug}/"
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
        return "../../index.html" if target == 1 else f"../{target}/index.html"

    return _Row(
        newer=href(page - 1) if page > 1 else None,
        older=href(page + 1) if page < pages else None,
        numbers=[(n, None if n == page else href(n)) for n in range(1, pages + 1)],
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
        **_site_frame(site, "../", "archive"),
        page_title=f"Archive — {site.name}",
        description=f"Every article published by {site.name}, month by month.",
        feeds=_feed_links(SITE_FEEDS, "../", site.name),
        years=list(years.items()),
    )


def render_search(site: SiteInfo) -> bytes:
    """search/index.html: the search form, and the results ``search.js`` (or the server) adds."""
    return _render(
        site.theme,
        "search.html",
        **_site_frame(site, "../"),
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


# --- history, changes and retraction (the public record of an article) ---------------------


def _version_rows(
    entry: ArticleEntry, root_to_article: str, *, downloads: bool, records: Mapping[int, str]
) -> list[_Row]:
    """The versions newest first, with links relative to the history page."""
    slug = entry.article.slug
    rows = []
    for i, v in enumerate(entry.versions):
        rows.append(
            _Row(
                number=v.number,
                when=_when(v.created),
                note=v.note,
                cid=v.bundle_cid,
                record=records.get(v.number) or None,
                current=i == len(entry.versions) - 1,
                href=f"{root_to_article}v/{v.number}/index.html" if downloads else None,
                car_href=f"{root_to_article}{quote(slug)}-v{v.number}.car",
                diff_href=f"{v.number}/index.html" if i > 0 else None,
            )
        )
    return rows[::-1]


def render_history_page(
    entry: ArticleEntry,
    site: SiteInfo,
    *,
    downloads: bool,
    records: Mapping[int, str],
    retraction: str | None = None,
) -> bytes:
    """articles/<slug>/history/index.html: every version, its date, note, CID and download.

    ``downloads`` is False for a purged article: versions are listed without links.
    ``retraction`` is the reason when the article was retracted.
    """
    article = entry.article
    root = "../../../"
    return _render(
        site.theme,
        "history.html",
        **_site_frame(site, root),
        page_title=f"Version history: {article.headline} — {site.name}",
        description=f"Every published version of “{article.headline}”, with what changed.",
        story_lang=article.language,
        headline=article.headline,
        article_href="../index.html",
        retraction=retraction,
        versions=_version_rows(entry, "../", downloads=downloads, records=records),
    )


def render_diff_page(
    entry: ArticleEntry,
    site: SiteInfo,
    *,
    number: int,
    diff: str,
    inserted: int,
    deleted: int,
) -> bytes:
    """articles/<slug>/history/<n>/index.html: what changed from version n-1 to n.

    ``diff`` is HTML from ``trust.diff.diff_html`` (escaped text with <ins>/<del> only).
    """
    article = entry.article
    version = next((v for v in entry.versions if v.number == number), None)
    if version is None or number < 2:
        raise SiteError(f"version {number} of {article.slug!r} has no earlier version to compare")
    return _render(
        site.theme,
        "diff.html",
        **_site_frame(site, "../../../../"),
        page_title=f"What changed in version {number}: {article.headline} — {site.name}",
        description=f"The changes in version {number} of “{article.headline}”.",
        story_lang=article.language,
        headline=article.headline,
        number=number,
        when=_when(version.created),
        note=version.note,
        inserted=inserted,
        deleted=deleted,
        diff=Markup(diff),
        history_href="../index.html",
        article_href="../../index.html",
        before_href=f"../../v/{number - 1}/index.html",
        after_href=f"../../v/{number}/index.html",
    )


def render_tombstone(
    entry: ArticleEntry, site: SiteInfo, *, reason: str, retracted: datetime, purged: bool
) -> bytes:
    """articles/<slug>/index.html of a retracted article: the reason and the way to its history."""
    article = entry.article
    return _render(
        site.theme,
        "tombstone.html",
        **_site_frame(site, "../../"),
        page_title=f"Retracted: {article.headline} — {site.name}",
        description=f"{site.name} retracted this article: {reason}",
        story_lang=article.language,
        headline=article.headline,
        reason=reason,
        retracted=_when(retracted),
        published=_when(article.published),
        purged=purged,
        history_href="history/index.html",
    )
