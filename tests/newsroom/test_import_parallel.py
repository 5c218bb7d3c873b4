"""A folder read on every core: the same report and the same catalog as one process, in order."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from permapress.articles import markup
from permapress.articles.items import Failed, ReadOptions
from permapress.articles.model import Article
from permapress.ipfs.blockstore import FileBlockstore
from permapress.newsroom import record
from permapress.newsroom.reading import iter_items
from permapress.newsroom.readpool import ENV, BrokenExecutor, Task, in_order, start_pool
from permapress.site import search_cache

FEEDS = Path(__file__).parents[1] / "fixtures" / "importers" / "feeds"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _story(i: int) -> str:
    body = f"# Section {i}\n\nThe council met on day {i} and voted on the `harbour` plan.\n"
    if i == 3:
        body += "\n<script>alert(1)</script>\n\nAfter the script.\n"
    if i == 5:
        body += "\n![the quay](img/quay.png)\n"
    draft = "draft: true\n" if i == 7 else ""
    title = "" if i == 11 else f"title: Story {i}\n"  # 11 has no title: a failure
    return f"---\n{title}date: 2025-03-{i % 28 + 1:02d}\n{draft}---\n\n{body}"


def _folder(root: Path) -> Path:
    folder = root / "inbox"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "quay.png").write_bytes(PNG)
    for i in range(40):
        (folder / f"story-{i:02d}.md").write_text(_story(i), encoding="utf-8")
    # a feed in the middle of the Markdown files: read by the importing process, in its turn
    shutil.copy(FEEDS / "rss20-wordpress.xml", folder / "story-20-feed.xml")
    return folder


def _catalog(home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute(
            "SELECT slug, number, bundle_cid, body_html, document, content_key FROM versions "
            "ORDER BY slug"
        ).fetchall()


def test_a_folder_read_in_worker_processes_imports_as_one_process_does(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    one, many = tmp_path / "one", tmp_path / "many"
    assert cli("init", str(one)).code == 0
    shutil.copytree(one, many)  # the same key: the same bundles
    monkeypatch.setenv(ENV, "1")
    serial = cli("import", str(folder), "--home", str(one), "--json")
    monkeypatch.setenv(ENV, "3")
    parallel = cli("import", str(folder), "--home", str(many), "--json")
    assert serial.code == parallel.code == 1  # story 11 failed
    assert serial.json() == parallel.json()
    report = parallel.json()
    assert [f["source"].rsplit("/", 1)[-1] for f in report["failed"]] == ["story-11.md"]
    names = [i["source"].rsplit("/", 1)[-1] for i in report["items"]]
    before = [f"story-{i:02d}.md" for i in range(20) if i != 11]
    after = [f"story-{i:02d}.md" for i in range(20, 40)]
    assert names[: len(before)] == before and names[-len(after) :] == after
    assert len(names) > len(before) + len(after)  # the feed's entries, in the feed file's turn
    rows = _catalog(many)
    assert rows == _catalog(one)
    html = {slug: body for slug, _n, _cid, body, _doc, _key in rows}
    assert "<h2>Section 3</h2>" in html["story-3"] and "<script" not in html["story-3"]
    assert 'src="media/quay.png"' in html["story-5"]
    again = cli("import", str(folder), "--home", str(many), "--json").json()
    assert again["unchanged"] == report["imported"] and again["imported"] == 0


def test_items_read_in_the_pool_bring_their_html(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    pool = start_pool(2)
    assert pool is not None
    markup._HTML.clear()
    try:
        got = list(iter_items([folder], fmt=None, tz=UTC, options=ReadOptions(), pool=pool))
    finally:
        pool.shutdown()
    bodies = [item.body for _label, item in got if isinstance(item, Article)]
    assert len(bodies) >= 39
    # rendered in the workers, handed to this process: recording it renders nothing again
    assert all(body in markup._HTML for body in bodies if "Section" in body)
    assert list(iter_items([folder], fmt=None, tz=UTC, options=ReadOptions())) == got
    assert sum(isinstance(item, Failed) for _label, item in got) == 1


def _square(n: int) -> int:
    return n * n


def _die(_n: int) -> int:
    os._exit(3)


def test_in_order_keeps_the_order_and_reads_here_when_a_worker_dies() -> None:
    pool = start_pool(2)
    assert pool is not None
    try:
        tasks: list[Task[int]] = []
        for n in range(12):
            future: Future[int] | None = pool.submit(_square, n) if n % 3 else None
            tasks.append((future, partial(_square, n)))
        assert list(in_order(tasks, ahead=2)) == [n * n for n in range(12)]
        dying = [(pool.submit(_die, 5), partial(_square, 5))]
        assert list(in_order(dying, ahead=1)) == [25]
    finally:
        pool.shutdown()


def test_a_folder_is_still_read_when_the_pool_broke(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    pool = start_pool(2)
    assert pool is not None
    try:
        with pytest.raises(BrokenExecutor):
            pool.submit(_die, 0).result()
        got = list(iter_items([folder], fmt=None, tz=UTC, options=ReadOptions(), pool=pool))
    finally:
        pool.shutdown()
    assert got == list(iter_items([folder], fmt=None, tz=UTC, options=ReadOptions()))


def _blocks(home: Path) -> set[bytes]:
    # the store's own listing: blocks stored in batches are in pack files, not one file each
    return {cid.multihash for cid in FileBlockstore(home / "blocks")}


def test_new_articles_are_built_in_the_reader_processes_with_the_same_bytes(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    # two files asking for one slug, and one whose slug the newsroom already holds: those are
    # built by the importing process (slug-2, a new slug), the other new articles are not
    for name in ("twin-a.md", "twin-b.md"):
        (folder / name).write_text("---\ntitle: Twin\nslug: twin\ndate: 2025-04-01\n---\n\nTwo.\n")
    taken = tmp_path / "taken.md"
    taken.write_text("---\ntitle: Taken\nslug: story-4\ndate: 2025-04-02\n---\n\nFirst.\n")
    one, many = tmp_path / "one", tmp_path / "many"
    assert cli("init", str(one)).code == 0
    shutil.copytree(one, many)  # the same key: the same bundles
    for home in (one, many):
        monkeypatch.setenv(ENV, "1")
        assert cli("import", str(taken), "--home", str(home)).code == 0
    built: list[str] = []
    indexed: list[str] = []  # search index entries made by the importing process
    real_build, real_make, real_meta = record._build, search_cache.make, search_cache.make_meta

    def counting(newsroom: Any, article: Article, *args: Any) -> Any:
        built.append(article.slug)
        return real_build(newsroom, article, *args)

    def counting_entries(row: Any, *args: Any) -> Any:
        indexed.append(row.slug)
        return real_make(row, *args)

    def counting_meta(meta: str, *args: Any) -> Any:  # with the version (``record._build``)
        indexed.append(json.loads(meta)["slug"])
        return real_meta(meta, *args)

    monkeypatch.setattr(record, "_build", counting)
    monkeypatch.setattr(search_cache, "make", counting_entries)
    monkeypatch.setattr(record, "make_meta", counting_meta)
    serial = cli("import", str(folder), "--home", str(one), "--json")
    assert len(built) == len(indexed) == serial.json()["imported"]  # one process makes all
    built.clear()
    indexed.clear()
    monkeypatch.setenv(ENV, "3")
    parallel = cli("import", str(folder), "--home", str(many), "--json")
    assert serial.json() == parallel.json()
    assert _catalog(many) == _catalog(one)
    assert _search_entries(many) == _search_entries(one)
    assert _blocks(one) <= _blocks(many)
    # here: the second twin and story 4 (new slugs), and the feed's items (read here); the
    # reader processes made the other new articles' search entries with their bundles
    feed = [i["slug"] for i in parallel.json()["items"] if not i["source"].endswith(".md")]
    assert feed and sorted(built) == sorted(["twin-2", "story-4-2", *feed])
    assert sorted(indexed) == sorted(built)


def _search_entries(home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute("SELECT * FROM search_entries ORDER BY bundle_cid").fetchall()
