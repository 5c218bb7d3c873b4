"""Build the news site as one UnixFS directory from the catalog's published articles.

    build_site(newsroom) -> BuildResult(root_cid, articles, pages, rendered, seconds)

1. Collect: every published article, its current version and its version list; every
   retracted article; the publisher key and log.
2. Plan: every page of the site as (path, fingerprint, render function). The fingerprint is a
   hash of everything the page shows, so a page whose inputs did not change is not rendered
   again: its CID comes from the catalog's page cache (its blocks are already stored).
3. Render what changed, import each page as a UnixFS file, and assemble the tree:
   the article bundles are linked in as they are (``articles/<slug>/v/<n>/``), and each
   version's CAR is a file that shares the bundle's blocks (``carfile.py``):
   ``<slug>.car`` for the current version, ``<slug>-v<n>.car`` for every version.
   ``articles/<slug>/history/`` lists the versions and shows what changed in each
   (``trust/sitepages.py``). A retracted article keeps only a tombstone page and its history
   (and, unless purged, its versions); a purged one keeps its signed records
   (``articles/<slug>/records/``). ``publisher.json`` and ``log.jsonl`` at the root publish the
   key and the signed publisher log.
4. Record the root in the catalog. Same catalog, same templates, same key: same root CID.

Every fingerprint includes the render version (``theme.render_version``): a digest of the
templates, the stylesheet and the code that renders, computed when a build starts. Editing any
of them renders every page again; nothing is bumped by hand. ``theme`` points a build at
another folder of templates and stylesheet (tests use a copy of the package's).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import signal
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, Literal

from permapress.articles.model import Article
from permapress.articles.taxonomy import Taxonomy, category_slug
from permapress.catalog import CachedPage, Catalog, VersionRow
from permapress.catalog.meta import article_from_meta
from permapress.catalog.published import public, public_by_slug
from permapress.handle import Newsroom
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.hamt import ShardCache
from permapress.ipfs.importer import Imported, build_directory, import_bytes, import_tree
from permapress.ipfs.profiles import Profile, get_profile
from permapress.site import feeds, render, search_build, sitemaps
from permapress.site.carfile import car_file
from permapress.site.theme import PACKAGE_THEME, Theme, code_version, render_version
from permapress.site.verifier import BADGE_PATH, BADGE_SCRIPT, verify_page
from permapress.site.verifier import digest as verifier_digest
from permapress.site.views import ArticleEntry, Section, SiteInfo, VersionInfo
from permapress.trust import sitepages
from permapress.trust.keys import fingerprint, load_public_key
from permapress.trust.log import PublisherInfo

Tree = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BuildResult:
    root_cid: str
    articles: int
    pages: int
    rendered: int
    seconds: float
    # "full" (nothing cached), "incremental" (cached pages reused) or "patched" (``quick.py``)
    mode: str = "full"


@dataclass(frozen=True, slots=True)
class _Job:
    """Work for a page or CAR that changed: ``make`` renders and stores it, giving its node."""

    paths: tuple[str, ...]
    fingerprint: str
    make: Callable[[], Imported | _Folder]


@dataclass(frozen=True, slots=True)
class _Folder:
    """What an article-folder job made (``_article_folder``): the folder's node, the page-cache
    rows of the folder and of every file in it, its page count and how many files it rendered."""

    node: Imported
    rows: list[tuple[str, CachedPage]]
    pages: int
    rendered: int


# The jobs of the running build, where forked worker processes find them by index.
_JOBS: list[_Job] = []


def _run_job(index: int) -> tuple[int, Imported | _Folder]:
    return index, _JOBS[index].make()


def _worker_start() -> None:
    """A worker ignores Ctrl+C: the parent stops the build and ends the workers, so one line
    reports the interruption instead of a traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_pool(workers: int) -> Any:
    """A pool of forked workers. SIGINT is blocked while they are forked (a Ctrl+C then waits
    for this process), so no worker can receive one before it ignores it."""
    import multiprocessing

    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@dataclass(slots=True)
