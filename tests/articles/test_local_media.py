"""Local media come only from inside the folder being imported: no ``../``, absolute path or
symlink may copy a file from elsewhere into a bundle."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from permapress.articles.items import Failed, ReadOptions
from permapress.articles.markdown import read as read_markdown
from permapress.articles.media import MediaCollector, confined, import_root
from permapress.articles.model import Article
from permapress.errors import ArticleError
from permapress.newsroom.importing import iter_items

from .conftest import JPEG, PNG

SECRET = PNG + b"private bytes that must never be published"


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    """tmp/secret.png outside, tmp/site/ the folder imported, tmp/site/posts/ the articles."""
    (tmp_path / "secret.png").write_bytes(SECRET)
    site = tmp_path / "site"
    (site / "posts").mkdir(parents=True)
    (site / "images").mkdir()
    (site / "images" / "harbour.jpg").write_bytes(JPEG)
    return site, site / "posts"


def _post(folder: Path, name: str, *, body: str = "Text.", image: str | None = None) -> Path:
    lines = ["---", "title: Harbour", "date: 2025-07-08"]
    if image is not None:
        lines.append(f"image: {image!r}")
    path = folder / name
    path.write_text("\n".join([*lines, "---", "", body, ""]), encoding="utf-8")
    return path


def _items(*sources: Path) -> list[object]:
    return [item for _, item in iter_items(list(sources), fmt=None, tz=UTC,
                                          options=ReadOptions())]  # fmt: skip


def _leaked(items: list[object]) -> bool:
    return any(
        isinstance(item, Article) and any(m.data == SECRET for m in item.media) for item in items
    )


@pytest.mark.parametrize(
    "ref",
    ["../../secret.png", "..%2F..%2Fsecret.png", "%2e%2e/%2e%2e/secret.png", "ABSOLUTE"],
)
def test_collector_refuses_paths_that_leave_the_root(tmp_path: Path, ref: str) -> None:
    site, posts = _layout(tmp_path)
    if ref == "ABSOLUTE":
        ref = str(tmp_path / "secret.png").lstrip("/")
        ref = "/" + ref  # an absolute path, as a front-matter image may give it
    collector = MediaCollector(posts, "a.md", root=site)
    with pytest.raises(ArticleError, match="outside the folder being imported"):
        collector.add(ref)
    assert collector.media == ()


def test_collector_refuses_a_symlink_that_points_outside(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    (posts / "photo.png").symlink_to(tmp_path / "secret.png")
    collector = MediaCollector(posts, "a.md", root=site)
    with pytest.raises(ArticleError, match=r"'photo.png' is outside the folder being imported"):
        collector.add("photo.png")


def test_collector_refuses_a_symlinked_folder_that_points_outside(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "p.png").write_bytes(SECRET)
    (posts / "pics").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ArticleError, match="outside the folder being imported"):
        MediaCollector(posts, "a.md", root=site).add("pics/p.png")


def test_collector_refuses_an_attachment_symlinked_outside(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    (posts / "media").mkdir()
    (posts / "media" / "source.html").symlink_to(tmp_path / "secret.png")
    with pytest.raises(ArticleError, match="'source.html' is outside the folder"):
        MediaCollector(posts, "a.md", root=site).add_attachment("source.html")


def test_collector_accepts_symlinks_and_parents_inside_the_root(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    (posts / "alias.jpg").symlink_to(site / "images" / "harbour.jpg")
    collector = MediaCollector(posts, "a.md", root=site)
    assert collector.add("../images/harbour.jpg") == "harbour.jpg"
    assert collector.add("alias.jpg") == "harbour.jpg"  # the same file, once
    assert [m.data for m in collector.media] == [JPEG]


def test_a_symlink_loop_is_refused_not_followed(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    os.symlink(posts / "b.png", posts / "a.png")
    os.symlink(posts / "a.png", posts / "b.png")
    with pytest.raises(ArticleError, match="a.png"):
        MediaCollector(posts, "a.md", root=site).add("a.png")


def test_a_single_file_is_confined_to_its_own_folder(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    path = _post(posts, "a.md", image="../images/harbour.jpg")
    with pytest.raises(ArticleError, match=r"image '../images/harbour.jpg' is outside"):
        read_markdown(path)  # read on its own: only posts/ is in reach
    items = _items(path)
    assert isinstance(items[0], Failed) and "is outside the folder" in items[0].error
    assert str(posts) in items[0].error  # names the folder it must stay in


def test_a_folder_import_reaches_everything_inside_it_and_nothing_outside(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    _post(posts, "a-good.md", body="![Harbour](../images/harbour.jpg)")
    _post(posts, "b-body.md", body="![x](../../secret.png)")
    _post(posts, "c-front.md", image="../../secret.png")
    _post(posts, "d-html.md", body='<img src="../../secret.png" alt="x">')
    (posts / "e.png").symlink_to(tmp_path / "secret.png")
    _post(posts, "e-link.md", body="![x](e.png)")
    items = _items(site)
    assert not _leaked(items)
    good = [item for item in items if isinstance(item, Article)]
    assert len(good) == 1 and good[0].media[0].data == JPEG
    failed = [item for item in items if isinstance(item, Failed)]
    assert len(failed) == 4
    assert all("outside the folder being imported" in item.error for item in failed)
    assert import_root() is None  # nothing leaks out of the import


def test_confined_sets_the_root_only_while_an_item_is_made(tmp_path: Path) -> None:
    seen: list[Path | None] = []

    def produce() -> Iterator[int]:
        for number in range(2):
            seen.append(import_root())
            yield number

    for _ in confined(produce(), tmp_path):
        seen.append(import_root())
    assert seen == [tmp_path, None, tmp_path, None]


def test_article_files_symlinked_from_outside_are_not_read(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    private = tmp_path / "private"
    private.mkdir()
    secret_post = _post(private, "diary.md", body="Private words.")
    (posts / "diary.md").symlink_to(secret_post)
    (site / "drafts").symlink_to(private, target_is_directory=True)
    _post(posts, "ok.md", body="Public words.")
    items = _items(site)
    texts = [item.body for item in items if isinstance(item, Article)]
    assert texts == ["Public words."]
    failed = sorted(item.error for item in items if isinstance(item, Failed))
    assert len(failed) == 2
    assert all("is a symlink to" in e and "outside the folder being imported" in e for e in failed)


def test_files_below_a_symlinked_folder_are_checked_however_deep(tmp_path: Path) -> None:
    site, posts = _layout(tmp_path)
    private = tmp_path / "private"
    (private / "deeper").mkdir(parents=True)
    _post(private / "deeper", "diary.md", body="Private words.")
    (site / "drafts").symlink_to(private, target_is_directory=True)
    (site / "more").symlink_to(posts, target_is_directory=True)  # inside: read (twice is fine)
    _post(posts, "ok.md", body="Public words.")
    items = _items(site)
    assert "Private words." not in [item.body for item in items if isinstance(item, Article)]
    failed = [item.error for item in items if isinstance(item, Failed)]
    assert len(failed) == 1 and "deeper/diary.md: is a symlink to" in failed[0], failed


def test_the_import_command_refuses_with_one_line_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from permapress.cli import main

    site, posts = _layout(tmp_path)
    _post(posts, "leak.md", body="![x](../../secret.png)")
    _post(posts, "fine.md", body="![Harbour](../images/harbour.jpg)")
    home = tmp_path / "newsroom"
    outputs: list[tuple[int, str]] = []
    for args in (["init", str(home)], ["import", str(site), "--home", str(home), "--json"],
                 ["list", "--home", str(home), "--json"]):  # fmt: skip
        code = 0
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        outputs.append((code, out))
    assert [code for code, _ in outputs] == [0, 1, 0]
    report = json.loads(outputs[1][1])
    assert report["imported"] == 1 and len(report["failed"]) == 1
    (failure,) = report["failed"]
    assert "leak.md" in failure["error"] and "'../../secret.png' is outside" in failure["error"]
    assert "\n" not in failure["error"]
    assert [a["slug"] for a in json.loads(outputs[2][1])] == ["harbour"]  # only the fine one
    stored = b"".join(p.read_bytes() for p in (home / "blocks").rglob("*") if p.is_file())
    assert b"private bytes that must never be published" not in stored
