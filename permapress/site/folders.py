"""An article's folder, ``articles/<slug>/``, planned as one job.

    folder_key(version, site_key, own_slugs, rows) -> str   the whole folder's fingerprint
    ArticleFolder(slug, rows, category_slugs, fingerprint, cache, source=None, newest=0)
                                           an article whose folder changed
    VersionSource(path, catalog, drafts)   where a job reads its article's versions itself
    plan_folder(plan, folder, blocks)      one job that makes the folder (in a worker when big)
    place_versions(plan, get, slug, rows, current=…)   every version's bundle and CAR

The folder holds the article page, every version's bundle (``v/<n>/``, linked as it is) and CAR,
the current version's CAR and the history pages (``history.py``). A folder whose fingerprint did
not change is reused whole by the build, without looking inside.

A full build plans a job for every article before the workers take them, so its jobs carry no
versions (``rows`` None): the job reads them from the catalog when it runs, a worker process
through a read-only connection of its own (a connection is never used across ``fork``). The
building process then holds no article's text for the jobs, and a worker only the one article
it is making. Such a job can also go to a worker as data (``workers.Remote``: the folder's slug,
categories, fingerprint, cached pages and newest version, and the build's shared context).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from permapress import sitepaths as paths
from permapress.catalog import Catalog, VersionRow
from permapress.catalog.published import public
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.blockstore import Blockstore, FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import Imported, import_tree
from permapress.ipfs.profiles import Profile
from permapress.site import entries, history, pages, workers
from permapress.site.pagecache import CachedPage
from permapress.site.plan import MadeFolder, Plan, fingerprint
from permapress.site.views import SiteInfo


def folder_key(
    version: str, site_key: str, own_slugs: dict[str, str], rows: list[VersionRow]
) -> str:
    """The fingerprint of an article's whole folder (``version``: the render version)."""
    shown = [(r.number, r.bundle_cid, r.bundle_size, r.note, r.effective) for r in rows]
    return fingerprint((version, site_key, "article folder", own_slugs, shown))


@dataclass(frozen=True, slots=True)
class VersionSource:
    """Where a folder job reads its article's public versions: ``catalog`` in the building
    process, a read-only connection to ``path`` (opened once per process) in a worker."""

    path: Path
    catalog: Catalog | None
    drafts: set[tuple[str, int]]
    pid: int = field(default_factory=os.getpid)

    def rows(self, slug: str, newest: int) -> list[VersionRow]:
        """The public versions of ``slug`` up to ``newest``: one recorded by another command
        after the build planned the folder waits for the next build, as in its listings."""
        catalog = self.catalog
        if catalog is None or os.getpid() != self.pid:
            catalog = _worker_catalog(self.path)
        return [r for r in public(catalog.versions(slug), self.drafts) if r.number <= newest]

    def __reduce__(self) -> tuple[type[VersionSource], tuple[object, ...]]:
        """Sent to a worker without the connection, which the worker never uses."""
        return VersionSource, (self.path, None, self.drafts, self.pid)


# The read-only catalog of this worker process: (its process id, the path, the catalog).
_OPENED: list[tuple[int, Path, Catalog]] = []


def _worker_catalog(path: Path) -> Catalog:
    for pid, opened, catalog in _OPENED:
        if pid == os.getpid() and opened == path:
            return catalog
    catalog = Catalog.open(path, readonly=True)
    _OPENED[:] = [(os.getpid(), path, catalog)]
    return catalog


@dataclass(frozen=True, slots=True)
class ArticleFolder:
    """An article whose folder changed: its versions (oldest first), its categories' slugs, the
    folder's fingerprint and the cached pages inside it from earlier builds. Without ``rows``,
    the job reads the versions from ``source`` when it runs, up to ``newest`` (the newest one
    the fingerprint covers)."""

    slug: str
    rows: list[VersionRow] | None
    category_slugs: dict[str, str]
    fingerprint: str
    cache: dict[str, CachedPage]
    source: VersionSource | None = None
    newest: int = 0

    def versions(self) -> list[VersionRow]:
        if self.rows is not None:
            return self.rows
        assert self.source is not None, self.slug
        return self.source.rows(self.slug, self.newest)


