"""A published article stays in the site until it is retracted: drafts never hide or leak.

The site holds exactly the versions the publisher log says were published. Importing a
published article again with ``draft: true`` records a draft version that the site does not
show (the last published version stays, the log is unchanged); a draft version is never in the
site, not even after a later version is published; ``retract`` is the one way to take a
published article down, and it names the last published version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]


def _article(folder: Path, name: str, title: str, body: str, *, draft: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    flag = "draft: true\n" if draft else ""
    path.write_text(
        f"---\ntitle: {title}\ndate: 2025-05-0{len(name) % 9 + 1}T10:00:00+00:00\n"
        f"slug: {name}\ncategories: [Harbour]\n{flag}---\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def _ok(cli: Cli, *args: str) -> Any:
    run = cli(*args)
    assert run.code == 0, (args, run.err)
    return run


def _verify(cli: Cli, home: Path, out: Path) -> dict[str, Any]:
    _ok(cli, "build", "--home", str(home), "--out", str(out))
    run = cli("verify", str(out), "--json")
    report = run.json()
    assert run.code == 0 and report["valid"], report["problems"]
    return dict(report)


def test_a_draft_of_a_published_article_keeps_the_published_version(
    cli: Cli, tmp_path: Path
) -> None:
    home = tmp_path / "newsroom"
    _ok(cli, "init", str(home))
    src = tmp_path / "src"
    _article(src, "harbour", "Harbour opens", "The harbour opened today.")
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    _verify(cli, home, tmp_path / "site1")
    _article(src, "harbour", "Harbour opens (draft)", "SECRET draft text.", draft=True)
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    _article(src, "market", "Market moves", "The fish market moves.")
    _ok(cli, "import", str(src / "market.md"), "--home", str(home))
    out = tmp_path / "site2"
    report = _verify(cli, home, out)
    assert {a["slug"]: a["versions"] for a in report["articles"]} == {"harbour": 1, "market": 1}
    page = (out / "articles" / "harbour" / "index.html").read_text(encoding="utf-8")
    assert "The harbour opened today." in page
    assert not any("SECRET" in p.read_text(errors="replace") for p in out.rglob("*.html"))
    assert "Harbour opens" in (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "articles" / "harbour" / "v" / "2").exists()
    listed = _ok(cli, "list", "--home", str(home), "--json").json()
    assert {row["slug"] for row in listed} == {"harbour", "market"}
    shown = _ok(cli, "show", "harbour", "--home", str(home), "--json").json()
    assert [v["draft"] for v in shown["versions"]] == [False, True]
    exported = tmp_path / "export"
    _ok(cli, "export", "--format", "markdown", str(exported), "--home", str(home))
    texts = "".join(p.read_text() for p in exported.rglob("*.md"))
    assert "The harbour opened today." in texts and "SECRET" not in texts
    with_drafts = tmp_path / "export-drafts"
    _ok(cli, "export", "--format", "markdown", str(with_drafts), "--drafts", "--home", str(home))
    assert "SECRET" in "".join(p.read_text() for p in with_drafts.rglob("*.md"))

    # Published again: version 3, logged as a correction; the draft (2) never enters the site.
    _article(src, "harbour", "Harbour opens", "The harbour opened today, a day late.")
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    out3 = tmp_path / "site3"
    report = _verify(cli, home, out3)
    assert sorted(p.name for p in (out3 / "articles" / "harbour" / "v").iterdir()) == ["1", "3"]
    assert not any("SECRET" in p.read_text(errors="replace") for p in out3.rglob("*.html"))
    log = [json.loads(line)["entry"] for line in (out3 / "log.jsonl").read_text().splitlines()]
    assert [(e["slug"], e["action"], e["version"]) for e in log] == [
        ("harbour", "publish", 1), ("market", "publish", 1), ("harbour", "correct", 3)
    ]


def test_retract_takes_down_a_published_article_whose_newest_version_is_a_draft(
    cli: Cli, tmp_path: Path
) -> None:
    home = tmp_path / "newsroom"
    _ok(cli, "init", str(home))
    src = tmp_path / "src"
    _article(src, "harbour", "Harbour opens", "The harbour opened today.")
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    _article(src, "harbour", "Harbour opens", "SECRET draft text.", draft=True)
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    _ok(cli, "retract", "harbour", "--reason", "Wrong harbour.", "--home", str(home))
    out = tmp_path / "site"
    report = _verify(cli, home, out)
    assert [(a["slug"], a["versions"]) for a in report["articles"]] == [("harbour", 1)]
    log = [json.loads(line)["entry"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert [(e["action"], e["version"]) for e in log] == [("publish", 1), ("retract", 1)]
    assert sorted(p.name for p in (out / "articles" / "harbour" / "v").iterdir()) == ["1"]
    assert "Wrong harbour." in (out / "articles" / "harbour" / "index.html").read_text()
    _ok(cli, "retract", "harbour", "--reason", "Court order.", "--purge", "--home", str(home))
    _verify(cli, home, tmp_path / "purged")
    records = tmp_path / "purged" / "articles" / "harbour" / "records"
    assert sorted(p.name for p in records.iterdir()) == ["1.json", "1.sig"]


def test_a_draft_that_was_never_published_is_never_in_the_site(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "newsroom"
    _ok(cli, "init", str(home))
    src = tmp_path / "src"
    _article(src, "harbour", "Harbour opens", "SECRET first draft.", draft=True)
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    refused = cli("retract", "harbour", "--reason", "x", "--home", str(home))
    assert refused.code == 1 and "never published" in refused.err
    _article(src, "harbour", "Harbour opens", "The harbour opened today.")
    _ok(cli, "import", str(src / "harbour.md"), "--home", str(home))
    out = tmp_path / "site"
    _verify(cli, home, out)
    assert sorted(p.name for p in (out / "articles" / "harbour" / "v").iterdir()) == ["2"]
    assert not any("SECRET" in p.read_text(errors="replace") for p in out.rglob("*.html"))
