"""The values the render functions take, and the few facts derived from them.

The site builder (``build.py``) reads the catalog and hands the renderers these frozen values;
the renderers never touch the catalog, the blockstore or the clock.

    SiteInfo      the newsroom: name, tagline, language, base URL (or None), key fingerprint,
                  the sections (categories) shown in the navigation bar, and the theme
                  (templates and stylesheet, ``theme.py``) the pages are rendered with
    Section       one navigation entry: display name and the slug of categories/<slug>/
    VersionInfo   one published version of an article: number, bundle CID, time, note
    ArticleEntry  an article as the site shows it: the current Article, its bundle CID and
                  every version, oldest first (the last one is current)
    Page          one output file: a path relative to the site root and its bytes

``iso8601``, ``byline``, ``media_image`` and ``body_html`` live in ``articles/display.py`` (the
ninjs writer needs them too) and are importable from here as before (``iso8601`` remembering
the times it wrote).

``SiteInfo.base_url``, when known, is absolute and ends with "/"; building one that does not
raises ``SiteError``. ``None`` means the public address is unknown: feeds and sitemaps then
carry relative URLs and say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from permapress.articles import display
from permapress.articles.display import body_html as body_html
from permapress.articles.display import byline as byline
from permapress.articles.display import media_image as media_image
from permapress.articles.model import Article
from permapress.config import Author
from permapress.errors import SiteError
from permapress.site.theme import PACKAGE_THEME, Theme
from permapress.site.trustinfo import NewsroomPage

# fmt: off
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
# fmt: on


@dataclass(frozen=True, slots=True)
class Section:
    """A category in the site's navigation bar, linked as ``categories/<slug>/index.html``."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page needs to know about the newsroom."""

    name: str
    tagline: str
    language: str
    base_url: str | None
    fingerprint: str | None = None
    sections: tuple[Section, ...] = field(default=())
    # Who the newsroom is (``trustinfo.py``): the authors with a page, the newsroom's own pages
    # (footer, Organization JSON-LD) and its logo's path from the site root.
    authors: tuple[Author, ...] = field(default=())
    pages: tuple[NewsroomPage, ...] = field(default=())
    logo: str | None = None
    # Where the templates and the stylesheet come from. Not in the repr, which stands for the
    # site in page fingerprints: the theme counts by its content (``theme.render_version``).
    theme: Theme = field(default=PACKAGE_THEME, repr=False)

    def __post_init__(self) -> None:
        if self.base_url is not None and not (
            self.base_url.startswith(("http://", "https://")) and self.base_url.endswith("/")
        ):
            raise SiteError(
                f"base URL {self.base_url!r} must be absolute and end with '/', "
                "e.g. 'https://news.example.org/'; leave it empty when the address is unknown"
            )

    def absolute(self, path: str) -> str | None:
        """The public URL of a path relative to the site root, or None without a base URL."""
        if self.base_url is None:
            return None
        return self.base_url + path


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One published version of an article."""

    number: int
    bundle_cid: str
    created: datetime
    note: str


@dataclass(frozen=True, slots=True)
class ArticleEntry:
    """An article as the site shows it; ``versions`` oldest first, the last is current."""

    article: Article
    bundle_cid: str
    versions: tuple[VersionInfo, ...]
    # The current version's body HTML as recorded with it ("" when unknown: render it).
    body_html: str = ""

    @property
    def version_number(self) -> int:
        """The number of the current version (1 when no version is recorded)."""
        return self.versions[-1].number if self.versions else 1

    @property
    def modified(self) -> datetime:
        """When the article last changed: its own ``modified`` date or the newest correction."""
        stamps = [self.article.published]
        if self.article.modified is not None:
            stamps.append(self.article.modified)
        if len(self.versions) > 1:
            stamps.append(self.versions[-1].created)
        return max(stamps)

    @property
    def corrections(self) -> tuple[VersionInfo, ...]:
        """The versions after the first: each one is a published update with its note."""
        return self.versions[1:]


@dataclass(frozen=True, slots=True)
class Page:
    """One file of the site: ``path`` relative to the site root, e.g. "articles/x/index.html"."""

    path: str
    data: bytes


def iso8601(moment: datetime) -> str:
    """``articles.display.iso8601``, each time written once per process: a build writes the same
    few thousand times into the article pages' metadata, the feeds and the sitemaps."""
    # the offset is part of the key: equal instants in two time zones read differently
    return _iso8601_at(moment, moment.utcoffset())


@lru_cache(maxsize=8192)
def _iso8601_at(moment: datetime, offset: timedelta | None) -> str:
    del offset  # the cache key
    return display.iso8601(moment)


def newest_first(entries: Iterable[ArticleEntry]) -> list[ArticleEntry]:
    """Entries ordered latest published first; ties broken by slug so the order is stable."""
    by_slug = sorted(entries, key=lambda e: e.article.slug)
    return sorted(by_slug, key=lambda e: e.article.published, reverse=True)


def human_date(moment: datetime) -> str:
    """ "July 8, 2025": the date as the article's own timezone saw it."""
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def month_name(month: int) -> str:
    """ "July" for 7."""
    return _MONTHS[month - 1]


def month_title(year: int, month: int, language: str = "en") -> str:
    """The title of a monthly archive page: "July 2025" (English names for every language)."""
    del language  # month names are English until the site gets translations
    return f"{month_name(month)} {year}"


def image_text(article: Article, name: str) -> str:
    """The words the body gives an image ("![these words](media/name)"), else ""."""
    found = re.search(r"!\[([^\]\n]*)\]\(<?media/" + re.escape(name) + r"[\s)>]", article.body)
    return " ".join(found.group(1).split()) if found else ""
