"""The build's plan: every file of the site placed in a tree, rendered only when it changed.

    PlannedPage(path, inputs, make)   a page as ``pages.py`` gives it (see there)
    Plan(profile, sink, cache, version, …)
        .page(planned)                place a page: its cached node, or a job that renders it
        .car(path, bundle, get)       place a bundle's CAR file: cached, or a job that makes it
        .folder(path, key, make)      a folder made whole by one job (an article's folder)
        .place(path, node)            put a finished node in the tree
        .start() / .flush() / .abandon()   hand jobs to worker processes, collect, or stop them
        .directory(path, entries)     a big folder's node, reused when its entries did not change
        .stored(cids)                 those of ``cids`` the blockstore holds (few queries)
        .expect(n) / .advance(n)      the build's progress bar: n more to make / n made
    fingerprint(value) -> str         a digest of plain values (their repr)
    nodes(tree)                       (path, node) for every finished node of a tree

Jobs run in this process, or in forked worker processes (one per core) when there are at least
``parallel_min`` of them and the blockstore is on disk. Once ``start`` handed the jobs planned so
far to the workers (the article folders), every page planned after it is rendered at once, in
this process: a listing page's articles are then let go as soon as it is made, instead of every
listing holding its articles until ``flush``. Workers forked before the build read the catalog
(``pool``) are sent their jobs as data; else they are forked at ``start`` and find the jobs by
index in the memory they inherit (``workers.py``). What the workers made is
placed as it comes back (``collect``, called between pages, and ``flush``), not kept until all
are done; with ``spool`` set, the folders' page-cache rows go to a temporary file
(``pagecache.Spool``) instead of ``fresh``. The build's progress bar (``bar``) counts each
job handed to the workers and each page rendered here (and what others ``expect``). A worker
ignores Ctrl+C: the parent ends them and reports one line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from permapress.ipfs.cid import CID
from permapress.ipfs.hamt import ShardCache
from permapress.ipfs.importer import Imported, build_directory, import_rendered
from permapress.ipfs.profiles import Profile
from permapress.progress import Bar, NoBar, paused
from permapress.site import workers
from permapress.site.carfile import car_file
from permapress.site.pagecache import CachedPage, Spool
from permapress.site.theme import code_version
from permapress.site.views import SiteInfo
from permapress.site.workers import Remote

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

Tree = dict[str, Any]
# a page's bytes, or its pieces in order (a file too big to hold whole, such as log.jsonl)
Render = Callable[[], bytes | Iterator[bytes]]

# Below this many changed pages, worker processes cost more than they save.
PARALLEL_MIN = 200

# Page-cache rows that remember the sub-shards of a big directory: "#hamt/articles/<key>".
SHARD_PREFIX = "#hamt/"


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """A page of the site: where it goes, everything its bytes depend on (besides the render
    version) and how to render it. ``make`` is called in the building process, and only when the
    page renders (its fingerprint changed): it reads what the page needs (articles from the
    catalog) and gives the function that renders the bytes, which may run in a worker process."""

    path: str
    inputs: Any
    make: Callable[[], Render]


def fixed(path: str, inputs: Any, render: Render) -> PlannedPage:
    """A page that needs nothing read before it renders."""
    return PlannedPage(path, inputs, lambda: render)


@dataclass(frozen=True, slots=True)
class Job:
    """Work for a page or CAR that changed: ``make`` renders and stores it, giving its node."""

    paths: tuple[str, ...]
    fingerprint: str
    make: Callable[[], Imported | MadeFolder]
    # the same job as data, for workers forked before it was planned (``workers.py``)
    remote: Remote | None = None


@dataclass(frozen=True, slots=True)
class MadeFolder:
    """What a folder job made: the folder's node, the page-cache rows of the folder and of every
    file in it, its page count and how many files it rendered."""

    node: Imported
    rows: list[tuple[str, CachedPage]]
    pages: int
    rendered: int

    def __reduce__(
        self,
    ) -> tuple[type[MadeFolder], tuple[Imported, list[tuple[str, CachedPage]], int, int]]:
        """Pickled as its fields (see ``CID.__reduce__``)."""
        return MadeFolder, (self.node, self.rows, self.pages, self.rendered)


def fingerprint(value: Any) -> str:
    """A digest of plain values (tuples, lists, dicts built in a fixed order, str, int,
    datetimes, frozen dataclasses of those): their repr is deterministic. Never sets."""
    return hashlib.sha256(repr(value).encode()).hexdigest()


@dataclass(slots=True)
class Plan:
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
    parallel_min: int = PARALLEL_MIN
    tree: Tree = field(default_factory=dict)
    fresh: list[tuple[str, CachedPage]] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    cars: dict[CID, int] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    has: Callable[[CID], bool] = lambda cid: False
    # those of many CIDs the blockstore holds, in a few queries (else ``has`` for each)
    has_many: Callable[[list[CID]], set[CID]] | None = None
    rendered: int = 0
    pages: int = 0
    planned: set[str] = field(default_factory=set)
    # jobs handed to workers by ``start``: (the jobs, the pool, its results as they come)
    running: tuple[list[Job], Pool, Iterator[list[tuple[int, Any]]]] | None = None
    # after ``start``: pages are rendered as they are planned (see the module's notes)
    eager: bool = False
    # where the page-cache rows of folders go when set (a big build), instead of ``fresh``
    spool: Spool | None = None
    # the bar that the jobs and pages made advance (none shown unless the build gives one), its
    # task, and how many it expects so far (the folders, then each page that renders)
    bar: Bar = field(default_factory=NoBar)
    task: Any = None
    expected: int = 0
    # workers forked before the build planned (``workers.early_pool``), for ``remote`` jobs
    pool: Pool | None = None

    def place(self, path: str, node: Imported) -> None:
        parts = path.split("/")
        folder = self.tree
        for part in parts[:-1]:
            folder = folder.setdefault(part, {})
        folder[parts[-1]] = node

    def cached(self, path: str, digest: str) -> CachedPage | None:
        hit = self.cache.get(path)
        return hit if hit is not None and hit.fingerprint == digest else None

    def place_cached(self, path: str, digest: str) -> CachedPage | None:
        """Place the cached node of ``path`` when its fingerprint is ``digest``."""
        hit = self.cached(path, digest)
        if hit is not None:
            self.place(path, Imported(CID.parse(hit.cid), hit.tsize, hit.size))
        return hit

    def stored(self, cids: list[CID]) -> set[CID]:
        """Those of ``cids`` the blockstore holds."""
        if self.has_many is not None:
            return self.has_many(cids)
        return set(filter(self.has, cids))

    def fingerprint(self, inputs: Any) -> str:
        if isinstance(inputs, list) and self.site is not None:
            inputs = [self.site_key if item is self.site else item for item in inputs]
        return fingerprint([self.version, inputs])

    def page(self, planned: PlannedPage) -> None:
        """Place the page: its cached node when its inputs did not change, else a job that
        renders it (what it reads to render is read now, in this process)."""
        path = planned.path
        if path in self.planned:  # the quick path can reach a page twice: once is enough
            return
        self.planned.add(path)
        digest = self.fingerprint(planned.inputs)
        if path.endswith(".html"):
            self.pages += 1
        if self.place_cached(path, digest) is not None:
            return
        render = planned.make()
        profile, sink = self.profile, self.sink
        job = Job((path,), digest, lambda: import_rendered(render(), profile, sink))
        if self.eager:
            self.expect(1)
            self._made(job, job.make())
            self.advance()
            self.collect()
            return
        self.jobs.append(job)

    def car(self, path: str, bundle: CID, get: Callable[[CID], bytes]) -> None:
        """The bundle's CAR file, made once per bundle and only when the bundle is new (or the
        code that writes CARs changed: templates do not shape a CAR)."""
        digest = f"car:{bundle}:{code_version()}"
        if self.place_cached(path, digest) is not None:
            return
        if bundle in self.cars:
            job = self.jobs[self.cars[bundle]]
            self.jobs[self.cars[bundle]] = Job((*job.paths, path), job.fingerprint, job.make)
            return
        profile, sink = self.profile, self.sink
        self.cars[bundle] = len(self.jobs)
        self.jobs.append(Job((path,), digest, lambda: car_file(bundle, get, profile, sink)))

    def folder(
        self, path: str, digest: str, make: Callable[[], MadeFolder], remote: Remote | None = None
    ) -> None:
        """A folder that changed, made whole by one job (``remote``: the same as data)."""
        self.jobs.append(Job((path,), digest, make, remote))

    def start(self) -> None:
        """Hand the jobs planned so far to worker processes now (when there are enough of them,
        and more than one worker), so that this process plans and renders the rest meanwhile;
        ``flush`` collects what the workers made. Workers forked early (``pool``) take them as
        data when every one has its ``remote`` form; else they are forked now."""
        self.eager = True
        if self.running is not None:
            return
        if self.workers <= 1 or len(self.jobs) < self.parallel_min:
            self._drop_pool()
            return
        jobs, self.jobs, self.cars = self.jobs, [], {}
        size = max(16, len(jobs) // (self.workers * 20))
        remotes: list[Remote | None] = [job.remote for job in jobs if job.remote is not None]
        results: Iterator[list[tuple[int, Any]]]
        if self.pool is not None and len(remotes) == len(jobs):
            pool, self.pool = self.pool, None
            results = pool.imap_unordered(workers.run_remote, workers.remote_chunks(remotes, size))
            # placing a result needs the job's paths and fingerprint: its data goes once sent
            jobs = [Job(job.paths, job.fingerprint, _sent) for job in jobs]
        else:
            self._drop_pool()
            with paused(self.bar):
                pool = workers.late_pool(self.workers, [job.make for job in jobs])
            chunks = [range(at, min(at + size, len(jobs))) for at in range(0, len(jobs), size)]
            results = pool.imap_unordered(workers.run_indexed, chunks)
        self.running = (jobs, pool, results)
        self.expect(len(jobs))

    def _drop_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            workers.stop(pool)

    def collect(self) -> None:
        """Place what the workers made so far, without waiting: their results (page-cache rows
        above all) do not pile up in this process while it plans the rest."""
        if self.running is None:
            return
        from multiprocessing import TimeoutError as NotYet

        away, _, results = self.running
        while True:
            try:
                done = results.next(timeout=0)  # type: ignore[attr-defined]
            except (StopIteration, NotYet):
                return
            for index, made in done:
                self._made(away[index], made)
            self.advance(len(done))

    def abandon(self) -> None:
        """End the workers of a build that stops half-way (what they made is not kept)."""
        running, self.running = self.running, None
        if running is not None:
            workers.stop(running[1])
        self._drop_pool()

    def flush(self) -> None:
        """Run every pending job and place what it made: the jobs handed to workers by
        ``start`` (or here, when there are many), the rest here."""
        if self.running is None:
            self.start()
        running, self.running = self.running, None
        jobs, self.jobs, self.cars = self.jobs, [], {}
        away: list[Job] = running[0] if running is not None else []
        made_here: list[Imported | MadeFolder] = []
        self.expect(len(jobs))
        try:
            for job in jobs:
                made_here.append(job.make())
                self.advance()
            if running is not None:
                for done in running[2]:  # placed as they come, not kept till the end
                    for index, node in done:
                        self._made(away[index], node)
                    self.advance(len(done))
        finally:
            if running is not None:
                workers.stop(running[1])
        for job, made in zip(jobs, made_here, strict=True):
            self._made(job, made)

    def expect(self, more: int) -> None:
        """``more`` things the bar will count as they are made (``advance``)."""
        if more:
            self.expected += more
            self.bar.update(self.task, total=self.expected)

    def advance(self, done: int = 1) -> None:
        """``done`` of the things ``expect`` announced were made."""
        self.bar.advance(self.task, done)

    def _made(self, job: Job, made: Imported | MadeFolder) -> None:
        """Place what a job made and remember its page-cache rows."""
        if isinstance(made, MadeFolder):
            self.place(job.paths[0], made.node)
            if self.spool is not None:
                self.spool.add(made.rows)
            else:
                self.fresh += made.rows
            self.pages += made.pages
            self.rendered += made.rendered
            return
        self.rendered += 1
        for path in job.paths:
            self.place(path, made)
            self.fresh.append(
                (path, CachedPage(job.fingerprint, str(made.cid), made.tsize, made.size))
            )

    def directory(self, path: str, entries: Tree) -> Imported | Tree:
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
        hit = self.cached(path, digest)
        if hit is not None:
            return Imported(CID.parse(hit.cid), hit.tsize, 0)
        prefix = SHARD_PREFIX + path
        known = {
            name[len(prefix) :]: (CID.parse(page.cid), page.tsize)
            for name, page in self.cache.items()
            if name.startswith(prefix)
        }
        shards = ShardCache(known=known, has=self.has)
        made = build_directory(entries, self.profile, self.sink, shard_cache=shards)
        self.fresh.append((path, CachedPage(digest, str(made.cid), made.tsize, 0)))
        for name, (cid, tsize) in shards.used.items():
            self.fresh.append((prefix + name, CachedPage(name, str(cid), tsize, 0)))
        self.stale += [prefix + name for name in known if name not in shards.used]
        return made

    def forget_missing(self) -> None:
        """Mark every cached page that is no longer part of the tree as stale."""
        self.stale += [
            path for path in self.cache if not path.startswith("#") and not in_tree(self.tree, path)
        ]


def _sent() -> Imported:
    raise AssertionError("a job sent to a worker is made there")


def in_tree(tree: Tree, path: str) -> bool:
    """Is ``path`` (a file, or a folder when it ends with "/") still part of the site?"""
    node: Any = tree
    for part in path.rstrip("/").split("/"):
        if not isinstance(node, dict):
            return isinstance(node, Imported)  # inside a folder that was reused whole
        if part not in node:
            return False
        node = node[part]
    return True


def nodes(tree: Tree, prefix: str = "") -> Iterator[tuple[str, Imported]]:
    """(path, node) for every finished node of ``tree``."""
    for name, value in tree.items():
        if isinstance(value, Imported):
            yield prefix + name, value
        else:
            yield from nodes(value, prefix + name + "/")
