"""A version recorded by the importing process itself (one file, no reader processes) stores its
search text folder in one batch: the blockstore packs it into one file, not a file per piece."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import read_file, resolve_path


def test_a_one_file_import_packs_its_search_text_pieces(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    home = tmp_path / "newsroom"
    assert cli("init", str(home), "--name", "Packed Courier").code == 0
    words = " ".join(f"harbour{n % 50} crossing timetable" for n in range(300))  # ~7,000 chars
    source = tmp_path / "long.md"
    source.write_text(f"---\ntitle: Ferry times\ndate: 2025-07-08\n---\n{words}\n", "utf-8")
    assert cli("import", str(source), "--home", str(home)).code == 0
    with sqlite3.connect(home / "catalog.sqlite") as db:
        (text_cid,) = db.execute("SELECT text_cid FROM search_entries").fetchone()
    blocks = FileBlockstore(home / "blocks")
    folder = CID.parse(text_cid)
    pieces = [resolve_path(folder, [f"{k}.js"], blocks.get)[0] for k in range(3)]
    for cid in (folder, *pieces):
        assert blocks.has(cid) and not blocks.path_of(cid).exists()  # in a pack, no own file
    assert b"ppSearch(" in b"".join(read_file(pieces[2], blocks.get))


def test_a_version_recorded_by_the_importing_process_is_one_pack(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """Its bundle, its CAR and its search entry are stored in one ``put_many``: one pack file,
    no block files of their own."""
    home = tmp_path / "newsroom"
    assert cli("init", str(home), "--name", "Packed Courier").code == 0
    source = tmp_path / "short.md"
    source.write_text("---\ntitle: Ferry times\ndate: 2025-07-08\n---\nThe 8:15 runs late.\n")
    assert cli("import", str(source), "--home", str(home)).code == 0
    root = home / "blocks"
    assert len(list((root / "packs").iterdir())) == 1
    assert not list(root.glob("*/*.data"))
    with sqlite3.connect(home / "catalog.sqlite") as db:
        bundle, car, text = db.execute(
            "SELECT v.bundle_cid, v.car_cid, s.text_cid FROM versions v "
            "JOIN search_entries s ON s.bundle_cid = v.bundle_cid"
        ).fetchone()
    blocks = FileBlockstore(root)
    assert all(blocks.has(CID.parse(cid)) for cid in (bundle, car, text))
