"""A folder's walk and its reading overlap: the first files go to the readers before the walk
has found the last ones, and what comes out is the folder in order either way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from permapress.articles.items import Failed, ReadOptions
from permapress.articles.model import Article
from permapress.newsroom import reading
from permapress.newsroom.readpool import start_pool


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    for i in range(count):
        (folder / f"s{i:03d}.md").write_text(
            f"---\ntitle: Story {i}\ndate: 2025-07-{1 + i % 28:02d}\n---\nBody {i}.\n", "utf-8"
        )
    return folder


def test_the_first_files_go_to_the_readers_before_the_walk_ends(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 40)
    walked: list[Path] = []
    formats: dict[Path, str | None] = {}

    def walk() -> Iterator[Path | str | Failed]:
        for path in sorted(folder.iterdir()):
            formats[path] = "markdown"
            walked.append(path)
            yield path

    pool = start_pool(2)
    assert pool is not None
    try:
        tasks = reading._tasks(walk(), folder, formats, None, UTC, ReadOptions(), pool)
        future, _run = next(tasks)
        assert future is not None  # given to the pool
        assert len(walked) < 40  # while the walk has more to find
        reads = [future.result(), *(f.result() if f else r() for f, r in tasks)]
    finally:
        pool.shutdown()
    headlines = [item.headline for part in reads for _l, item, _h, _b in part
                 if isinstance(item, Article)]  # fmt: skip
    assert headlines == [f"Story {i}" for i in range(40)]


def test_a_folder_of_few_files_is_read_here_and_an_empty_one_says_so(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 3)
    pool = start_pool(2)
    assert pool is not None
    try:
        items = list(reading.iter_items([folder], fmt=None, tz=UTC, options=ReadOptions(),
                                        pool=pool))  # fmt: skip
        tasks = list(reading._tasks([*sorted(folder.iterdir())], folder,
                                    dict.fromkeys(folder.iterdir(), "markdown"), None, UTC,
                                    ReadOptions(), pool))  # fmt: skip
    finally:
        pool.shutdown()
    assert [item.headline for _l, item in items if isinstance(item, Article)] == [
        "Story 0", "Story 1", "Story 2"
    ]  # fmt: skip
    assert all(future is None for future, _run in tasks)  # fewer than 16: no pool
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "data.bin").write_bytes(bytes(range(256)))
    out = list(reading.iter_items([empty], fmt=None, tz=UTC, options=ReadOptions()))
    assert len(out) == 1 and isinstance(out[0][1], Failed)
    assert "holds no file in a format I can read" in out[0][1].error
