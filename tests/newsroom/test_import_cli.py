"""`permapress init`, `import`, `list` and `show` through the real CLI entry point."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from data_paths import SEED_ARTICLE

SEED = SEED_ARTICLE

GOOD = """---
title: Harbour council passes budget
date: 2025-03-04T09:30:00+01:00
categories: [Politics]
author: Ana Lima
---

The council voted 7 to 2.
"""


@pytest.fixture
def home(tmp_path: Path, cli: Callable[..., Any]) -> Path:
    home = tmp_path / "newsroom"
    assert cli("init", str(home), "--name", "Test Courier").code == 0
    return home


def test_importing_the_seed_page(home: Path, cli: Callable[..., Any]) -> None:
    run = cli("import", str(SEED), "--home", str(home), "--json")
    assert run.code == 0, run.err
    report = run.json()
    assert report["imported"] == 1 and report["failed"] == []
    slug = report["items"][0]["slug"]
    article = cli("show", slug, "--home", str(home), "--json").json()
    assert article["headline"] == "Netanyahu, Trump Push for Gaza Ceasefire in DC Talks"
    assert article["published"].startswith("2025-07-08")
    assert article["categories"] == ["Politics & Government"]
    paragraphs = [p for p in article["body"].split("\n\n") if p.strip()]
    assert len(paragraphs) == 6
    assert "Download IPFS" not in article["body"]
    assert article["bundle_cid"].startswith("bafy")
    assert article["versions"][0]["bundle_cid"] == article["bundle_cid"]


def test_reimport_is_unchanged_and_a_changed_file_is_a_new_version(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    source = tmp_path / "seed.txt"
    shutil.copy(SEED, source)
    first = cli("import", str(source), "--home", str(home), "--json").json()
    again = cli("import", str(source), "--home", str(home), "--json").json()
    assert again["unchanged"] == 1 and again["imported"] == 0 and again["updated"] == 0
    assert again["items"][0]["status"] == "unchanged"
    source.write_text(
        source.read_text(encoding="utf-8").replace("37,000", "38,000"), encoding="utf-8"
    )
    changed = cli("import", str(source), "--home", str(home), "--json").json()
    assert changed["updated"] == 1
    slug = first["items"][0]["slug"]
    article = cli("show", slug, "--home", str(home), "--json").json()
    assert [v["number"] for v in article["versions"]] == [1, 2]
    assert article["versions"][0]["bundle_cid"] != article["versions"][1]["bundle_cid"]
    assert article["versions"][1]["note"]
    assert article["modified"] is not None


def test_bad_files_are_reported_one_line_each_and_the_good_ones_imported(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.md").write_text(GOOD, encoding="utf-8")
    (src / "no-title.md").write_text("---\ndate: 2025-01-01\n---\nBody\n", encoding="utf-8")
    (src / "bad-date.md").write_text(
        "---\ntitle: X\ndate: 2025-02-30\n---\nBody\n", encoding="utf-8"
    )
    (src / "binary.md").write_bytes(bytes(range(256)) * 4)
    (src / "latin.md").write_bytes(b"\xff\xfe\x00\xd8" * 3 + b"\x81\x8d\x8f\x90\x9d" * 50)
    locked = src / "locked"
    locked.mkdir()
    (locked / "x.md").write_text(GOOD.replace("budget", "levy"), encoding="utf-8")
    readable_anyway = os.geteuid() == 0  # root reads any folder: permissions cannot fail for root
    locked.chmod(0)
    try:
        run = cli("import", str(src), "--home", str(home), "--json")
    finally:
        locked.chmod(0o755)
    report = run.json()
    assert run.code == 1
    expected = ["harbour-council-passes-budget"] + (
        ["harbour-council-passes-levy"] if readable_anyway else []
    )
    assert sorted(item["slug"] for item in report["items"]) == expected
    assert report["imported"] == len(expected)
    failed = {Path(f["source"]).name: f["error"] for f in report["failed"]}
    for name in ("no-title.md", "bad-date.md", "binary.md", "latin.md"):
        assert name in failed, report["failed"]
        assert "\n" not in failed[name]
    if not readable_anyway:
        assert "locked" in failed
    listed = cli("list", "--home", str(home), "--json").json()
    assert sorted(a["slug"] for a in listed) == expected


def test_human_output_and_exit_code_on_failure(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ndate: 2025-01-01\n---\nBody\n", encoding="utf-8")
    run = cli("import", str(bad), "--home", str(home))
    assert run.code == 1
    assert "bad.md" in run.err
    assert "0 imported" in run.out


def test_commands_outside_a_newsroom_explain_what_to_do(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERMAPRESS_HOME", raising=False)
    run = cli("list")
    assert run.code == 1
    assert "permapress init" in run.err
    assert run.err.count("\n") == 1


def test_show_unknown_slug(home: Path, cli: Callable[..., Any]) -> None:
    run = cli("show", "nope", "--home", str(home))
    assert run.code == 1 and "no article with slug 'nope'" in run.err


def test_init_refuses_an_existing_newsroom(home: Path, cli: Callable[..., Any]) -> None:
    run = cli("init", str(home))
    assert run.code == 1 and "already a newsroom" in run.err


def test_demo_newsroom_lists_and_filters(demo_home: Path, cli: Callable[..., Any]) -> None:
    articles = cli("list", "--home", str(demo_home), "--json").json()
    assert len(articles) >= 12
    categories = {c for a in articles for c in a["categories"]}
    assert len(categories) >= 6
    assert [a["published"] for a in articles] == sorted(
        (a["published"] for a in articles), reverse=True
    )
    one = sorted(categories)[0]
    filtered = cli("list", "--category", one, "--home", str(demo_home), "--json").json()
    assert filtered and all(one in a["categories"] for a in filtered)
    shown = cli("show", articles[0]["slug"], "--home", str(demo_home), "--json").json()
    for key in (
        "slug",
        "headline",
        "published",
        "modified",
        "authors",
        "categories",
        "tags",
        "body",
        "bundle_cid",
        "versions",
    ):
        assert key in shown


SETPRIV = shutil.which("setpriv")


@pytest.mark.skipif(
    os.geteuid() == 0 and SETPRIV is None,
    reason="as root this needs setpriv (util-linux) to drop the permission override",
)
def test_an_unreadable_folder_is_one_clear_line_even_for_root(home: Path, tmp_path: Path) -> None:
    """Runs the real console script; as root, without the capabilities that bypass permissions."""
    import subprocess
    import sys

    src = tmp_path / "src"
    (src / "locked").mkdir(parents=True)
    (src / "good.md").write_text(GOOD, encoding="utf-8")
    (src / "locked" / "x.md").write_text(GOOD.replace("budget", "levy"), encoding="utf-8")
    (src / "locked").chmod(0)
    script = str(Path(sys.executable).with_name("permapress"))
    prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    try:
        run = subprocess.run(
            [*prefix, script, "import", str(src), "--home", str(home), "--json"],  # type: ignore[list-item]
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        (src / "locked").chmod(0o755)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert [item["slug"] for item in report["items"]] == ["harbour-council-passes-budget"]
    [failure] = report["failed"]
    assert "locked" in failure["source"] and "\n" not in failure["error"]