@dataclass(frozen=True, slots=True)
class FolderContext:
    """What every folder job of a build shares: the site, its key, the render version, the
    import profile and the blockstore (sent to a worker once per chunk of jobs,
    ``workers.Remote``; a worker opens the blockstore's folder itself)."""

    site: SiteInfo
    site_key: str
    version: str
    profile: Profile
    blocks: Blockstore

    def __reduce__(self) -> tuple[Callable[..., FolderContext], tuple[object, ...]]:
        if not isinstance(self.blocks, FileBlockstore):
            raise TypeError("only a blockstore on disk is shared with worker processes")
        own = (self.site, self.site_key, self.version, self.profile)
        return _in_worker, (*own, self.blocks.root, self.blocks.fsync)


# The blockstore a worker process opened: (its process id, the folder, the blockstore).
_STORES: list[tuple[int, Path, FileBlockstore]] = []


def _in_worker(
    site: SiteInfo, site_key: str, version: str, profile: Profile, root: Path, fsync: bool
) -> FolderContext:
    found = [s for pid, at, s in _STORES if pid == os.getpid() and at == root]
    if not found:
        found = [FileBlockstore(root, fsync=fsync)]
        _STORES[:] = [(os.getpid(), root, found[0])]
    return FolderContext(site, site_key, version, profile, found[0])


def folder_context(plan: Plan, blocks: Blockstore) -> FolderContext:
    assert plan.site is not None
    return FolderContext(plan.site, plan.site_key, plan.version, plan.profile, blocks)


def plan_folder(
    plan: Plan, folder: ArticleFolder, blocks: Blockstore, context: FolderContext | None = None
) -> None:
    """One job that makes the folder; with ``context`` (one object for all the build's folders)
    the job can also be sent to a worker as data (``workers.Remote``)."""
    context = context or folder_context(plan, blocks)
    make = partial(_remote_folder, context, folder)
    remote = workers.Remote(_remote_folder, context, folder) if folder.rows is None else None
    plan.folder(paths.article_folder(folder.slug).rstrip("/"), folder.fingerprint, make, remote)


def _remote_folder(context: FolderContext, folder: ArticleFolder) -> MadeFolder:
    c = context
    return _make_folder(folder, c.site, c.site_key, c.version, c.profile, c.blocks)


def place_versions(
    plan: Plan,
    get: Callable[[CID], bytes],
    slug: str,
    rows: list[VersionRow],
    *,
    current: bool = False,
) -> None:
    """Every version's bundle at v/<n>/ and its CAR at <slug>-v<n>.car, and the current one's
    CAR at <slug>.car (each made when the version was recorded, else made here)."""
    base = paths.article_folder(slug)
    for row in rows:
        bundle = Imported(CID.parse(row.bundle_cid), row.bundle_size, 0)
        plan.place(base + paths.version_name(row.number), bundle)
        cars = [base + paths.version_car(slug, row.number)]
        if current and row is rows[-1]:
            cars.append(base + paths.current_car(slug))
        for path in cars:
            if row.car_cid:
                plan.place(path, Imported(CID.parse(row.car_cid), row.car_tsize, row.car_size))
            else:
                plan.car(path, bundle.cid, get)


def _make_folder(
    folder: ArticleFolder,
    site: SiteInfo,
    site_key: str,
    version: str,
    profile: Profile,
    blocks: Blockstore,
) -> MadeFolder:
    """articles/<slug>/ made whole (in a worker process on a big build): the article page,
    every version's bundle and CAR, the current CAR and the history pages, then the folder."""
    slug = folder.slug
    rows = folder.versions()
    # in a worker, the chunk's batch (``workers.chunk_batch``); else the folder's own, stored
    # before this returns (one pack file)
    shared = workers.chunk_batch(blocks) if isinstance(blocks, FileBlockstore) else None
    batch = shared if shared is not None else BlockBatch(blocks)
    plan = Plan(profile, batch.put, folder.cache, version, site=site, site_key=site_key)
    entry = entries.entries({slug: rows})[0]
    plan.page(pages.article_page(entry, site, folder.category_slugs))
    place_versions(plan, batch.get, slug, rows, current=True)
    for page in history.history_pages(entry, site, rows, downloads=True):
        plan.page(page)
    plan.flush()
    node = import_tree(plan.tree[paths.ARTICLES.rstrip("/")][slug], profile, batch.put)
    if shared is None:
        batch.flush()
    row = CachedPage(folder.fingerprint, str(node.cid), node.tsize, plan.pages)
    plan.fresh.append((paths.article_folder(slug), row))
    return MadeFolder(node, plan.fresh, plan.pages, plan.rendered)