class _Plan:
    """Pages to place in the tree, each rendered only when its fingerprint changed.

    Changed pages and CARs become jobs; ``flush`` runs them (in worker processes when there are
    many and the blockstore is on disk) and places their nodes in the tree.
    """

    profile: Profile
    sink: Callable[[CID, bytes], None]
    cache: dict[str, CachedPage]
    # the render version (``theme.render_version``), part of every page's fingerprint
    version: str
    site: SiteInfo | None = None
    site_key: str = ""
    workers: int = 1
    tree: Tree = field(default_factory=dict)
    fresh: list[tuple[str, CachedPage]] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)
    cars: dict[CID, int] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    has: Callable[[CID], bool] = lambda cid: False
    rendered: int = 0
    pages: int = 0
    planned: set[str] = field(default_factory=set)
    # jobs handed to workers by ``start``: (the jobs, the pool, its results as they come)
    running: tuple[list[_Job], Any, Any] | None = None

    def place(self, path: str, node: Imported) -> None:
        parts = path.split("/")
        folder = self.tree
        for part in parts[:-1]:
            folder = folder.setdefault(part, {})
        folder[parts[-1]] = node

    def cached(self, path: str, fingerprint: str) -> CachedPage | None:
        hit = self.cache.get(path)
        return hit if hit is not None and hit.fingerprint == fingerprint else None

    def fingerprint(self, inputs: Any) -> str:
        if isinstance(inputs, list) and self.site is not None:
            inputs = [self.site_key if item is self.site else item for item in inputs]
        return _digest([self.version, inputs])

    def page(
        self, path: str, inputs: Any, render_fn: Callable[[], bytes], digest: str | None = None
    ) -> None:
        """Place the page at ``path``: its cached node when ``inputs`` (or their ``digest``,
        when the caller has it already) did not change, else a job that renders it."""
        if path in self.planned:  # the quick path can reach a page twice: once is enough
            return
        self.planned.add(path)
        digest = digest or self.fingerprint(inputs)
        if path.endswith(".html"):
            self.pages += 1
        hit = self.cached(path, digest)
        if hit is not None:
            self.place(path, Imported(CID.parse(hit.cid), hit.tsize, hit.size))
            return
        profile, sink = self.profile, self.sink
        self.jobs.append(_Job((path,), digest, lambda: import_bytes(render_fn(), profile, sink)))

    def car(self, path: str, bundle: CID, get: Callable[[CID], bytes]) -> None:
        """The bundle's CAR file, made once per bundle and only when the bundle is new (or the
        code that writes CARs changed: templates do not shape a CAR)."""
        fingerprint = f"car:{bundle}:{code_version()}"
        hit = self.cached(path, fingerprint)
        if hit is not None:
            self.place(path, Imported(CID.parse(hit.cid), hit.tsize, hit.size))
            return
        if bundle in self.cars:
            job = self.jobs[self.cars[bundle]]
            self.jobs[self.cars[bundle]] = _Job((*job.paths, path), job.fingerprint, job.make)
            return
        profile, sink = self.profile, self.sink
        self.cars[bundle] = len(self.jobs)
        self.jobs.append(_Job((path,), fingerprint, lambda: car_file(bundle, get, profile, sink)))

    def folder(self, path: str, fingerprint: str, make: Callable[[], _Folder]) -> None:
        """A folder that changed, made whole by one job (``_article_folder``)."""
        self.jobs.append(_Job((path,), fingerprint, make))

    def start(self) -> None:
        """Hand the jobs planned so far to worker processes now (when there are enough of them,
        and more than one worker), so that this process plans and renders the rest meanwhile;
        ``flush`` collects what the workers made."""
        global _JOBS
        if self.workers <= 1 or len(self.jobs) < PARALLEL_MIN or self.running is not None:
            return
        jobs, self.jobs, self.cars = self.jobs, [], {}
        _JOBS = jobs
        # Objects made so far are never freed while the workers run: keep the collector off
        # them, so that forked workers do not copy every page of memory by touching them.
        gc.freeze()
        pool = _start_pool(self.workers)
        chunk = max(16, len(jobs) // (self.workers * 20))
        self.running = (jobs, pool, pool.imap_unordered(_run_job, range(len(jobs)), chunk))

    def abandon(self) -> None:
        """End the workers of a build that stops half-way (what they made is not kept)."""
        global _JOBS
        running, self.running = self.running, None
        if running is not None:
            running[1].terminate()
            running[1].join()
            _JOBS = []
            gc.unfreeze()

    def flush(self, progress: bool = False) -> None:
        """Run every pending job and place what it made (with a progress bar when asked): the
        jobs handed to workers by ``start`` (or here, when there are many), the rest here."""
        global _JOBS
        if self.running is None:
            self.start()
        running, self.running = self.running, None
        jobs, self.jobs, self.cars = self.jobs, [], {}
        away: list[_Job] = running[0] if running is not None else []
        made_away: list[Imported | _Folder | None] = [None] * len(away)
        made_here: list[Imported | _Folder] = []
        try:
            with _progress_bar(progress) as bar:
                task = bar.add_task("Rendering", total=len(away) + len(jobs))
                for job in jobs:
                    made_here.append(job.make())
                    bar.advance(task)
                if running is not None:
                    for index, node in running[2]:
                        made_away[index] = node
                        bar.advance(task)
        finally:
            if running is not None:
                running[1].terminate()
                running[1].join()
                _JOBS = []
                gc.unfreeze()
        for job, made in zip([*away, *jobs], [*made_away, *made_here], strict=True):
            assert made is not None
            if isinstance(made, _Folder):
                self.place(job.paths[0], made.node)
                self.fresh += made.rows
                self.pages += made.pages
                self.rendered += made.rendered
                continue
            self.rendered += 1
            for path in job.paths:
                self.place(path, made)
                self.fresh.append(
                    (path, CachedPage(job.fingerprint, str(made.cid), made.tsize, made.size))
                )


def _progress_bar(shown: bool) -> Any:
    """A rich progress bar on standard error (rich is imported only when it is shown)."""
    if not shown:
        return _NoBar()
    from rich.console import Console
    from rich.progress import Progress

    return Progress(console=Console(stderr=True), transient=True)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: int) -> int:
        return 0

    def advance(self, task: int) -> None:
        return None


