"""The template plumbing the renderers share: the Jinja environment of a theme, the frame every
page of the site shows around its content (masthead, section bar, footer), and the context of
an article's story.

    environment(theme)                  the theme's templates, compiled once per process
    render_template(theme, name, **context) -> bytes
    render_inline_css(theme, name, css, **context) -> bytes   the same with the style sheet
                                        inlined (spliced in as bytes encoded once)
    site_frame(site, root, current=None, masthead_h1=False)   the frame at ``root`` (rendered
                                        masthead and footer), made once per depth and section
    page_frame(theme, **context)        the same for a page outside the site (a bundle's)
    feed_links(feeds, root, title)      <link rel="alternate"> rows of a page's feeds
    category_links(article, slugs, prefix)   an article's categories, linked when known
    story(article, categories, media_prefix, recorded_html, site, root)   what story.html shows
    site_css(theme) -> str              the stylesheet (assets/site.css, inlined where needed)
    when(moment) -> When                an ISO 8601 and a human date, cached
    Row, Link                           the values templates read

``render.py`` builds the pages from these; nothing here knows a page's path.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from permapress import sitepaths as paths
from permapress.articles.model import Article
from permapress.errors import SiteError
from permapress.site import storyparts
from permapress.site.theme import PACKAGE_THEME, Theme, load
from permapress.site.views import (
    SiteInfo,
    body_html,
    byline,
    human_date,
    image_text,
    iso8601,
    media_image,
)

SITE_FEEDS: Mapping[str, str] = paths.feed_paths(paths.HOME)
FEED_TYPES = {
    "atom": ("application/atom+xml", "Atom"),
    "rss": ("application/rss+xml", "RSS"),
    "json": ("application/feed+json", "JSON Feed"),
}


@dataclass(frozen=True, slots=True)
class When:
    iso: str
    human: str


def when(moment: datetime) -> When:
    # the offset is part of the key: equal instants in two time zones read differently
    return _when_at(moment, moment.utcoffset())


@lru_cache(maxsize=8192)
def _when_at(moment: datetime, offset: timedelta | None) -> When:
    del offset  # the cache key
    return When(iso8601(moment), human_date(moment))


class Row(dict[str, Any]):
    """A dict whose keys templates read as attributes (``item.href``) at the first try: Jinja
    tries attributes before keys, and the row is its own attribute dict, so a value is one
    lookup in C where a failed attribute lookup and a ``__getattr__`` call cost a fifth of a
    listing's rendering. A key named like a dict method ("items", "get") would hide that
    method, from Python code too; the rows here use none. A row refers to itself: the cycle
    collector frees it, soon after its page is rendered."""

    def __init__(self, *mapping: Any, **values: Any) -> None:
        super().__init__(*mapping, **values)
        self.__dict__ = self

    def __reduce__(self) -> tuple[type[Row], tuple[dict[str, Any]]]:
        # a copy (or an unpickled row) is made through __init__, so it is its own attribute dict
        return Row, (dict(self),)

    if TYPE_CHECKING:  # what type checkers are told: any key reads as an attribute

        def __getattr__(self, name: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str | None
    current: bool = False
    featured: bool = True  # shown in the section bar itself, not only in its full menu


# Sections the bar shows itself (the build lists the busiest first); the menu shows every one.
FEATURED_SECTIONS = 8


class _Environment(jinja2.Environment):
    """A Jinja environment whose templates' globals are one dict each.

    Jinja chains a template's globals onto the environment's (a ``ChainMap``, so a later change
    to the environment's would show), and each render copies them into the page's context and
    lists their names: through the ``ChainMap``'s Python code, that was about a sixth of the
    time a history page took to render. Nothing changes the globals once a template is loaded."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


@cache
def environment(theme: Theme) -> jinja2.Environment:
    """The templates of ``theme`` as read once (``theme.load``): what renders is what the render
    version hashed."""
    return _Environment(
        loader=jinja2.DictLoader(dict(load(theme).templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a theme does not change while the process runs
        # the loaded templates in a plain dict: a theme's few templates all fit, and each
        # page's {% extends %} looks its parents up without the LRU cache's lock and reordering
        cache_size=-1,
        # compiled templates are kept between runs (keyed by each template's source checksum)
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )


def site_css(theme: Theme = PACKAGE_THEME) -> str:
    """The stylesheet served as assets/site.css and inlined into bundles and 404.html."""
    return load(theme).css


def render_template(theme: Theme, template: str, **context: Any) -> bytes:
    return _text(theme, template, context).encode("utf-8")


# Stands for the style sheet while a page that inlines it is rendered (``render_inline_css``).
_CSS_MARK = "\x00permapress-inline-css\x00"
_MARK_UTF8 = _CSS_MARK.encode("utf-8")


def render_inline_css(theme: Theme, template: str, css: str, **context: Any) -> bytes:
    """``render_template(theme, template, css_inline=Markup(css), **context)``, with the style
    sheet put in as bytes encoded once per process: it is most of a bundle's page (20 of its
    27 thousand characters), so the page's text is shorter to join and to encode. Only for
    the package's own templates, which show the sheet once as it is (a newsroom's template
    might look into it: those render it the ordinary way)."""
    if theme != PACKAGE_THEME:
        return render_template(theme, template, **context, css_inline=Markup(css))
    context["css_inline"] = Markup(_CSS_MARK)  # the call's own dict
    # found in the page's bytes: a search of bytes is quicker than one of text that is not all
    # Latin-1 (a dash in a headline), and the page is encoded once either way
    before, mark, after = _text(theme, template, context).encode("utf-8").partition(_MARK_UTF8)
    if not mark or _MARK_UTF8 in after:  # not shown, or more than once
        context["css_inline"] = Markup(css)
        return render_template(theme, template, **context)
    return b"".join((before, _utf8(css), after))


@lru_cache(maxsize=4)
def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _defaults() -> dict[str, Any]:
    """What a page shows for the names it does not give: no canonical link, feeds, section bar
    … (new lists for each page, as a template could change one)."""
    return {
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


def _text(theme: Theme, template: str, context: Mapping[str, Any]) -> str:
    base = _defaults()
    base.update(context)
    if "masthead" not in context:  # pages without the site's frame (bundles, 404.html)
        add_pieces(base, theme)
    return environment(theme).get_template(template).render(base)


def page_frame(theme: Theme, **context: Any) -> dict[str, Any]:
    """``context`` over the defaults, with the masthead and the footer it shows rendered: the
    frame of a page without the site's (a bundle's), to be made once and given to
    ``render_template`` with each page's own values, which renders it as it would ``context``.
    Its values are then shared by those pages: for templates that change none (the package's)."""
    frame = _defaults()
    frame.update(context)
    add_pieces(frame, theme)
    return frame


# The masthead with its section bar, and the footer, are the same on thousands of pages (they
# change only with the page's depth and current section): each is rendered once per process.
_MASTHEAD = (
    "site_name", "tagline", "home_href", "masthead_h1", "nav", "strip", "search_href", "logo",
    "strip_href",
)
_FOOTER = ("site_name", "footer_links", "fingerprint", "newsroom_pages")


def add_pieces(context: dict[str, Any], theme: Theme) -> None:
    """Put the masthead and the footer of ``context`` into it, rendered."""
    masthead = (_frozen(context, n) for n in _MASTHEAD)
    context["masthead"] = _piece(theme, "_masthead.html", *masthead)
    context["footer"] = _piece(theme, "_footer.html", *(_frozen(context, n) for n in _FOOTER))


def _frozen(context: Mapping[str, Any], name: str) -> tuple[str, Any]:
    value = context.get(name)
    return name, tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=512)
def _piece(theme: Theme, template: str, *context: tuple[str, Any]) -> Markup:
    return Markup(environment(theme).get_template(template).render(dict(context)))


def nav(site: SiteInfo, root: str, current: str | None = None) -> list[Link]:
    items = [Link("Front page", f"{root}index.html", current == "")]
    items += [
        Link(s.name, root + paths.category_page(s.slug), current == s.slug,
              i < FEATURED_SECTIONS)  # fmt: skip
        for i, s in enumerate(site.sections)
    ]
    items.append(Link("Archive", root + paths.ARCHIVE_INDEX, current == "archive"))
    return items


def feed_links(feeds: Mapping[str, str], root: str, title: str) -> list[Row]:
    return list(_feed_rows(tuple(feeds.items()), root, title))


# The same few rows head every page at one depth: made once for each.
@lru_cache(maxsize=512)
def _feed_rows(feeds: tuple[tuple[str, str], ...], root: str, title: str) -> tuple[Row, ...]:
    paths_of = dict(feeds)
    unknown = sorted(set(paths_of) - set(FEED_TYPES))
    if unknown:
        raise SiteError(f"feed kind {unknown[0]!r} is not one of 'atom', 'rss', 'json'")
    return tuple(
        Row(
            type=FEED_TYPES[k][0],
            title=f"{title} ({FEED_TYPES[k][1]})",
            href=root + paths_of[k],
        )
        for k in FEED_TYPES
        if k in paths_of
    )


# The frames of the running process by (site, root, current section, masthead as h1).
_FRAMES: dict[tuple[int, str, str | None, bool], tuple[SiteInfo, dict[str, Any]]] = {}


def site_frame(
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
    add_pieces(frame, site.theme)
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
        "search_href": root + paths.SEARCH_PAGE,
        "nav": nav(site, root, current),
        "fingerprint": site.fingerprint,
        "logo": storyparts.logo_href(site, root),
        "icon": storyparts.site_icon(site, root),
        "newsroom_pages": [(page.title, root + page.href) for page in site.pages],
        "footer_links": [
            ("Front page", f"{root}index.html"),
            ("Archive", root + paths.ARCHIVE_INDEX),
            ("Atom feed", f"{root}{SITE_FEEDS['atom']}"),
            ("RSS", f"{root}{SITE_FEEDS['rss']}"),
            ("JSON Feed", f"{root}{SITE_FEEDS['json']}"),
        ],
    }


def category_links(article: Article, slugs: Mapping[str, str], prefix: str | None) -> list[Link]:
    """Category links (text only when the slug is unknown or ``prefix`` is None)."""
    return [_category_link(name, slugs.get(name), prefix) for name in article.categories]


# A link is made once per category and depth, not once per card of the thousands that show it.
@lru_cache(maxsize=4096)
def _category_link(name: str, slug: str | None, prefix: str | None) -> Link:
    return Link(name, prefix + paths.category_page(slug) if slug and prefix is not None else None)


def story(
    article: Article,
    categories: list[Link],
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
            Row(name=a.name, role=a.role, bio=a.bio, href=root + paths.author_page(a.slug),
                 photo=f"{root}assets/theme/{quote(a.photo)}" if a.photo else None)  # fmt: skip
            for name in article.authors
            for a in (site.authors if site else ())
            if a.name == name
        ],
        "corrections_href": policy_href(site, root, "correctionsPolicy"),
        "byline": byline(article.authors),
        "categories": categories,
        "tags": list(article.tags),
        "published": when(article.published),
        "modified": when(modified) if modified and modified > article.published else None,
        "update_note": None,
        "lead_image": (
            Row(src=f"{media_prefix}media/{quote(image)}", caption=image_text(article, image))
            if image
            else None
        ),
        "body_html": Markup(storyparts.figures(body_html(article, media_prefix, recorded_html))),
    }


def policy_href(site: SiteInfo | None, root: str, policy: str) -> str | None:
    """The link to the newsroom page that states ``policy`` ("correctionsPolicy"), if any."""
    for page in site.pages if site else ():
        if policy in page.policies:
            return root + page.href
    return None
