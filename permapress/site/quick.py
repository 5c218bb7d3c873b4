"""The quick path of a site build: only what a few corrections changed, patched into the last site.

    quick_build(newsroom, built_at=…, started=…, theme=…) -> BuildResult | None

Every build leaves a ``State`` in the catalog: the root it made, the publisher-log entry it
saw last, and each article's place in the listings (slug, publication date, categories, month),
newest first. When the only log entries since then are corrections ("correct") of at most
``MAX_ARTICLES`` articles that keep their publication date and categories, and nothing else the
pages depend on changed (settings, key, the set of categories, and the render version: the
templates, the stylesheet and the code that renders, ``theme.render_version``), no article moved
in any listing. Then the build knows which files each correction touches without
reading the other articles:

- the article's folder (page, history, every version and its CAR), made as in a full build;
- the listing pages that show it: its page of the front page and of each of its categories,
  and its month's archive page;
- the feeds it is among the newest of, the news sitemap when it is among the newest articles,
  its month's sitemap and the sitemap index;
- the publisher's log and key pages;
- ``search/`` (``search_build.py``): the index made again from the articles, so only the chunks
  holding the corrected words, and the article's docs chunk, get new CIDs.

Those files are made by the very functions the full build uses (``build.py``), with the same
fingerprints, and ``ipfs.patch.patch_tree`` writes them into the last root: only the
directories on their way are written again, even inside the sharded ``articles/`` folder.
In every other case (``None``) the ordinary build runs. Either way the root is the same: the
tests build each change both ways and compare.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import CachedPage, Catalog
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import is_draft
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported
from permapress.ipfs.patch import NotPatchable, patch_tree
from permapress.ipfs.profiles import get_profile
from permapress.site import build, feeds, search_build, sitemaps
from permapress.site.theme import PACKAGE_THEME, Theme, render_version
from permapress.site.views import ArticleEntry, Section, SiteInfo
from permapress.trust.keys import fingerprint, load_public_key

STATE_VERSION = 1
MAX_ARTICLES = 20

# One article as the listings place it: slug, publication date (ISO 8601), categories, year, month.
Listed = tuple[str, str, tuple[str, ...], int, int]


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
    """What a build leaves for the next one (JSON in the catalog, see ``Catalog.build_state``)."""

    context: str
    log_seq: int
    root: str
    pages: int
    order: list[Listed]
    lastmod: dict[tuple[int, int], datetime]
    sections: tuple[Section, ...]
    category_slugs: dict[str, str]

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
) -> None:
    """Keep a finished build: its pages in the page cache, its root and its state, together."""
    with catalog.transaction():
        catalog.store_pages(fresh)
        catalog.forget_pages(stale)
        catalog.add_build(state.root, built_at, len(state.order), state.pages)
        catalog.save_build_state(state.dumps())


def _corrected(lines: list[str]) -> list[str] | None:
    """The slugs the log lines correct, or None when any line does something else."""
    slugs: list[str] = []
    for line in lines:
        entry = json.loads(line).get("entry", {})
        if entry.get("action") != "correct":
            return None
        if entry["slug"] not in slugs:
            slugs.append(entry["slug"])
    return slugs


def _page_of(members: list[str], index: int, per_page: int) -> tuple[list[str], int, int]:
    """The slugs on the listing page that shows ``members[index]``, that page's number and the
    count of pages."""
    number = index // per_page + 1
    start = (number - 1) * per_page
    return members[start : start + per_page], number, max(1, -(-len(members) // per_page))


def quick_build(
    newsroom: Newsroom, *, built_at: str, started: float, theme: Theme = PACKAGE_THEME
) -> build.BuildResult | None:
    """The build as a patch of the last one, or None when it must be built the ordinary way."""
    catalog = newsroom.catalog
    text = catalog.build_state()
    state = State.loads(text) if text is not None else None
    if state is None:
        return None
    slugs = _corrected(catalog.log_since(state.log_seq))
    if slugs is None or len(slugs) > MAX_ARTICLES:
        return None
    config = newsroom.config
    blocks = newsroom.blocks
    root = CID.parse(state.root)
    if not blocks.has(root):
        return None
    public_key = load_public_key(config.keys_path)
    site = build.site_info(newsroom, state.sections, fingerprint(public_key), theme)
    site_key = build._site_key(site)
    version = render_version(theme)
    if build._context(config, site_key, state.category_slugs, version) != state.context:
        return None  # settings, key, categories, templates, stylesheet or code changed
    position = {item[0]: index for index, item in enumerate(state.order)}
    changed: dict[str, list[Any]] = {}
    for slug in slugs:
        rows = [row for row in catalog.versions(slug) if not is_draft(row)]
        article_row = catalog.article(slug)
        if slug not in position or not rows or article_row is None:
            return None
        if article_row.status != "published":
            return None
        article = article_from_meta(rows[-1].meta)
        if listed(article) != state.order[position[slug]]:
            return None  # it moves in the listings: the ordinary build places everything
        changed[slug] = rows

    build._KEYS.clear()
    try:
        return _patch(
            newsroom, state, site, (site_key, version), public_key, changed, built_at, started
        )
    except NotPatchable:
        return None
    finally:
        build._KEYS.clear()


def _patch(
    newsroom: Newsroom,
    state: State,
    site: SiteInfo,
    keys: tuple[str, str],
    public_key: bytes,
    changed: dict[str, list[Any]],
    built_at: str,
    started: float,
) -> build.BuildResult:
    """Patch the last root with what ``changed`` touches; ``keys``: (site key, render version)."""
    site_key, version = keys
    catalog = newsroom.catalog
    config = newsroom.config
    profile = get_profile(config.profile)
    blocks = newsroom.blocks
    plan = build._Plan(
        profile, blocks.put, {}, version, site=site, site_key=site_key, has=blocks.has
    )
    slugs_of = state.category_slugs
    taxonomy = Taxonomy(config.category_topics)
    order = [item[0] for item in state.order]
    known: dict[str, ArticleEntry] = {}

    def entries(slugs: list[str]) -> list[ArticleEntry]:
        """The listed articles (without bodies), in the order given."""
        missing = [slug for slug in slugs if slug not in known]
        if missing:
            rows = catalog.all_versions("published", light=True, slugs=missing)
            if len(rows) < len(missing):  # an older catalog marks some of them "draft"
                rows.update(catalog.all_versions("draft", light=True, slugs=missing))
            shown = {}
            for slug, got in rows.items():
                kept = [row for row in got if not is_draft(row)]
                if kept:
                    shown[slug] = kept
            for entry in build._entries(shown):
                known[entry.article.slug] = entry
        return [known[slug] for slug in slugs]

    def keep(shown: list[ArticleEntry]) -> list[ArticleEntry]:
        return shown

    pages = state.pages
    lastmod = dict(state.lastmod)
    for slug, rows in changed.items():
        at = order.index(slug)
        _slug, _published, categories, year, month = state.order[at]
        own = {name: slugs_of[name] for name in categories}
        key = build._folder_key(version, site_key, own, rows)
        base = f"articles/{slug}/"
        before = catalog.cached_page(base)
        if before is not None and before.fingerprint == key:
            continue  # already built (the log line was a correction the last build saw)
        inner = catalog.cached_pages_under(base)
        plan.cache.update(inner)
        build._folder_job(plan, build._ArticleFolder(slug, rows, own, key, inner), blocks)
        pages -= before.size if before is not None else 0

        chunk, number, count = _page_of(order, at, config.per_page)
        build._listing_page(plan, site, "", 0, entries(chunk), number, count,
                            **build._home_listing(site), category_slugs=slugs_of,
                            full=keep)  # fmt: skip
        if at < feeds.FEED_SIZE:
            build._feeds(plan, catalog, site, "", entries(order[: feeds.FEED_SIZE]), site.name)
        for name in categories:
            members = [i[0] for i in state.order if name in i[2]]
            place = members.index(slug)
            chunk, number, count = _page_of(members, place, config.per_page)
            base = f"categories/{slugs_of[name]}/"
            build._listing_page(plan, site, base, 2, entries(chunk), number, count,
                                **build._category_listing(taxonomy, site, name),
                                category_slugs=slugs_of, full=keep, feeds_base=base)  # fmt: skip
            if place < feeds.FEED_SIZE:
                newest = entries(members[: feeds.FEED_SIZE])
                title = build._category_feed_title(site, name)
                build._feeds(plan, catalog, site, base, newest, title)
        month_members = entries([i[0] for i in state.order if (i[3], i[4]) == (year, month)])
        build._archive_month(plan, site, year, month, month_members, slugs_of, keep)
        lastmod[(year, month)] = build._month_sitemap(plan, site, year, month, month_members)
        if at < sitemaps.NEWS_LIMIT:
            build._news_sitemap(plan, site, entries(order[: sitemaps.NEWS_LIMIT]), keep)
    if not plan.jobs:
        return _finish(newsroom, state, state.root, state.pages, [], lastmod, built_at, started)
    build._sitemap_index(plan, site, lastmod)
    build._publisher_pages(plan, catalog, config.name, public_key)
    search_build.place_search(plan, catalog, site, order)  # the chunks a correction changed
    plan.flush()
    pages += plan.pages - sum(1 for path in _paths(plan.tree) if path.endswith(".html"))
    made = patch_tree(CID.parse(state.root), dict(_nodes(plan.tree)), profile, blocks.get,
                      blocks.put)  # fmt: skip
    result = _finish(newsroom, state, str(made.cid), pages, plan.fresh, lastmod, built_at, started)
    return replace(result, rendered=plan.rendered)


def _nodes(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Imported]]:
    for name, value in tree.items():
        if isinstance(value, Imported):
            yield prefix + name, value
        else:
            yield from _nodes(value, prefix + name + "/")


def _paths(tree: dict[str, Any]) -> Iterator[str]:
    return (path for path, _node in _nodes(tree))


def _finish(
    newsroom: Newsroom,
    state: State,
    root: str,
    pages: int,
    fresh: list[tuple[str, CachedPage]],
    lastmod: dict[tuple[int, int], datetime],
    built_at: str,
    started: float,
) -> build.BuildResult:
    catalog = newsroom.catalog
    after = replace(state, log_seq=log_seq(catalog), root=root, pages=pages, lastmod=lastmod)
    record_build(catalog, after, fresh, [], built_at)
    seconds = time.perf_counter() - started
    return build.BuildResult(root, len(state.order), pages, 0, seconds, "patched")