# Page-cache rows that remember the sub-shards of a big directory: "#hamt/articles/<key>".
SHARD_PREFIX = "#hamt/"

# Below this many changed pages, worker processes cost more than they save.
PARALLEL_MIN = 200


NAV_SECTIONS = 8


def site_info(
    newsroom: Newsroom,
    sections: tuple[Section, ...] = (),
    key_fingerprint: str | None = None,
    theme: Theme = PACKAGE_THEME,
) -> SiteInfo:
    config = newsroom.config
    return SiteInfo(
        name=config.name,
        tagline=config.tagline,
        language=config.language,
        base_url=config.base_url,
        fingerprint=key_fingerprint,
        sections=sections,
        theme=theme,
    )


def _sections(
    by_category: dict[str, list[ArticleEntry]], slugs: dict[str, str]
) -> tuple[Section, ...]:
    """The busiest categories, in alphabetical order, for the navigation bar."""
    busiest = sorted(by_category, key=lambda name: (-len(by_category[name]), name))[:NAV_SECTIONS]
    return tuple(Section(name, slugs[name]) for name in sorted(busiest))


def _skeleton_article(meta: str) -> Article:
    """Just enough of an article to sort, group and fingerprint it (``all_versions(skeleton)``)."""
    data = json.loads(meta)
    return Article(
        headline="",
        slug=data["slug"],
        published=datetime.fromisoformat(data["published"]),
        modified=datetime.fromisoformat(data["modified"]) if data["modified"] else None,
        authors=(),
        categories=tuple(data["categories"]),
        tags=(),
        summary="",
        language="",
        body="",
    )


class _FullArticles:
    """Whole articles (without bodies) for entries read as skeletons, read in this process when
    a page that shows them is rendered; past a few hundred, all of them are read at once."""

    def __init__(self, catalog: Catalog, skeleton: bool) -> None:
        self.catalog = catalog
        self.skeleton = skeleton
        self.known: dict[str, Article] = {}
        self.everything = False

    def __call__(self, entries: list[ArticleEntry]) -> list[ArticleEntry]:
        if not self.skeleton:
            return entries
        wanted = {e.article.slug: e.version_number for e in entries}
        missing = [slug for slug in wanted if slug not in self.known]
        if len(missing) > 200 and not self.everything:
            for slug, rows in self.catalog.all_versions("published", light=True).items():
                if slug in wanted:
                    row = _numbered(rows, wanted[slug])
                    if row is not None:
                        self.known[slug] = article_from_meta(row.meta)
            self.everything = True
        for slug in missing:
            if slug not in self.known:
                row = _shown_row(self.catalog, slug, wanted[slug])
                self.known[slug] = article_from_meta(row.meta)
        return [replace(e, article=self.known[e.article.slug]) for e in entries]


def _numbered(rows: list[VersionRow], number: int) -> VersionRow | None:
    return next((row for row in reversed(rows) if row.number == number), None)


def _shown_row(catalog: Catalog, slug: str, number: int) -> VersionRow:
    """Version ``number`` of ``slug`` in full: the version the site shows (usually the latest;
    an earlier one when the newer ones are drafts)."""
    latest = catalog.latest(slug)
    if latest is not None and latest.number == number:
        return latest
    row = _numbered(catalog.versions(slug), number)
    assert row is not None, (slug, number)
    return row


