"""Worker processes forked before the build reads the catalog take the article folders as data
(``site/workers.py``): the site and page cache are those a build in one process makes, and
nothing a folder job carries needs the building process's memory."""

from __future__ import annotations

import gc
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from permapress.handle import Newsroom
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.dagwalk import walk
from permapress.site import build as build_module
from permapress.site import folders, workers
from permapress.site.plan import Plan
from permapress.site.workers import Remote, remote_chunks, run_remote


def _fresh_build(home: Path, count: int, built_at: str = "2026-01-01T00:00:00Z") -> Any:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    with Newsroom.open(home) as newsroom:
        return build_module.build_site(newsroom, workers=count, built_at=built_at)


def _rows(home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute("SELECT * FROM page_cache ORDER BY path").fetchall()


def test_early_workers_build_the_site_a_single_process_builds(
    demo_home: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)
    serial = _fresh_build(demo_home, 1)
    serial_rows = _rows(demo_home)

    def no_late_fork(*args: Any) -> Any:
        raise AssertionError("the folders should have gone to the early workers as data")

    sent: list[int] = []
    chunks = workers.remote_chunks

    def counted(jobs: Any, size: int) -> Any:
        sent.append(len(jobs))
        return chunks(jobs, size)

    monkeypatch.setattr(workers, "late_pool", no_late_fork)
    monkeypatch.setattr(workers, "remote_chunks", counted)
    parallel = _fresh_build(demo_home, 2)
    assert sent and sent[0] > 0  # the folders went to the workers as data
    assert parallel.root_cid == serial.root_cid
    assert parallel.rendered == serial.rendered
    assert _rows(demo_home) == serial_rows


def test_workers_store_a_chunk_of_folders_as_one_pack_and_every_block_is_there(
    demo_home: Path, monkeypatch: Any
) -> None:
    """A worker's folders share a batch stored when the chunk ends (``workers.chunk_batch``):
    far fewer packs than folders, and the recorded site is whole in the store."""
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)
    packs = demo_home / "blocks" / "packs"
    before = set(packs.glob("*.pack"))
    config = demo_home / "permapress.toml"  # another name on every page: new pages, new blocks
    config.write_text(config.read_text("utf-8").replace("The Harbour Courier", "The Pier Post"))
    made = _fresh_build(demo_home, 2)
    added = set(packs.glob("*.pack")) - before
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        (folders_made,) = db.execute(
            "SELECT count(*) FROM page_cache WHERE path LIKE 'articles/%/' "
            "AND path NOT LIKE 'articles/%/%/'"
        ).fetchone()
    assert folders_made >= 8  # enough folders for the count below to mean something
    # each worker's chunk is one pack (a few MB at most here), the building process adds its own
    assert 0 < len(added) <= 4 < folders_made
    done = walk([CID.parse(made.root_cid)], FileBlockstore(demo_home / "blocks").get)
    assert not done.problems, done.problems[:3]
    assert workers.chunk_batch(FileBlockstore(demo_home / "blocks")) is None  # not in a worker


def test_a_folder_job_travels_without_the_catalog_connection(demo_home: Path) -> None:
    with Newsroom.open(demo_home) as newsroom:
        catalog = newsroom.catalog
        slug = catalog.articles("published")[0].slug
        source = folders.VersionSource(catalog.path, catalog, set())
        back = pickle.loads(pickle.dumps(source))
        assert back.catalog is None and back.path == catalog.path
        assert [r.number for r in back.rows(slug, 99)] == [r.number for r in source.rows(slug, 99)]


def test_remote_chunks_keep_order_and_split_where_the_context_changes() -> None:
    one, two = ("a",), ("b",)
    jobs = [Remote(_pair, one, n) for n in range(5)] + [Remote(_pair, two, n) for n in range(3)]
    sent: list[Remote | None] = list(jobs)
    chunks = list(remote_chunks(sent, 2))
    assert sent == [None] * len(jobs)  # let go once sent
    assert [(start, len(args)) for start, _, _, args in chunks] == [
        (0, 2), (2, 2), (4, 1), (5, 2), (7, 1)
    ]  # fmt: skip
    done = [pair for chunk in chunks for pair in run_remote(pickle.loads(pickle.dumps(chunk)))]
    assert done == [(i, _pair(job.context, job.args)) for i, job in enumerate(jobs)]


def _pair(context: tuple[str], n: int) -> str:
    return f"{context[0]}{n}"


def test_a_memory_blockstore_is_not_sent_to_workers() -> None:
    from permapress.ipfs.blockstore import MemoryBlockstore
    from permapress.ipfs.profiles import get_profile
    from permapress.site.views import SiteInfo

    context = folders.FolderContext(
        SiteInfo("n", "t", "en", None), "k", "v", get_profile("unixfs-v1-2025"), MemoryBlockstore()
    )
    with pytest.raises(TypeError):
        pickle.dumps(context)


_SEEN = "PERMAPRESS_TEST_THRESHOLDS"
_RUN_REMOTE = workers.run_remote


def _recording(chunk: Any) -> Any:
    """``run_remote`` that first notes the worker's collector threshold (a module-level
    function: the pool sends it by name)."""
    with open(os.environ[_SEEN], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {gc.get_threshold()[0]}\n")
    return _RUN_REMOTE(chunk)


def test_the_build_and_its_workers_collect_less_and_the_thresholds_come_back(
    demo_home: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    """A build's heap grows with the archive: the collector looks at young objects less often
    while it runs, in the building process and in the workers forked from it, and the
    process's own thresholds are back afterwards, whether the build ends or fails."""
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)
    seen = tmp_path / "thresholds"
    monkeypatch.setenv(_SEEN, str(seen))
    monkeypatch.setattr(workers, "run_remote", _recording)
    flushes: list[int] = []
    flush = Plan.flush

    def flush_recording(plan: Plan) -> Any:
        flushes.append(gc.get_threshold()[0])
        return flush(plan)

    monkeypatch.setattr(Plan, "flush", flush_recording)
    before = gc.get_threshold()
    _fresh_build(demo_home, 2)
    assert gc.get_threshold() == before
    lines = [line.split() for line in seen.read_text().splitlines()]
    assert lines and {pid for pid, _ in lines} - {str(os.getpid())}  # ran in other processes
    assert all(int(young) >= 50_000 > before[0] for _, young in lines)
    assert flushes and all(young >= 50_000 for young in flushes)

    def failing(plan: Plan) -> Any:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(Plan, "flush", failing)
    with pytest.raises(RuntimeError):
        _fresh_build(demo_home, 1)
    assert gc.get_threshold() == before
