"""What a build knows about the site besides its pages, what it leaves for the next build and
what it reports.

    BuildResult(root_cid, articles, pages, rendered, seconds, mode)
    State                          the last build's root, log position and listing order (JSON
                                   in the catalog); ``patch.py`` reads it
    listed(article) -> Listed      one article as the listings place it
    record_build(catalog, state, fresh, stale, built_at)   keep a finished build, in one go
    site_info(newsroom, sections, key_fingerprint, theme) -> SiteInfo
    category_slugs(by_category)    each category's folder name, unique
    sections(by_category, slugs)   the busiest categories, for the navigation bar
    site_key(site)                 what stands for the site in page fingerprints
    context(config, site_key, category_slugs, version)   what every page depends on
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from permapress import __version__
from permapress.articles.model import Article
from permapress.articles.taxonomy import category_slug
from permapress.catalog import Catalog
from permapress.config import Config
from permapress.handle import Newsroom
from permapress.site.pagecache import CachedPage, PageCache, Spool
from permapress.site.theme import ASSETS_FOLDER, PACKAGE_THEME, Theme
from permapress.site.trustinfo import NewsroomPage
from permapress.site.verifier import digest as verifier_digest
from permapress.site.views import ArticleEntry, Section, SiteInfo

STATE_VERSION = 1
NAV_SECTIONS = 8

# One article as the listings place it: slug, publication date (ISO 8601), categories, year, month.
Listed = tuple[str, str, tuple[str, ...], int, int]


@dataclass(frozen=True, slots=True)
class BuildResult:
    root_cid: str
    articles: int
    pages: int
    rendered: int
    seconds: float
    # "full" (nothing cached), "incremental" (cached pages reused) or "patched" (``patch.py``)
    mode: str = "full"


def listed(article: Article) -> Listed:
    published = article.published
    return (
        article.slug,
        published.isoformat(),
        article.categories,
        published.year,
        published.month,
    )


@dataclass(frozen=True, slots=True)
class State:
    """What a build leaves for the next one (JSON, kept by ``PageCache.save_state``)."""

    context: str
    log_seq: int
    root: str
    pages: int
    order: list[Listed]
    lastmod: dict[tuple[int, int], datetime]
    sections: tuple[Section, ...]
    category_slugs: dict[str, str]
    newsroom_pages: tuple[NewsroomPage, ...] = ()
    author_order: dict[str, list[str]] = field(default_factory=dict)  # author -> slugs

    def dumps(self) -> str:
        return json.dumps(
            {
                "version": STATE_VERSION,
                "context": self.context,
                "log_seq": self.log_seq,
                "root": self.root,
                "pages": self.pages,
                "order": self.order,
                "lastmod": [[y, m, when.isoformat()] for (y, m), when in self.lastmod.items()],
                "sections": [[s.name, s.slug] for s in self.sections],
                "category_slugs": self.category_slugs,
                "newsroom_pages": [
                    [p.slug, p.title, p.href, list(p.policies)] for p in self.newsroom_pages
                ],
                "author_order": self.author_order,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str) -> State | None:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            return None
        return cls(
            context=data["context"],
            log_seq=data["log_seq"],
            root=data["root"],
            pages=data["pages"],
            order=[(s, p, tuple(c), y, m) for s, p, c, y, m in data["order"]],
            lastmod={(y, m): datetime.fromisoformat(w) for y, m, w in data["lastmod"]},
            sections=tuple(Section(name, slug) for name, slug in data["sections"]),
            category_slugs=data["category_slugs"],
            newsroom_pages=tuple(
                NewsroomPage(slug, title, href, tuple(policies))
                for slug, title, href, policies in data.get("newsroom_pages", [])
            ),
            author_order=data.get("author_order", {}),
        )


def log_seq(catalog: Catalog) -> int:
    """The number of the newest publisher-log entry (0 for an empty log)."""
    head = catalog.log_head()
    return head[0] if head else 0


def record_build(
    catalog: Catalog,
    state: State,
    fresh: list[tuple[str, CachedPage]],
    stale: list[str],
    built_at: str,
    spool: Spool | None = None,
) -> None:
    """Keep a finished build: its pages in the page cache (``fresh`` and what ``spool``
    holds), its root and its state, together."""
    cache = PageCache(catalog)
    with catalog.transaction():
        if spool is not None:
            cache.store_rows(spool.rows())
        cache.store(fresh)
        cache.forget(stale)
        catalog.add_build(state.root, built_at, len(state.order), state.pages)
        cache.save_state(state.dumps())


def site_info(
    newsroom: Newsroom,
    sections: tuple[Section, ...] = (),
    key_fingerprint: str | None = None,
    theme: Theme = PACKAGE_THEME,
    newsroom_pages: tuple[NewsroomPage, ...] = (),
) -> SiteInfo:
    config = newsroom.config
    return SiteInfo(
        name=config.name,
        tagline=config.tagline,
        language=config.language,
        base_url=config.base_url,
        fingerprint=key_fingerprint,
        sections=sections,
        authors=config.authors,
        pages=newsroom_pages,
        logo=ASSETS_FOLDER + config.look.logo if config.look.logo else None,
        theme=theme,
    )


def category_slugs(by_category: dict[str, list[ArticleEntry]]) -> dict[str, str]:
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(by_category):
        slug = category_slug(name)
        candidate, n = slug, 2
        while candidate in used:
            candidate = f"{slug}-{n}"
            n += 1
        used.add(candidate)
        slugs[name] = candidate
    return slugs


def sections(
    by_category: dict[str, list[ArticleEntry]], slugs: dict[str, str]
) -> tuple[Section, ...]:
    """Every category for the navigation: the busiest ``NAV_SECTIONS`` first (the bar shows
    them), then the others (in its menu), each group in alphabetical order."""
    busiest = sorted(by_category, key=lambda name: (-len(by_category[name]), name))[:NAV_SECTIONS]
    rest = sorted(set(by_category) - set(busiest))
    return tuple(Section(name, slugs[name]) for name in [*sorted(busiest), *rest])


def site_key(site: SiteInfo) -> str:
    """What stands for the site in page fingerprints (its repr is long)."""
    return hashlib.sha256(repr(site).encode()).hexdigest()


def context(config: Config, site_key: str, category_slugs: dict[str, str], version: str) -> str:
    """Everything besides the articles that every page depends on: when it changes, no page of
    the last build can be taken as it is. ``version`` is the render version (templates,
    stylesheet and code)."""
    text = repr((__version__, version, verifier_digest(), repr(config), site_key, category_slugs))
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
