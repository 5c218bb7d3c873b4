"""Folders written whole or not at all."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from permapress.staging import remove_stale, staged_folder


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


def test_an_interrupt_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "site"
    with pytest.raises(KeyboardInterrupt), staged_folder(target, public=True) as folder:
        (folder / "index.html").write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


_HOLDER = """
import sys, time
from pathlib import Path
from permapress.staging import staged_folder
with staged_folder(Path(sys.argv[1]), replace=True) as folder:
    (folder / "half.html").write_text("half")
    print(folder, flush=True)
    time.sleep(600)
"""


def _holding(target: Path) -> tuple[subprocess.Popen[str], Path]:
    """A real process stopped half-way through writing ``target``, and its staging folder."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    staging = Path(proc.stdout.readline().strip())
    assert staging.is_dir() and staging.name.endswith(".part")
    return proc, staging


def test_the_staging_folder_of_a_killed_process_is_removed_by_the_next_run(
    tmp_path: Path,
) -> None:
    target = tmp_path / "site"
    proc, staging = _holding(target)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert staging.is_dir()  # kill -9: nothing could clean up
    with staged_folder(target, replace=True) as folder:
        (folder / "index.html").write_text("whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (target / "index.html").read_text() == "whole"


def test_a_running_process_keeps_its_staging_folder(tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc, staging = _holding(target)
    try:
        with staged_folder(tmp_path / "site", replace=True) as folder:
            (folder / "index.html").write_text("whole")
        assert staging.is_dir() and (staging / "half.html").read_text() == "half"
        other = tmp_path / f".site.{proc.pid}.abc.part.txt"  # not a staging folder's name
        other.write_text("x")
        assert remove_stale(tmp_path, "site") == []
        assert other.exists()
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert remove_stale(tmp_path, "site") == [staging]
