"""An import's catalog writes in batches: a failed step undone alone, readers see whole batches,
import marks written after the versions they name, the versions' blocks stored together before
the batch that holds them commits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from permapress.articles.model import Article, Media
from permapress.catalog.db import Catalog, VersionRow
from permapress.errors import IpfsError
from permapress.handle import Newsroom
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.newsroom.home import init_newsroom
from permapress.newsroom.importbatch import batched
from permapress.newsroom.importing import import_paths
from permapress.newsroom.importmarks import last_import
from permapress.newsroom.readpool import ENV
from permapress.newsroom.record import load_article, record_article

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _slugs(path: Path) -> list[str]:
    with Catalog.open(path, readonly=True) as reader:
        return [row.slug for row in reader.articles()]


def test_a_batch_commits_its_steps_together_and_a_failed_step_alone_is_undone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.sqlite"
    with Catalog.open(path, create=True) as catalog:
        with catalog.batch() as batch:
            batch.begin()
            with catalog.transaction():
                catalog.add_article("first", None, "published", "2025-01-01T00:00:00+00:00")
            with pytest.raises(RuntimeError), catalog.transaction():
                catalog.add_article("second", None, "published", "2025-01-01T00:00:00+00:00")
                raise RuntimeError("a step that fails")
            assert _slugs(path) == []  # another reader sees nothing of an open batch
            batch.commit()
            assert _slugs(path) == ["first"]
            batch.begin()
            with catalog.transaction():
                catalog.add_article("third", None, "published", "2025-01-01T00:00:00+00:00")
        # leaving the block commits what the open batch holds
        assert _slugs(path) == ["first", "third"]


def test_marks_wait_for_the_batch_that_holds_their_versions(tmp_path: Path) -> None:
    init_newsroom(tmp_path / "home", "Batch Gazette")
    newsroom = Newsroom.open(tmp_path / "home")
    try:
        with batched(newsroom, size=2, seconds=3600) as writes:
            writes.begin()
            writes.set("a", 1, "key-a")
            assert writes.last("a") is not None and writes.last("a").key == "key-a"
            assert last_import(newsroom, "a") is None  # not written while the batch is open
            writes.done_one()
            assert last_import(newsroom, "a") is None
            writes.set("b", 1, "key-b")
            writes.done_one()  # the second item: the batch is full and committed
            assert last_import(newsroom, "a") is not None
            writes.begin()
            writes.set("c", 2, "key-c")
        mark = last_import(newsroom, "c")
        assert mark is not None and (mark.number, mark.key) == (2, "key-c")
    finally:
        newsroom.close()


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    for n in range(count):
        (folder / f"story-{n}.md").write_text(
            f"---\ntitle: Story {n}\ndate: 2025-03-0{n + 1}\n---\n\nThe text of story {n}.\n"
        )
    return folder


def test_the_versions_blocks_are_stored_together_before_their_batch_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "1")  # every version built by the importing process
    init_newsroom(tmp_path / "home", "Batch Gazette")
    folder = _folder(tmp_path, 3)
    newsroom = Newsroom.open(tmp_path / "home")
    stored: list[int] = []
    real = FileBlockstore.put_many

    def put_many(store: FileBlockstore, blocks: Iterable[tuple[CID, bytes]]) -> int:
        given = list(blocks)
        if given:
            assert _slugs(newsroom.config.catalog_path) == []  # nothing committed before them
            stored.append(len(given))
        return real(store, given)

    monkeypatch.setattr(FileBlockstore, "put_many", put_many)
    try:
        report = import_paths(newsroom, [folder], fmt=None, now=datetime.now(UTC))
        assert report["imported"] == 3 and len(stored) == 1  # three versions, one pack
        for row in newsroom.catalog.all_versions().values():
            assert newsroom.blocks.has(CID.parse(row[0].bundle_cid))
            assert newsroom.blocks.has(CID.parse(row[0].car_cid))
        assert len(list((newsroom.config.blocks_path / "packs").iterdir())) == 1
    finally:
        newsroom.close()


def test_blocks_that_cannot_be_stored_roll_their_batch_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "1")
    init_newsroom(tmp_path / "home", "Batch Gazette")
    folder = _folder(tmp_path, 3)
    newsroom = Newsroom.open(tmp_path / "home")

    def full_disk(store: FileBlockstore, blocks: Iterable[tuple[CID, bytes]]) -> int:
        raise IpfsError("cannot write a pack of blocks: No space left on device")

    monkeypatch.setattr(FileBlockstore, "put_many", full_disk)
    try:
        with pytest.raises(IpfsError, match="No space"):
            import_paths(newsroom, [folder], fmt=None, now=datetime.now(UTC))
        assert _slugs(newsroom.config.catalog_path) == []  # no version without its blocks
        assert newsroom.catalog.log_head() is None
        assert last_import(newsroom, "story-0") is None
    finally:
        newsroom.close()
    monkeypatch.undo()
    monkeypatch.setenv(ENV, "1")
    with Newsroom.open(tmp_path / "home") as again:  # the next import records them
        report = import_paths(again, [folder], fmt=None, now=datetime.now(UTC))
        assert report["imported"] == 3


def test_a_version_with_media_is_stored_at_once_the_others_wait_in_the_batch(
    tmp_path: Path,
) -> None:
    """An import reads the media of an article's current version back from the blockstore
    (``load_article``): those are never kept waiting in the import's batch of blocks."""
    init_newsroom(tmp_path / "home", "Batch Gazette")
    now = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    plain = Article(
        headline="Harbour budget",
        slug="harbour-budget",
        published=now,
        modified=None,
        authors=(),
        categories=(),
        tags=(),
        summary="",
        language="en",
        body="The council voted 7 to 2.\n",
        source="/src/a.md",
    )
    photo = Media("harbour.png", PNG + b"a photograph of the harbour", "image/png")
    pictured = replace(plain, slug="harbour-photo", source="/src/b.md", media=(photo,),
                       image="harbour.png")  # fmt: skip
    with Newsroom.open(tmp_path / "home") as newsroom:
        store = BlockBatch(newsroom.blocks)
        with newsroom.catalog.batch() as batch:
            batch.begin()
            record_article(newsroom, pictured, now=now, store=store)
            assert len(store) == 0  # in the blockstore already
            media = newsroom.catalog.media("harbour-photo", 1)
            assert load_article(newsroom, newsroom.catalog.versions("harbour-photo")[0],
                                with_media=True).media[0].data == photo.data  # fmt: skip
            assert media and newsroom.blocks.has(CID.parse(media[0].cid))
            recorded = record_article(newsroom, plain, now=now, store=store)
            assert len(store) > 0 and not newsroom.blocks.has(CID.parse(recorded.bundle_cid))
            store.flush()
        assert newsroom.blocks.has(CID.parse(recorded.bundle_cid))


def test_a_batch_that_fails_to_commit_writes_no_marks(tmp_path: Path) -> None:
    """A mark says its version is in the catalog (the next import skips the file): a batch
    rolled back when it commits takes its marks with it."""
    init_newsroom(tmp_path / "home", "Batch Gazette")
    newsroom = Newsroom.open(tmp_path / "home")
    catalog = newsroom.catalog
    try:
        with pytest.raises(sqlite3.OperationalError), batched(newsroom) as writes:
            writes.begin()
            with catalog.transaction():
                catalog.add_article("a", None, "published", "2025-01-01T00:00:00+00:00")
                catalog.add_version(_row("a"), [], ("A", "", "text"))
            writes.set("a", 1, "key-a")
            catalog.connection.execute("DROP TABLE search")  # its entry cannot be written
            writes.commit()
        assert catalog.article("a") is None
        assert last_import(newsroom, "a") is None
    finally:
        newsroom.close()


def _row(slug: str) -> VersionRow:
    when = "2025-01-01T00:00:00+00:00"
    return VersionRow(
        slug=slug, number=1, content_key="key", bundle_cid="bafy", bundle_size=1, published=when,
        effective=when, recorded=when, note="", document="", meta="{}",
    )  # fmt: skip
