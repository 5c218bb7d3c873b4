"""An article dated ahead of today (a scheduled story, a benchmark corpus, a wrong clock at the
source) can be corrected and re-imported, and the site still verifies: a later version is never
dated before the one it follows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]


def _write(path: Path, body: str) -> Path:
    path.write_text(
        "---\ntitle: Harbour opens in 2031\ndate: 2031-05-01T10:00:00+00:00\nslug: harbour\n"
        f"categories: [Harbour]\n---\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def test_corrections_of_a_future_dated_article_verify(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "newsroom"
    assert cli("init", str(home)).code == 0
    source = _write(tmp_path / "harbour.md", "The harbour will open.")
    assert cli("import", str(source), "--home", str(home)).code == 0
    fixed = _write(tmp_path / "fixed.md", "The harbour will open in May.")
    run = cli("correct", "harbour", str(fixed), "--note", "Month added.", "--home", str(home))
    assert run.code == 0, run.err
    out = tmp_path / "site"
    assert cli("build", "--home", str(home), "--out", str(out)).code == 0
    report = cli("verify", str(out), "--json").json()
    assert report["valid"], report["problems"]
    shown = cli("show", "harbour", "--json", "--home", str(home)).json()
    times = [version["time"] for version in shown["versions"]]
    assert times == sorted(times), times
