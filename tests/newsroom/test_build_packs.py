"""A build stores the blocks it makes in pack files (``ipfs/batch.py``), not one file per block:
a cold build and a patched rebuild each add packs and almost no block files, and every block of
the site they record is readable from the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.dagwalk import walk


def _story(folder: Path, n: int, extra: str = "") -> None:
    body = " ".join(f"The harbour crossing {n} timetable changes on Monday." for _ in range(20))
    (folder / f"story-{n:02d}.md").write_text(
        f"---\ntitle: Ferry story {n}\ndate: 2025-07-{n % 27 + 1:02d}\n"
        f"categories: [Transport]\n---\n{body}{extra}\n",
        "utf-8",
    )


def _counts(blocks: Path) -> tuple[int, int]:
    return len(list(blocks.rglob("*.data"))), len(list((blocks / "packs").glob("*.pack")))


def _root(cli: Callable[..., Any], home: Path, mode: str) -> str:
    run = cli("build", "--home", str(home), "--json")
    assert run.code == 0, run.err
    made = json.loads(run.out)
    assert made["rendered"] > 0 and made["mode"] == mode
    return str(made["root_cid"])


def _whole(home: Path, root: str) -> int:
    """How many blocks the site holds; fails when any of them is missing or damaged."""
    done = walk([CID.parse(root)], FileBlockstore(home / "blocks").get)
    assert not done.problems, done.problems[:3]
    return len(done.seen)


def test_cold_and_patched_builds_store_their_blocks_in_packs(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    home, sources = tmp_path / "newsroom", tmp_path / "sources"
    sources.mkdir()
    assert cli("init", str(home), "--name", "Packed Courier").code == 0
    for n in range(20):
        _story(sources, n)
    assert cli("import", str(sources), "--home", str(home)).code == 0
    files, packs = _counts(home / "blocks")

    root = _root(cli, home, "full")
    site_blocks = _whole(home, root)
    files_after, packs_after = _counts(home / "blocks")
    assert site_blocks > 100  # pages, folders, bundles, CARs, search
    assert packs_after > packs
    assert files_after - files <= 3  # at most a last batch too small to pack (PACK_MIN)

    _story(sources, 3, " A correction: the Monday crossing leaves at nine.")
    assert cli("import", str(sources / "story-03.md"), "--home", str(home)).code == 0
    files, packs = _counts(home / "blocks")
    patched = _root(cli, home, "patched")
    assert patched != root
    _whole(home, patched)
    files_after, packs_after = _counts(home / "blocks")
    assert packs_after > packs
    assert files_after - files <= 3
