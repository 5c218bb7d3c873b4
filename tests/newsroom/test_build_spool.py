"""A big build keeps the article folders' page-cache rows in a temporary file until it records
them (``pagecache.Spool``): the rows stored are those a build without it stores, the file is
gone afterwards, and a build that stops half-way stores none of them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from permapress.handle import Newsroom
from permapress.site import build as build_module
from permapress.site import search_build
from permapress.site.pagecache import CachedPage, Spool


def _cache_rows(home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute("SELECT * FROM page_cache ORDER BY path").fetchall()


def _fresh_build(home: Path, workers: int) -> Any:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    with Newsroom.open(home) as newsroom:
        return build_module.build_site(newsroom, workers=workers, built_at="2026-01-01T00:00:00Z")


def test_spool_gives_back_its_rows_in_order_and_deletes_its_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.add([("a/index.html", CachedPage("f1", "c1", 10, 9))])
    spool.add([("b/", CachedPage("f2", "c2", 20, 3)), ("a.car", CachedPage("f3", "c3", 5, 5))])
    assert list(spool.rows()) == [
        ("a/index.html", "f1", "c1", 10, 9),
        ("b/", "f2", "c2", 20, 3),
        ("a.car", "f3", "c3", 5, 5),
    ]
    assert len(list(tmp_path.iterdir())) == 1
    spool.close()
    assert list(tmp_path.iterdir()) == []


def test_a_spool_writes_its_rows_a_few_thousand_at_a_time_and_keeps_their_order(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path)
    made = [(f"articles/s-{n}/", CachedPage(f"f{n}", f"c{n}", n, 1)) for n in range(10_000)]
    for start in range(0, len(made), 7):
        spool.add(made[start : start + 7])
    (file,) = tmp_path.iterdir()
    with sqlite3.connect(file) as db:  # written before ``rows`` is asked for: not all in memory
        (written,) = db.execute("SELECT count(*) FROM rows").fetchone()
    assert 0 < written < len(made)
    assert list(spool.rows()) == [(path, p.fingerprint, p.cid, p.tsize, p.size)
                                  for path, p in made]  # fmt: skip
    spool.add([("late/", CachedPage("f", "c", 1, 1))])  # rows after a read come back too
    assert list(spool.rows())[-1] == ("late/", "f", "c", 1, 1)
    spool.close()


def test_workers_and_spool_record_the_same_page_cache(demo_home: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)
    serial = _fresh_build(demo_home, 1)
    serial_rows = _cache_rows(demo_home)
    parallel = _fresh_build(demo_home, 2)
    assert parallel.root_cid == serial.root_cid
    assert _cache_rows(demo_home) == serial_rows
    assert any(row[0].startswith("articles/") and row[0].endswith(".html") for row in serial_rows)
    assert not list(demo_home.glob(".build-pages-*"))


def test_a_build_that_stops_keeps_no_rows_and_no_spool(demo_home: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("stopped")

    monkeypatch.setattr(search_build, "place_search", broken)
    with pytest.raises(RuntimeError, match="stopped"):
        _fresh_build(demo_home, 2)
    assert _cache_rows(demo_home) == []
    assert not list(demo_home.glob(".build-pages-*"))
