"""Commands find their newsroom from any subfolder of it, as git finds its repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def test_a_command_in_a_subfolder_finds_the_newsroom_above_it(
    demo_home: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = demo_home / "drafts" / "2025" / "may"
    deep.mkdir(parents=True)
    monkeypatch.delenv("PERMAPRESS_HOME", raising=False)
    monkeypatch.chdir(deep)
    listed = cli("list", "--json")
    assert listed.code == 0, listed.err
    assert len(listed.json()) == 21  # the demo's 17 articles and its 4 pages (About, …)
    # The folder's own blocks folder is inside the newsroom too.
    monkeypatch.chdir(demo_home / "blocks")
    assert cli("keys", "show", "--json").code == 0


def test_the_nearest_newsroom_wins_then_home_then_the_environment(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = demo_home / "archive" / "inner"
    made = cli("init", str(inner), "--name", "Inner Desk")
    assert made.code == 0, made.err
    (inner / "notes").mkdir()
    monkeypatch.setenv("PERMAPRESS_HOME", str(demo_home))
    monkeypatch.chdir(inner / "notes")
    assert cli("list", "--json").json() == []  # the inner newsroom, not the one above it
    assert len(cli("list", "--json", "--home", str(demo_home)).json()) == 21
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert len(cli("list", "--json").json()) == 21  # no newsroom above: $PERMAPRESS_HOME
    monkeypatch.delenv("PERMAPRESS_HOME")
    missing = cli("list")
    assert missing.code == 1
    assert "no newsroom here" in missing.err and "any folder above it" in missing.err


def test_a_real_process_started_in_a_subfolder_builds_the_newsroom(
    demo_home: Path, tmp_path: Path
) -> None:
    sub = demo_home / "notes"
    sub.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PERMAPRESS_HOME"}
    run = subprocess.run(
        [str(Path(sys.executable).parent / "permapress"), "build", "--json"],
        cwd=sub, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["articles"] == 17  # the demo's listed articles
    assert not (sub / "catalog.sqlite").exists()
