"""A purge leaves no copy of the article's text in the blockstore, old site roots included.

Every build stores the site's feeds, listings, home page and search index, and each holds the
text (summary or body) of every article shown. After ``retract --purge``, the blocks of earlier
site roots that the new site and the articles' versions do not use are deleted too, so no block
on disk holds the purged text; the new site and the other articles stay whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]
SECRET = "Quartermaster Vellacott took the harbour funds"


def _ok(cli: Cli, *args: str) -> Any:
    run = cli(*args)
    assert run.code == 0, (args, run.err)
    return run


def _blocks_holding(home: Path, text: str) -> list[Path]:
    needle = text.encode()
    # every file: blocks stored in batches sit in pack files (blocks/packs/*.pack)
    return [p for p in (home / "blocks").rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_purge_deletes_the_text_from_earlier_site_roots_too(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "newsroom"
    _ok(cli, "init", str(home))
    src = tmp_path / "src"
    src.mkdir()
    (src / "funds.md").write_text(
        f"---\ntitle: Harbour funds\ndate: 2025-05-01T10:00:00+00:00\n---\n\n{SECRET}.\n",
        encoding="utf-8",
    )
    (src / "market.md").write_text(
        "---\ntitle: Market moves\ndate: 2025-05-02T10:00:00+00:00\n---\n\nThe market moves.\n",
        encoding="utf-8",
    )
    _ok(cli, "import", str(src), "--home", str(home))
    _ok(cli, "build", "--home", str(home))
    assert _blocks_holding(home, SECRET)  # the bundle, its page, feeds, listings (in packs)
    _ok(cli, "retract", "harbour-funds", "--reason", "Court order.", "--purge",
        "--home", str(home))
    assert _blocks_holding(home, SECRET) == []
    out = tmp_path / "site"
    _ok(cli, "build", "--home", str(home), "--out", str(out))
    report = cli("verify", str(out), "--json").json()
    assert report["valid"], report["problems"]
    assert "The market moves." in (out / "articles" / "market-moves" / "index.html").read_text(
        encoding="utf-8"
    )