def _entries(versions: dict[str, list[VersionRow]], skeleton: bool = False) -> list[ArticleEntry]:
    entries = []
    for rows in versions.values():
        current = rows[-1]
        article = _skeleton_article(current.meta) if skeleton else article_from_meta(current.meta)
        infos = tuple(
            VersionInfo(
                number=row.number,
                bundle_cid=row.bundle_cid,
                created=_parse_time(row.effective),
                note=row.note,
            )
            for row in rows
        )
        entries.append(
            ArticleEntry(
                article=article,
                bundle_cid=current.bundle_cid,
                versions=infos,
                body_html=current.body_html,
            )
        )
    entries.sort(key=lambda e: (e.article.published, e.article.slug), reverse=True)
    return entries


def _versions(
    plan: _Plan,
    get: Callable[[CID], bytes],
    base: str,
    slug: str,
    rows: list[VersionRow],
    *,
    current: bool = False,
) -> None:
    """Every version's bundle at v/<n>/ and its CAR at <slug>-v<n>.car, and the current one's
    CAR at <slug>.car (each made when the version was recorded, else made here)."""
    for row in rows:
        bundle = Imported(CID.parse(row.bundle_cid), row.bundle_size, 0)
        plan.place(base + f"v/{row.number}", bundle)
        paths = [base + sitepages.version_car_name(slug, row.number)]
        if current and row is rows[-1]:
            paths.append(base + f"{slug}.car")
        for path in paths:
            if row.car_cid:
                plan.place(path, Imported(CID.parse(row.car_cid), row.car_tsize, row.car_size))
            else:
                plan.car(path, bundle.cid, get)


def _folder_key(
    version: str, site_key: str, own_slugs: dict[str, str], rows: list[VersionRow]
) -> str:
    """The fingerprint of an article's whole folder (``version``: the render version)."""
    shown = [(r.number, r.bundle_cid, r.bundle_size, r.note, r.effective) for r in rows]
    return _digest((version, site_key, "article folder", own_slugs, shown))


def _folder_job(plan: _Plan, folder: _ArticleFolder, blocks: Any) -> None:
    assert plan.site is not None
    make = partial(
        _article_folder, folder, plan.site, plan.site_key, plan.version, plan.profile, blocks
    )
    plan.folder(f"articles/{folder.slug}", folder.fingerprint, make)


@dataclass(frozen=True, slots=True)
class _ArticleFolder:
    """An article whose folder changed: its versions (oldest first), its categories' slugs, the
    folder's fingerprint and the cached pages inside it from earlier builds."""

    slug: str
    rows: list[VersionRow]
    category_slugs: dict[str, str]
    fingerprint: str
    cache: dict[str, CachedPage]


def _article_folder(
    folder: _ArticleFolder,
    site: SiteInfo,
    site_key: str,
    version: str,
    profile: Profile,
    blocks: Any,
) -> _Folder:
    """articles/<slug>/ made whole (in a worker process on a big build): the article page,
    every version's bundle and CAR, the current CAR and the history pages, then the folder."""
    slug = folder.slug
    base = f"articles/{slug}/"
    plan = _Plan(profile, blocks.put, folder.cache, version, site=site, site_key=site_key)
    entry = _entries({slug: folder.rows})[0]
    plan.page(
        base + "index.html",
        [site, _key(entry), folder.category_slugs, entry.article.headline],
        partial(render.render_article_page, entry, site, category_slugs=folder.category_slugs),
    )
    _versions(plan, blocks.get, base, slug, folder.rows, current=True)
    _place_pages(plan, sitepages.history_pages(entry, site, folder.rows, downloads=True))
    plan.flush()
    node = import_tree(plan.tree["articles"][slug], profile, blocks.put)
    plan.fresh.append((base, CachedPage(folder.fingerprint, str(node.cid), node.tsize, plan.pages)))
    return _Folder(node, plan.fresh, plan.pages, plan.rendered)


def _place_pages(plan: _Plan, pages: list[sitepages.PlannedPage]) -> None:
    for page in pages:
        plan.page(page.path, page.inputs, page.render)


def _parse_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


# Listing keys of the running build by slug (one build sees one version list per slug).
_KEYS: dict[str, list[Any]] = {}


def _key(entry: ArticleEntry) -> list[Any]:
    """What a listing shows of an article (remembered per slug during a build)."""
    known = _KEYS.get(entry.article.slug)
    if known is None:
        known = _KEYS[entry.article.slug] = _plain_key(entry)
    return known


def _plain_key(entry: ArticleEntry) -> list[Any]:
    """What a listing shows of an article: enough to notice any change of it."""
    return [entry.article.slug, [(v.number, v.bundle_cid, v.note) for v in entry.versions]]


