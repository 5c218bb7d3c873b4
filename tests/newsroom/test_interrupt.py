"""Stopping `permapress build` half-way: Ctrl+C is one line, kill -9 leaves nothing for good.

Both run the real command in its own process. Ctrl+C goes to the whole process group, as a
terminal sends it, while the forked workers render; the next build starts from scratch (nothing
of the stopped one was recorded) and its exported site verifies. A build killed with SIGKILL
while it writes ``--out`` leaves its staging folder; the next build removes it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from permapress.cli import main

PERMAPRESS = str(Path(sys.executable).parent / "permapress")
ARTICLES = 260  # enough changed pages for the build to hand them to worker processes


@pytest.fixture(scope="module")
def big_newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A newsroom with a few hundred short articles, imported but never built."""
    root = tmp_path_factory.mktemp("big")
    src = root / "src"
    src.mkdir()
    for n in range(ARTICLES):
        (src / f"story-{n:03d}.md").write_text(
            f"---\ntitle: Harbour story number {n}\n"
            f"date: 2025-{n % 12 + 1:02d}-{n % 27 + 1:02d}T09:00:00+00:00\n"
            f"categories: [Section {n % 7}]\n---\n\nParagraph {n} about the harbour.\n",
            encoding="utf-8",
        )
    home = root / "newsroom"
    for args in (["init", str(home)], ["import", str(src), "--home", str(home), "--json"]):
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code, args
    return home


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def test_ctrl_c_during_build_is_one_line_and_keeps_nothing(
    big_newsroom: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "newsroom"
    shutil.copytree(big_newsroom, home)
    out = tmp_path / "out" / "site"
    proc = subprocess.Popen(
        [PERMAPRESS, "build", "--home", str(home), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        if (os.cpu_count() or 1) > 1:  # wait for the forked workers to be at work
            while not _children(proc.pid) and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            assert proc.poll() is None, "the build ended before any worker started"
        else:
            time.sleep(1)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["interrupted; run build again to finish"], stderr
    assert "Built" not in stdout
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert [p for p in home.rglob("*") if p.name.endswith(".part")] == []
    # Nothing of the stopped build was recorded: the next one is a full build, and it is whole.
    again = subprocess.run(
        [PERMAPRESS, "build", "--home", str(home), "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=600,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["mode"] == "full" and result["articles"] == ARTICLES
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["site"]
    check = subprocess.run([PERMAPRESS, "verify", str(out)], capture_output=True, text=True,
                           timeout=600)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_build_killed_while_writing_out_leaves_no_part_folder_after_the_next(
    demo_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export" / "site"
    out.parent.mkdir()
    caught = None
    for _attempt in range(8):
        proc = subprocess.Popen(
            [PERMAPRESS, "build", "--home", str(demo_home), "--out", str(out), "--cars"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while proc.poll() is None:
            parts = [p for p in out.parent.iterdir() if p.name.endswith(".part")]
            if parts:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=60)
                caught = parts
                break
        if caught:
            break
        shutil.rmtree(out, ignore_errors=True)
    assert caught, "the build never got to write its staging folder"
    assert all(p.exists() for p in caught)  # kill -9: left behind until the next run
    run = subprocess.run(
        [PERMAPRESS, "build", "--home", str(demo_home), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
    assert (out / "index.html").is_file()
