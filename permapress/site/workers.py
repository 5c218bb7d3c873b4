"""The build's worker processes: forked early and sent their jobs as data, or forked late.

    Remote(func, context, args)   a job a worker runs as ``func(context, args)`` from pickled data
    early_pool(workers) -> Pool   workers forked now, while the building process is still small
    late_pool(workers, makes)     workers forked from a process that holds the jobs' closures
    run_remote(chunk)             (in a worker) a chunk of remote jobs
    chunk_batch(store) -> BlockBatch | None
                                  (in a worker) the blocks of a chunk's jobs, stored together
                                  when the chunk ends; None in the building process
    stop(pool)                    end the workers
    collect_less()                context manager: the collector runs less often inside (the
                                  building process and the workers forked from it)

A forked worker shares the building process's memory until either of them writes to a page;
the worker then gets its own copy of it. Forked late, after the build collected every article
(skeleton rows, entries, one job per folder), a worker that walks through half the jobs touches
(reference counts) most pages that hold them and so copies much of that memory: at 100,000
articles each ended near 250 MiB. Forked early, before the build reads the catalog, a worker
holds only the modules; its jobs come as data (a ``Remote``: a module-level function, a context
pickled once per chunk and each job's own arguments), and what it makes goes back the same way.
Jobs that are closures (``late_pool``) are found by index in ``_MAKES``, which the workers
inherit. ``gc.freeze`` keeps each worker's collector off the objects it inherited.

A job's blocks are stored before its result goes back (whoever records a root made of them
has them on disk). A job that stored its own as one pack each made one pack file and one index
transaction per article folder, whose few rows land on random pages of the block index: at
100,000 folders that was a quarter of the build. In a worker the jobs of a chunk put their
blocks in one ``BlockBatch`` per store instead (``chunk_batch``), stored a few MB at a time and
when the chunk ends, before its results are sent.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.blockstore import FileBlockstore

if TYPE_CHECKING:
    from multiprocessing.pool import Pool


@dataclass(frozen=True, slots=True)
class Remote:
    """A job as data: ``func(context, args)`` in a worker. ``func`` is a module-level function
    (pickled by name); jobs that share ``context`` (the same object) share one copy per chunk."""

    func: Callable[[Any, Any], Any]
    context: Any
    args: Any


# The jobs of a build whose workers were forked late, found by index (see the module's notes),
# and whether this process's collector is frozen for them.
_MAKES: list[Callable[[], Any]] = []
_FROZEN: list[bool] = [False]
# In a worker process (set as it starts): its chunk batches by blockstore folder; None elsewhere.
_BATCHES: list[dict[Path, BlockBatch] | None] = [None]


def chunk_batch(store: FileBlockstore) -> BlockBatch | None:
    """In a worker: the batch the jobs of the running chunk put their blocks in (stored when it
    holds a few MB and when the chunk ends, before the chunk's results are sent). None in any
    other process: a job there stores its own blocks."""
    batches = _BATCHES[0]
    if batches is None:
        return None
    batch = batches.get(store.root)
    if batch is None:
        batch = batches[store.root] = BlockBatch(store)
    return batch


def _chunk_done() -> None:
    for batch in (_BATCHES[0] or {}).values():
        batch.flush()


def run_indexed(indices: range) -> list[tuple[int, Any]]:
    done = [(index, _MAKES[index]()) for index in indices]
    _chunk_done()
    return done


def run_remote(
    chunk: tuple[int, Callable[[Any, Any], Any], Any, list[Any]],
) -> list[tuple[int, Any]]:
    start, func, context, args = chunk
    done = [(start + offset, func(context, one)) for offset, one in enumerate(args)]
    _chunk_done()
    return done


def remote_chunks(
    jobs: list[Remote | None], size: int
) -> Iterator[tuple[int, Callable[[Any, Any], Any], Any, list[Any]]]:
    """Chunks of ``size`` jobs, made as the pool takes them and split where the function or the
    context changes; a job's place in ``jobs`` is emptied once its chunk is made, so what the
    workers took is not kept here."""
    start = 0
    while start < len(jobs):
        first = jobs[start]
        assert first is not None
        end = start + 1
        while end < len(jobs) and end - start < size:
            job = jobs[end]
            if job is None or job.func is not first.func or job.context is not first.context:
                break
            end += 1
        args = [job.args for job in jobs[start:end] if job is not None]
        jobs[start:end] = [None] * (end - start)
        yield start, first.func, first.context, args
        start = end


def _worker_start() -> None:
    """A worker ignores Ctrl+C: the parent stops the build and ends the workers, so one line
    reports the interruption instead of a traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _BATCHES[0] = {}


def _fork(workers: int) -> Pool:
    """A pool of forked workers. SIGINT is blocked while they are forked (a Ctrl+C then waits
    for this process), so no worker can receive one before it ignores it."""
    import multiprocessing

    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


# Objects allocated (less those freed) before the collector looks at the youngest ones: 700 by
# default. A build keeps a heap that grows with the archive (rows, entries, the plan), and
# objects that outlive a young collection move towards the oldest generation, whose
# collections walk the whole heap: at 100,000 articles the building process spent 12.7 s in
# 29 of them and its young ones (0.5 s at 10,000). Looking at the young ones every 50,000
# lets most of what a page or a folder allocates die first: 3.6 s there, the peak memory of
# all processes the same (429 MiB; without any collection it reached 711: a build does make
# reference cycles), and its CPU 57 -> 50 s. Forked workers inherit the setting.
_YOUNG: Final = 50_000


@contextmanager
def collect_less() -> Iterator[None]:
    """The collector's thresholds raised inside (see ``_YOUNG``), as they were after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _YOUNG), max(before[1], 20), before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def early_pool(workers: int) -> Pool:
    """Workers forked now, for ``Remote`` jobs; this process's collector is left as it was."""
    gc.collect()
    gc.freeze()  # the workers inherit a frozen heap; this process unfreezes its own
    try:
        return _fork(workers)
    finally:
        gc.unfreeze()


def late_pool(workers: int, makes: list[Callable[[], Any]]) -> Pool:
    """Workers forked now that run ``makes[i]`` for the indices they are sent. Objects made so
    far are not freed while they run: the collector stays off them (until ``stop``), so that
    the workers do not copy every page of memory by touching them."""
    global _MAKES
    _MAKES = makes
    gc.freeze()
    _FROZEN[0] = True
    return _fork(workers)


def stop(pool: Pool) -> None:
    global _MAKES
    pool.terminate()
    pool.join()
    _MAKES = []
    if _FROZEN[0]:
        _FROZEN[0] = False
        gc.unfreeze()
