"""An import's catalog writes in batches: a failed step undone alone, readers see whole batches,
import marks written after the versions they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from permapress.catalog.db import Catalog
from permapress.handle import Newsroom
from permapress.newsroom.home import init_newsroom
from permapress.newsroom.importbatch import batched
from permapress.newsroom.importmarks import last_import


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