def _chunks(items: list[ArticleEntry], size: int) -> list[list[ArticleEntry]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _listing(
    plan: _Plan,
    site: SiteInfo,
    base: str,
    depth: int,
    entries: list[ArticleEntry],
    per_page: int,
    **options: Any,
) -> None:
    """A paginated listing at ``base`` (``""`` or ``categories/x/``): page 1 at base/index.html,
    page n at base/page/n/index.html; ``options`` are ``_listing_page``'s keyword arguments."""
    chunks = _chunks(entries, per_page)
    for number, chunk in enumerate(chunks, start=1):
        _listing_page(plan, site, base, depth, chunk, number, len(chunks), **options)


def _listing_page(
    plan: _Plan,
    site: SiteInfo,
    base: str,
    depth: int,
    chunk: list[ArticleEntry],
    number: int,
    pages: int,
    *,
    title: str,
    kind: Literal["home", "category", "archive"],
    description: str = "",
    category_slugs: dict[str, str],
    full: Callable[[list[ArticleEntry]], list[ArticleEntry]],
    feeds_base: str | None = None,
) -> None:
    """Page ``number`` of ``pages`` of a listing, showing ``chunk``."""
    extra = 0 if number == 1 else 2
    path = render.listing_path(base, number)
    root = "../" * (depth + extra)
    inputs = [
        site,
        kind,
        title,
        description,
        number,
        pages,
        [_key(e) for e in chunk],
        [category_slugs.get(c) for e in chunk for c in e.article.categories],
    ]
    feed_paths = (
        None
        if feeds_base is None
        else {
            "atom": feeds_base + "feed.xml",
            "rss": feeds_base + "rss.xml",
            "json": feeds_base + "feed.json",
        }
    )
    digest = plan.fingerprint(inputs)
    shown = chunk if plan.cached(path, digest) else full(chunk)
    plan.page(
        path,
        inputs,
        partial(
            render.render_listing,
            site,
            title=title,
            entries=shown,
            page=number,
            pages=pages,
            root=root,
            kind=kind,
            description=description,
            category_slugs=category_slugs,
            feeds=feed_paths,
        ),
        digest,
    )


def _home_listing(site: SiteInfo) -> dict[str, Any]:
    """The title, kind and description of the front page's listing."""
    return {"title": site.name, "kind": "home", "description": site.tagline}


def _category_feed_title(site: SiteInfo, name: str) -> str:
    return f"{site.name}: {name}"


def _category_listing(taxonomy: Taxonomy, site: SiteInfo, name: str) -> dict[str, Any]:
    """The title, kind and description of a category's listing."""
    topic = taxonomy.topic(name)
    description = f"IPTC Media Topic: {topic.label}" if topic else ""
    return {"title": name, "kind": "category", "description": description}


def _archive_month(
    plan: _Plan,
    site: SiteInfo,
    year: int,
    month: int,
    members: list[ArticleEntry],
    category_slugs: dict[str, str],
    full: Callable[[list[ArticleEntry]], list[ArticleEntry]],
) -> None:
    """archive/<yyyy>/<mm>/index.html: every article of the month on one page."""
    path = f"archive/{year:04d}/{month:02d}/index.html"
    inputs = [site, year, month, [_key(e) for e in members], category_slugs]
    digest = plan.fingerprint(inputs)
    listed = members if plan.cached(path, digest) else full(members)
    plan.page(
        path,
        inputs,
        partial(
            render.render_listing,
            site,
            title=render.month_title(year, month, site.language),
            entries=listed,
            page=1,
            pages=1,
            root="../../../",
            kind="archive",
            category_slugs=category_slugs,
        ),
        digest,
    )


def _news_sitemap(
    plan: _Plan,
    site: SiteInfo,
    news: list[ArticleEntry],
    full: Callable[[list[ArticleEntry]], list[ArticleEntry]],
) -> None:
    """news-sitemap.xml: the newest articles (``news`` is at most ``NEWS_LIMIT`` of them)."""
    inputs = [site, [_key(e) for e in news]]
    if not plan.cached("news-sitemap.xml", plan.fingerprint(inputs)):
        news = full(news)
    plan.page("news-sitemap.xml", inputs, lambda: sitemaps.news_sitemap_xml(site, news))


def _with_bodies(catalog: Catalog, entries: list[ArticleEntry]) -> list[ArticleEntry]:
    """The entries with their articles read in full (the build reads them light)."""
    full = []
    for entry in entries:
        row = _shown_row(catalog, entry.article.slug, entry.version_number)
        full.append(replace(entry, article=article_from_meta(row.meta), body_html=row.body_html))
    return full


def _feeds(
    plan: _Plan,
    catalog: Catalog,
    site: SiteInfo,
    base: str,
    entries: list[ArticleEntry],
    title: str,
) -> None:
    light = entries[: feeds.FEED_SIZE]
    inputs = [site, title, [_key(e) for e in light]]
    paths = [base + "feed.xml", base + "rss.xml", base + "feed.json"]
    # Feeds carry the bodies: read them here, in this process (worker processes must not use
    # the catalog connection), and only when a feed is rendered again.
    if all(plan.cached(path, plan.fingerprint(inputs)) for path in paths):
        newest = light
    else:
        newest = _with_bodies(catalog, light)
    plan.page(
        paths[0], inputs, lambda: feeds.atom_feed(site, newest, title=title, self_path=paths[0])
    )
    plan.page(
        paths[1], inputs, lambda: feeds.rss_feed(site, newest, title=title, self_path=paths[1])
    )
    plan.page(
        paths[2], inputs, lambda: feeds.json_feed(site, newest, title=title, self_path=paths[2])
    )


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
    from permapress.site import quick

    made = quick.quick_build(newsroom, built_at=built_at or _now(), started=started, theme=theme)
    if made is not None:
        return made
    _KEYS.clear()
    config = newsroom.config
    catalog = newsroom.catalog
    profile = get_profile(config.profile)
    blocks = newsroom.blocks
    taxonomy = Taxonomy(config.category_topics)
    # Skeleton rows when earlier pages are cached (most pages will not render again): a page that
    # renders reads its articles in full then. A cold build reads them light (without bodies).
    cache = catalog.cached_pages(inside_articles=False)
    skeleton = bool(cache)
    # A first build renders every article: read them whole (bar their source and record) at once.
    # Only public versions are shown: never a draft (``catalog/published.py``).
    drafts = catalog.draft_versions()
    rows_by_slug = _on_site(catalog, drafts, pages=not skeleton, skeleton=skeleton)
    entries = _entries(rows_by_slug, skeleton)
    full = _FullArticles(catalog, skeleton)
    if workers is None:
        workers = os.cpu_count() or 1
    on_disk = isinstance(blocks, FileBlockstore)
    version = render_version(theme)
    plan = _Plan(
        profile, blocks.put, cache, version, workers=workers if on_disk else 1, has=blocks.has
    )
    public_key = load_public_key(config.keys_path)

    by_category: dict[str, list[ArticleEntry]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[ArticleEntry]] = defaultdict(list)
    for entry in entries:
        for name in entry.article.categories:
            by_category[name].append(entry)
        by_month[(entry.article.published.year, entry.article.published.month)].append(entry)
    category_slugs = _category_slugs(by_category)
    sections = _sections(by_category, category_slugs)
    site = site_info(newsroom, sections, fingerprint(public_key), theme)
    plan.site = site
    plan.site_key = _site_key(site)

    # Articles: page, CAR, every version's bundle and CAR, the history. A folder whose article
    # did not change is reused whole, without looking inside; one that changed is one job.
    for entry in entries:
        slug = entry.article.slug
        base = f"articles/{slug}/"
        own_slugs = {name: category_slugs[name] for name in entry.article.categories}
        folder_key = _folder_key(version, plan.site_key, own_slugs, rows_by_slug[slug])
        hit = plan.cached(base, folder_key)
        if hit is not None:
            plan.place(f"articles/{slug}", Imported(CID.parse(hit.cid), hit.tsize, 0))
            plan.pages += hit.size
            continue
        rows = public(catalog.versions(slug), drafts) if skeleton else rows_by_slug[slug]
        inner = catalog.cached_pages_under(base) if cache else {}  # none on a first build
        plan.cache.update(inner)
        _folder_job(plan, _ArticleFolder(slug, rows, own_slugs, folder_key, inner), blocks)

    try:
        # The article folders are most of the work: workers start on them while this process plans
        # and renders the rest.
        plan.start()

        # Retracted articles: a tombstone and the history; the versions unless purged.
        retracted_rows = public_by_slug(catalog.all_versions("retracted"), drafts)
        for row in catalog.articles("retracted"):
            taken = retracted_rows.get(row.slug)
            if taken:
                plan.cache.update(catalog.cached_pages_under(f"articles/{row.slug}/"))
                entry = _entries({row.slug: taken})[0]
                _place_pages(plan, sitepages.retracted_pages(entry, site, row, taken))
                if not row.purged:
                    _versions(plan, blocks.get, f"articles/{row.slug}/", row.slug, taken)

        # The publisher: key, fingerprint and the signed log (with its head).
        _publisher_pages(plan, catalog, config.name, public_key)

        _listing(plan, site, "", 0, entries, config.per_page, **_home_listing(site),
                 category_slugs=category_slugs, full=full)  # fmt: skip
        _feeds(plan, catalog, site, "", entries, site.name)
        for name, members in sorted(by_category.items()):
            base = f"categories/{category_slugs[name]}/"
            category = _category_listing(taxonomy, site, name)
            _listing(plan, site, base, 2, members, config.per_page, **category, full=full,
                     category_slugs=category_slugs, feeds_base=base)  # fmt: skip
            _feeds(plan, catalog, site, base, members, _category_feed_title(site, name))
        months = sorted(by_month, reverse=True)
        for year, month in months:
            _archive_month(plan, site, year, month, by_month[(year, month)], category_slugs, full)
        month_counts = [(y, m, len(by_month[(y, m)])) for y, m in months]
        plan.page(
            "archive/index.html",
            [site, month_counts],
            lambda: render.render_archive_index(site, month_counts),
        )
        plan.page("404.html", [site], lambda: render.render_not_found(site))
        plan.page("verify/index.html", [site, verifier_digest()], lambda: verify_page(site))
        plan.page(BADGE_PATH, [verifier_digest()], lambda: BADGE_SCRIPT)
        lastmod = _sitemaps(plan, site, by_month, category_slugs, months)
        _news_sitemap(plan, site, entries[: sitemaps.NEWS_LIMIT], full)
        plan.page("robots.txt", [site], lambda: sitemaps.robots_txt(site))
        slugs = [e.article.slug for e in entries]
        search_build.place_search(plan, catalog, site, slugs, rows_by_slug)
        css = _site_css(site)
        plan.page("assets/site.css", [hashlib.sha256(css).hexdigest()], lambda: css)

        plan.flush(progress)
    except BaseException:  # Ctrl+C or an error: end the workers, keep nothing of them
        plan.abandon()
        raise
    _KEYS.clear()
    plan.stale = [
        path for path in plan.cache if not path.startswith("#") and not _in_tree(plan.tree, path)
    ]
    articles = plan.tree.get("articles", {})
    if articles:
        plan.tree["articles"] = _directory(plan, "articles/", articles)
    root = import_tree(plan.tree, profile, blocks.put)
    root_cid = str(root.cid)
    state = quick.State(
        context=_context(config, plan.site_key, category_slugs, version),
        log_seq=quick.log_seq(catalog),
        root=root_cid,
        pages=plan.pages,
        order=[quick.listed(e.article) for e in entries],
        lastmod=lastmod,
        sections=site.sections,
        category_slugs=category_slugs,
    )
    quick.record_build(catalog, state, plan.fresh, plan.stale, built_at or _now())
    return BuildResult(
        root_cid,
        len(entries),
        plan.pages,
        plan.rendered,
        time.perf_counter() - started,
        "incremental" if cache else "full",
    )


def _on_site(
    catalog: Catalog, drafts: set[tuple[str, int]], *, pages: bool, skeleton: bool
) -> dict[str, list[VersionRow]]:
    """The public versions of every article on the site: the published ones, and those whose
    newest version is a draft while an earlier one was published (catalogs written before
    such an article kept its "published" status)."""
    read = partial(catalog.all_versions, pages=pages, skeleton=skeleton)
    shown = public_by_slug(read("published"), drafts)
    if drafts:
        shown.update(public_by_slug(read("draft"), drafts))
    return shown


def _site_key(site: SiteInfo) -> str:
    """What stands for the site in page fingerprints (its repr is long)."""
    return hashlib.sha256(repr(site).encode()).hexdigest()


def _publisher_pages(plan: _Plan, catalog: Catalog, name: str, public_key: bytes) -> None:
    """publisher.json and log.jsonl: the key, its fingerprint and the signed log."""
    info = PublisherInfo(name, public_key, plan.profile.name, None, 0)
    _place_pages(plan, sitepages.publisher_pages(info, catalog.log_head(), catalog.log_lines()))


def _site_css(site: SiteInfo) -> bytes:
    """assets/site.css: the stylesheet ``render`` inlines where a page must stand alone."""
    return render.site_css(site.theme).encode("utf-8")


def _context(config: Any, site_key: str, category_slugs: dict[str, str], version: str) -> str:
    """Everything besides the articles that every page depends on: when it changes, no page of
    the last build can be taken as it is. ``version`` is the render version (templates,
    stylesheet and code)."""
    from permapress import __version__

    return _digest(
        (__version__, version, verifier_digest(), repr(config), site_key, category_slugs)
    )


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def _category_slugs(by_category: dict[str, list[ArticleEntry]]) -> dict[str, str]:
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


def _sitemaps(
    plan: _Plan,
    site: SiteInfo,
    by_month: dict[tuple[int, int], list[ArticleEntry]],
    category_slugs: dict[str, str],
    months: list[tuple[int, int]],
) -> dict[tuple[int, int], datetime]:
    """sitemap.xml is an index of one sitemap per month of articles plus one of the other pages,
    so an edit renders one month's sitemap again, not a list of every article. Gives each
    month's newest change."""
    pages: list[tuple[str, Any]] = [("", None)]
    pages += [(f"categories/{slug}/", None) for slug in sorted(category_slugs.values())]
    pages += [(f"archive/{y:04d}/{m:02d}/", None) for y, m in months]
    _sitemap(plan, site, "sitemaps/pages.xml", pages)
    lastmod: dict[tuple[int, int], datetime] = {}
    for year, month in months:
        lastmod[(year, month)] = _month_sitemap(plan, site, year, month, by_month[(year, month)])
    _sitemap_index(plan, site, lastmod)
    return lastmod


def _month_sitemap(
    plan: _Plan, site: SiteInfo, year: int, month: int, members: list[ArticleEntry]
) -> datetime:
    """sitemaps/<yyyy>-<mm>.xml: the month's articles; gives the newest change among them."""
    urls = [
        (f"articles/{e.article.slug}/", e.article.modified or e.article.published) for e in members
    ]
    _sitemap(plan, site, f"sitemaps/{year:04d}-{month:02d}.xml", urls)
    return max(when for _, when in urls)


def _sitemap_index(
    plan: _Plan, site: SiteInfo, lastmod: dict[tuple[int, int], datetime]
) -> None:
    """sitemap.xml: the pages' sitemap, then each month's, newest month first."""
    index: list[tuple[str, Any]] = [("sitemaps/pages.xml", None)]
    for year, month in sorted(lastmod, reverse=True):
        index.append((f"sitemaps/{year:04d}-{month:02d}.xml", lastmod[(year, month)]))
    plan.page(
        "sitemap.xml",
        [site, "sitemap index", index],
        lambda: sitemaps.sitemap_index_xml(site, index, from_path="sitemap.xml"),
    )


def _sitemap(plan: _Plan, site: SiteInfo, path: str, urls: list[tuple[str, Any]]) -> None:
    plan.page(path, [site, urls], lambda: sitemaps.sitemap_xml(site, urls, from_path=path))


def _digest(value: Any) -> str:
    """A fingerprint of plain values (tuples, lists, dicts built in a fixed order, str, int,
    datetimes, frozen dataclasses of those): their repr is deterministic. Never sets."""
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _directory(plan: _Plan, path: str, entries: Tree) -> Imported | Tree:
    """The directory node of ``entries`` when every entry is a finished node, taken from the
    page cache when the same entries made it before (a 10,000-entry sharded directory costs
    more to build than to recognise)."""
    if not all(isinstance(node, Imported) for node in entries.values()):
        return entries
    key = hashlib.sha256()
    for name in sorted(entries):
        node = entries[name]
        key.update(f"{name}\0{node.tsize}\0".encode() + bytes(node.cid))
    digest = key.hexdigest()
    hit = plan.cached(path, digest)
    if hit is not None:
        return Imported(CID.parse(hit.cid), hit.tsize, 0)
    prefix = SHARD_PREFIX + path
    known = {
        name[len(prefix) :]: (CID.parse(page.cid), page.tsize)
        for name, page in plan.cache.items()
        if name.startswith(prefix)
    }
    shards = ShardCache(known=known, has=plan.has)
    made = build_directory(entries, plan.profile, plan.sink, shard_cache=shards)
    plan.fresh.append((path, CachedPage(digest, str(made.cid), made.tsize, 0)))
    for name, (cid, tsize) in shards.used.items():
        plan.fresh.append((prefix + name, CachedPage(name, str(cid), tsize, 0)))
    plan.stale += [prefix + name for name in known if name not in shards.used]
    return made


def _in_tree(tree: Tree, path: str) -> bool:
    """Is ``path`` (a file, or a folder when it ends with "/") still part of the site?"""
    node: Any = tree
    for part in path.rstrip("/").split("/"):
        if not isinstance(node, dict):
            return isinstance(node, Imported)  # inside a folder that was reused whole
        if part not in node:
            return False
        node = node[part]
    return True
