"""Build the news site as one UnixFS directory from the catalog's published articles.

    build_site(newsroom) -> BuildResult(root_cid, articles, pages, rendered, seconds, mode)

0. Patch: when only a few corrections happened since the last build, ``patch.py`` makes the
   files they touch and writes them into the last root; else:
1. Collect: every article on the site (its public versions), grouped by category and month;
   the publisher key; the site's facts (``state.py``).
2. Plan: every page of the site (``pages.py``, ``history.py``), each with the fingerprint of
   what it shows, so a page whose inputs did not change keeps its CID from the page cache.
   An article's folder is one job (``folders.py``); workers start on those while this process
   plans the listings, feeds and sitemaps (``plan.py``). On a big newsroom the workers are
   forked before step 1, while this process is small, and take the folders as data
   (``workers.py``).
3. Flush: render what changed and join the tree; the big ``articles/`` folder is reused when
   none of its entries changed. The search index is made when the workers have ended, its
   entries read in batches (``search_build.py``, ``search_stream.py``).
4. Record the root, the page cache and the build's state in one transaction. Same catalog,
   same templates, same key: same root CID.

Every fingerprint includes the render version (``theme.render_version``): a digest of the
templates, the stylesheet and the code that renders, computed when a build starts. Editing any
of them renders every page again; nothing is bumped by hand. ``theme`` points a build at
another folder of templates and stylesheet (tests use a copy of the package's).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from permapress import sitepaths as paths
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import Catalog, VersionRow
from permapress.catalog.published import public_by_slug
from permapress.handle import Newsroom
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, import_tree
from permapress.ipfs.profiles import get_profile
from permapress.progress import Bar, progress_bar
from permapress.site import (
    entries,
    folders,
    history,
    pages,
    patch,
    search_build,
    sitemaps,
    trustpages,
)
from permapress.site.pagecache import PageCache, Spool
from permapress.site.pagination import split
from permapress.site.plan import PARALLEL_MIN, Plan, PlannedPage
from permapress.site.state import (
    BuildResult,
    State,
    context,
    listed,
    log_seq,
    now,
    record_build,
    sections,
    site_info,
    site_key,
)
from permapress.site.state import category_slugs as slugs_of_categories
from permapress.site.theme import PACKAGE_THEME, Theme, newsroom_theme, render_version
from permapress.site.views import ArticleEntry
from permapress.site.workers import collect_less, early_pool
from permapress.trust.keys import fingerprint, load_public_key

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

__all__ = ["PARALLEL_MIN", "BuildResult", "build_site"]

Month = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Site:
    """What the build collected: the articles on the site and how the listings group them."""

    rows: dict[str, list[VersionRow]]
    entries: list[ArticleEntry]  # every article, the newsroom's own pages too
    news: list[ArticleEntry]  # what listings, feeds and sitemaps of news show
    by_category: dict[str, list[ArticleEntry]]
    by_month: dict[Month, list[ArticleEntry]]
    category_slugs: dict[str, str]
    drafts: set[tuple[str, int]]
    skeleton: bool


def build_site(
    newsroom: Newsroom,
    *,
    built_at: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    theme: Theme = PACKAGE_THEME,
) -> BuildResult:
    """Build the site from the catalog into the blockstore and record its root.

    ``workers`` processes render changed pages (default: one per CPU core) when the blockstore
    is on disk and enough pages changed; the result is the same bytes in any case. ``theme``
    is where the templates and the stylesheet are read from."""
    started = time.perf_counter()
    built_at = built_at or now()
    theme = newsroom_theme(newsroom.config, theme)  # the newsroom's theme/ folder and [look]
    with collect_less():
        made = patch.quick_build(newsroom, built_at=built_at, started=started, theme=theme)
        if made is not None:
            return made
        return _full(newsroom, built_at, started, workers, progress, theme)


def _full(
    newsroom: Newsroom,
    built_at: str,
    started: float,
    workers: int | None,
    progress: bool,
    theme: Theme,
) -> BuildResult:
    count = (workers or os.cpu_count() or 1) if isinstance(newsroom.blocks, FileBlockstore) else 1
    pool = None
    if count > 1 and log_seq(newsroom.catalog) >= PARALLEL_MIN:
        # forked while this process is small; the article folders go to them as data
        pool = early_pool(count)
    try:
        with progress_bar(progress) as bar:  # from the start: reading a big catalog takes a while
            return _build(newsroom, built_at, started, count, bar, theme, pool)
    finally:
        if pool is not None:  # ended already when the workers took the folders
            pool.terminate()
            pool.join()


def _build(
    newsroom: Newsroom,
    built_at: str,
    started: float,
    workers: int,
    bar: Bar,
    theme: Theme,
    pool: Pool | None,
) -> BuildResult:
    config, catalog, blocks = newsroom.config, newsroom.catalog, newsroom.blocks
    # Skeleton rows (slug, dates, categories), on a cold build too: a page that renders reads
    # its articles in full then, and an article folder's job reads its own versions when it runs
    # (in a worker), so what this process holds does not grow with the archive's text.
    task = bar.add_task("Reading the catalog", total=None)
    pagecache = PageCache(catalog)
    pagecache.create()
    cache = pagecache.pages(inside_articles=False)
    found = _collect(catalog, skeleton=True)
    public_key = load_public_key(config.keys_path)
    sections_shown = sections(found.by_category, found.category_slugs)
    full = entries.FullArticles(catalog, found.skeleton)
    own = full([e for e in found.entries if e.article.genre == "page"])
    own_pages = trustpages.newsroom_pages(e.article for e in own)
    site = site_info(newsroom, sections_shown, fingerprint(public_key), theme, own_pages)
    version = render_version(theme)
    batch = BlockBatch(blocks)  # this process's blocks are stored a few MB at a time
    plan = Plan(get_profile(config.profile), batch.put, cache, version, site=site,
                site_key=site_key(site), parallel_min=PARALLEL_MIN, workers=workers,
                has=batch.has, has_many=batch.has_many, pool=pool, bar=bar, task=task)  # fmt: skip

    _plan_articles(plan, newsroom, found)
    if plan.workers > 1 and len(plan.jobs) >= plan.parallel_min:
        # a big build: the folders' page-cache rows wait in a file, not in memory
        plan.spool = Spool(catalog.path.parent)
    try:  # the spool file is deleted whatever happens
        try:
            bar.update(task, description="Rendering")  # the folders, then each page made
            plan.start()  # the article folders are most of the work: workers start on them now
            _plan_retracted(plan, newsroom, found.drafts)
            _plan_publisher(plan, newsroom, public_key)
            _plan_listings(plan, newsroom, found, full)
            lastmod = _plan_months(plan, found)
            for page in trustpages.author_pages(
                site, found.news, per_page=config.per_page, category_slugs=found.category_slugs,
                full=full, bodies=partial(entries.with_bodies, catalog),
            ) + trustpages.theme_assets(site):  # fmt: skip
                plan.page(page)
            for page in (pages.not_found(site), pages.verify_page(site), pages.badge_script(),
                         pages.robots(site), pages.stylesheet(site)):  # fmt: skip
                plan.page(page)
            # what the state and the index need of the articles, then the articles go: the
            # workers' results and the index come into the room they held
            order = [listed(e.article) for e in found.news]
            author_order = trustpages.author_order(found.news, site)
            slugs = [e.article.slug for e in found.news]  # as the quick path has them
            shown, category_slugs = found.rows, found.category_slugs
            del full, own, found
            plan.flush()
            bar.update(task, description="Search index")  # its entries counted as they are read
            # the index after the workers ended: its memory does not add to theirs, and it
            # takes the room of the rows' fields it does not read
            shown = search_build.index_rows(shown)
            search_build.place_search(plan, catalog, site, slugs, shown, get=batch.get,
                                      stream=True)  # fmt: skip
            del shown
        except BaseException:  # Ctrl+C or an error: end the workers, keep nothing of them
            plan.abandon()
            raise
        bar.update(task, description="Recording")
        plan.forget_missing()
        articles = plan.tree.get(paths.ARTICLES.rstrip("/"), {})
        if articles:
            plan.tree[paths.ARTICLES.rstrip("/")] = plan.directory(paths.ARTICLES, articles)
        root = str(import_tree(plan.tree, plan.profile, batch.put).cid)
        batch.flush()  # every block of the site is stored before its root is recorded
        state = State(
            context=context(config, plan.site_key, category_slugs, version),
            log_seq=log_seq(catalog),
            root=root,
            pages=plan.pages,
            order=order,
            lastmod=lastmod,
            sections=site.sections,
            category_slugs=category_slugs,
            newsroom_pages=site.pages,
            author_order=author_order,
        )
        record_build(catalog, state, plan.fresh, plan.stale, built_at, plan.spool)
    finally:
        if plan.spool is not None:
            plan.spool.close()
    seconds = time.perf_counter() - started
    mode = "incremental" if cache else "full"
    return BuildResult(root, len(slugs), plan.pages, plan.rendered, seconds, mode)


def _collect(catalog: Catalog, *, skeleton: bool) -> _Site:
    """The articles on the site, read in one query (as skeletons, or whole bar source and
    record). Only public versions are shown: never a draft (``catalog/published.py``)."""
    drafts = catalog.draft_versions()
    rows = entries.on_site(catalog, drafts, pages=not skeleton, skeleton=skeleton)
    shown = entries.entries(rows, skeleton)
    news = trustpages.listed(shown)
    by_category: dict[str, list[ArticleEntry]] = defaultdict(list)
    by_month: dict[Month, list[ArticleEntry]] = defaultdict(list)
    for entry in news:
        for name in entry.article.categories:
            by_category[name].append(entry)
        by_month[(entry.article.published.year, entry.article.published.month)].append(entry)
    slugs = slugs_of_categories(by_category)
    return _Site(rows, shown, news, by_category, by_month, slugs, drafts, skeleton)


def _plan_articles(plan: Plan, newsroom: Newsroom, found: _Site) -> None:
    """Articles: page, CAR, every version's bundle and CAR, the history. A folder whose article
    did not change is reused whole, without looking inside; one that changed is one job."""
    catalog = newsroom.catalog
    source = folders.VersionSource(catalog.path, catalog, found.drafts)
    shared = folders.folder_context(plan, newsroom.blocks)
    for entry in found.entries:
        slug = entry.article.slug
        base = paths.article_folder(slug)
        own_slugs = {name: found.category_slugs[name] for name in entry.article.categories}
        key = folders.folder_key(plan.version, plan.site_key, own_slugs, found.rows[slug])
        hit = plan.cached(base, key)
        if hit is not None:
            plan.place(base.rstrip("/"), Imported(CID.parse(hit.cid), hit.tsize, 0))
            plan.pages += hit.size  # a folder's row counts its pages
            continue
        inner = PageCache(catalog).under(base) if plan.cache else {}  # none on a first build
        plan.cache.update(inner)
        newest = found.rows[slug][-1].number  # what the fingerprint covers
        folder = folders.ArticleFolder(slug, None, own_slugs, key, inner, source, newest)
        folders.plan_folder(plan, folder, newsroom.blocks, shared)


def _plan_retracted(plan: Plan, newsroom: Newsroom, drafts: set[tuple[str, int]]) -> None:
    """Retracted articles: a tombstone and the history; the versions unless purged."""
    catalog = newsroom.catalog
    assert plan.site is not None
    retracted_rows = public_by_slug(catalog.all_versions("retracted"), drafts)
    for row in catalog.articles("retracted"):
        taken = retracted_rows.get(row.slug)
        if taken:
            plan.cache.update(PageCache(catalog).under(paths.article_folder(row.slug)))
            entry = entries.entries({row.slug: taken})[0]
            for page in history.retracted_pages(entry, plan.site, row, taken):
                plan.page(page)
            if not row.purged:
                folders.place_versions(plan, newsroom.blocks.get, row.slug, taken)


def _plan_publisher(plan: Plan, newsroom: Newsroom, public_key: bytes) -> None:
    """publisher.json and log.jsonl: the key, its fingerprint and the signed log."""
    catalog = newsroom.catalog
    made = history.publisher_pages(newsroom.config.name, public_key, plan.profile.name,
                                   catalog.log_head(), catalog.log_text)  # fmt: skip
    for page in made:
        plan.page(page)


def _plan_listings(plan: Plan, newsroom: Newsroom, found: _Site, full: pages.Reader) -> None:
    """The front page, every category and every month's archive: each page of each listing,
    the news sitemap, then the listings' feeds.

    The pages go newest first across all the listings (by the newest article each shows), so
    the pages that show an article come close together and ``full``, which keeps the few
    thousand articles shown last, reads it once for all of them; one listing after another read
    each article again for every listing that shows it (3.5 times in the benchmark's corpus).
    A page that spans a long stretch (a category with few articles) can still read some of its
    articles again."""
    site = plan.site
    assert site is not None
    per_page = newsroom.config.per_page
    bodies = partial(entries.with_bodies, newsroom.catalog)
    taxonomy = Taxonomy(newsroom.config.category_topics)
    listings: list[tuple[str, pages.Listing, list[ArticleEntry], str, str | None]] = [
        (paths.HOME, pages.home(site), found.news, site.name, None)
    ]
    for name, members in sorted(found.by_category.items()):
        base = paths.category_folder(found.category_slugs[name])
        title = pages.category_feed_title(site, name)
        listings.append((base, pages.category(taxonomy, site, name), members, title, base))
    planned: list[tuple[tuple[object, ...], Callable[[], PlannedPage]]] = []
    for base, listing, members, _title, feeds_base in listings:
        chunks = split(members, per_page)
        for number, chunk in enumerate(chunks, start=1):
            planned.append((_newest(chunk), partial(
                pages.listing_page, site, base, listing, chunk, number, len(chunks),
                category_slugs=found.category_slugs, full=full, feeds_base=feeds_base,
            )))  # fmt: skip
    for (year, month), members in found.by_month.items():
        page = partial(pages.archive_month, site, year, month, members, found.category_slugs, full)
        planned.append((_newest(members), page))
    newest = found.news[: sitemaps.NEWS_LIMIT]
    planned.append((_newest(newest), partial(pages.news_sitemap, site, newest, full)))
    planned.sort(key=lambda item: item[0], reverse=True)
    for _order, make in planned:
        plan.page(make())
    del planned
    for base, _listing, members, feed_title, _feeds_base in listings:
        for feed in pages.feed_pages(site, base, members, feed_title, bodies):
            plan.page(feed)


def _newest(chunk: list[ArticleEntry]) -> tuple[object, ...]:
    """Where a listing page goes in the build's order: by the newest article it shows (an empty
    front page first)."""
    if not chunk:
        return (1,)
    return (0, chunk[0].article.published, chunk[0].article.slug)


def _plan_months(plan: Plan, found: _Site) -> dict[Month, datetime]:
    """The archive index, the pages' sitemap, each month's sitemap and the sitemap index (an
    index of monthly sitemaps, so an edit renders one month's again; each month's page is a
    listing: ``_plan_listings``). Gives each month's newest change."""
    site = plan.site
    assert site is not None
    months = sorted(found.by_month, reverse=True)
    counts = [(y, m, len(found.by_month[(y, m)])) for y, m in months]
    plan.page(pages.archive_index(site, counts))
    plan.page(pages.pages_sitemap(site, found.category_slugs, months))
    lastmod = {}
    for year, month in months:
        page, lastmod[(year, month)] = pages.month_sitemap(
            site, year, month, found.by_month[(year, month)]
        )
        plan.page(page)
    plan.page(pages.sitemap_index(site, lastmod))
    return lastmod
