"""Folders written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from permapress.staging import staged_folder


def test_a_finished_folder_takes_the_place_of_an_empty_one(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with staged_folder(target) as folder:
        (folder / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failure_leaves_nothing_and_the_old_folder_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    with pytest.raises(RuntimeError), staged_folder(target, replace=True) as folder:
        (folder / "new.html").write_text("new")
        raise RuntimeError("half-way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert sorted(p.name for p in target.iterdir()) == ["old.html"]


def test_replace_swaps_a_full_folder_and_without_it_a_full_folder_is_an_error(
    tmp_path: Path,
) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    with staged_folder(target, replace=True) as folder:
        (folder / "new.html").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.html"]
    with pytest.raises(OSError), staged_folder(target) as folder:
        (folder / "x").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_public_folder_gets_ordinary_permissions_and_a_private_one_stays_private(
    tmp_path: Path,
) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        with staged_folder(tmp_path / "site", public=True) as folder:
            (folder / "index.html").write_text("hello")
        with staged_folder(tmp_path / "newsroom") as folder:
            (folder / "permapress.toml").write_text("")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "site").stat().st_mode) == 0o755  # a web server reads it
    assert stat.S_IMODE((tmp_path / "newsroom").stat().st_mode) == 0o700
