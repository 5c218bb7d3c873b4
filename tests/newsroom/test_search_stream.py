"""The search index assembled entry by entry, in batches read in doc-id order, is the index
``search.assemble`` makes from every entry at once, and a full build that streams its entries
stores the site a build that loads them all stores."""

from __future__ import annotations

import sqlite3
from array import array
from dataclasses import replace
from pathlib import Path
from typing import Any

from permapress.handle import Newsroom
from permapress.site import build as build_module
from permapress.site import search, search_build, search_cache, search_stream
from permapress.site.search import SearchDoc
from permapress.site.search_stream import Assembler


def _docs(count: int) -> list[SearchDoc]:
    words = ["harbour", "council", "budget", "ferry", "school", "river", "storm", "vote"]
    return [
        SearchDoc(
            slug=f"story-{n:04d}",
            headline=f"{words[n % 8].title()} story {n}",
            summary=f"A {words[(n * 3) % 8]} and a {words[(n * 5) % 8]}.",
            body=" ".join(words[(n + k) % 8] for k in range(40 + n % 13)),
            authors=("Ana Reyes",),
            categories=("Local",),
            published=f"2026-{1 + n % 12:02d}-{1 + n % 27:02d}T08:00:00+00:00",
        )
        for n in range(count)
    ]


def test_streamed_index_equals_the_index_assembled_at_once(monkeypatch: Any) -> None:
    monkeypatch.setattr(search, "MAX_POSTINGS", 40)  # so that some terms are cut
    entries = search.in_order([search.entry(doc, "en")[0] for doc in _docs(700)])
    assembler = Assembler(len(entries), "en")
    for entry in entries:
        assembler.add(entry)
    assert assembler.files(bytes) == search.assemble(entries, "en")


def test_a_posting_holds_document_ids_past_24_bits(monkeypatch: Any) -> None:
    """Postings are kept as one integer each (the id above the value's 8 bits): 32 bits up to
    2**24 articles, 64 beyond, with the same chunk made either way."""
    monkeypatch.setattr(search, "MAX_POSTINGS", 2)
    assert Assembler(1 << 24, "en")._code == "Q" and Assembler((1 << 24) - 1, "en")._code == "I"
    far = 1 << 30
    packed = array("Q", [(far << 8) | 5, ((far + 7) << 8) | 19, ((far + 9) << 8) | 5])
    # kept: the two of impact 5 (19 is impact 0 in piece 1), in document order
    assert search_stream._coded(packed) == [3, far, 5, 9, 5]
    assert search_stream._coded(array("I", [(3 << 8) | 246])) == [1, 3, 246]


def _fresh_build(home: Path, stream: bool, monkeypatch: Any, light: bool = False) -> str:
    place = search_build.place_search

    def placed(*args: Any, **kwargs: Any) -> None:
        kwargs["stream"] = stream
        if light:  # as the quick path gives them: number and bundle CID, no meta
            shown = args[4]
            args = (*args[:4], {slug: [replace(rows[-1], meta="")] for slug, rows in shown.items()})
        place(*args, **kwargs)

    monkeypatch.setattr(search_build, "place_search", placed)
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
        db.execute("DELETE FROM search_state")
    with Newsroom.open(home) as newsroom:
        return build_module.build_site(newsroom, built_at="2026-01-01T00:00:00Z").root_cid


def _entries(home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute("SELECT * FROM search_entries ORDER BY bundle_cid").fetchall()


def test_a_build_streaming_its_entries_makes_the_same_site_and_keeps_them(
    demo_home: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(search_build, "READ_BATCH", 3)
    whole = _fresh_build(demo_home, False, monkeypatch)
    kept = _entries(demo_home)
    assert _fresh_build(demo_home, True, monkeypatch) == whole
    assert _entries(demo_home) == kept
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:  # entries made while streaming
        db.execute("DELETE FROM search_entries")
    assert _fresh_build(demo_home, True, monkeypatch) == whole
    assert _entries(demo_home) == kept


def test_light_rows_are_streamed_in_the_same_order(demo_home: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_build, "READ_BATCH", 4)
    whole = _fresh_build(demo_home, False, monkeypatch)
    assert _fresh_build(demo_home, True, monkeypatch, light=True) == whole  # dates from entries
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM search_entries")
    assert _fresh_build(demo_home, True, monkeypatch, light=True) == whole  # from the catalog


def test_a_kept_entry_whose_text_is_gone_from_the_store_is_made_again(
    demo_home: Path, monkeypatch: Any
) -> None:
    """The entries kept in the catalog are used only when the blockstore still holds their
    text folders (asked for all of them at once, ``Plan.stored``): one deleted from the store
    is made again from its article, and the site is the same."""
    from permapress.ipfs.blockstore import FileBlockstore
    from permapress.ipfs.cid import CID

    monkeypatch.setattr(search_build, "READ_BATCH", 3)
    whole = _fresh_build(demo_home, True, monkeypatch)
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        texts = [CID.parse(cid) for (cid,) in db.execute("SELECT text_cid FROM search_entries")]
    store = FileBlockstore(demo_home / "blocks")
    assert len(texts) > 3 and all(store.has(cid) for cid in texts)
    store.delete(texts[1])
    assert not store.has(texts[1])
    made: list[str] = []
    make = search_cache.make

    def counted(row: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(row.slug)
        return make(row, *args, **kwargs)

    monkeypatch.setattr(search_cache, "make", counted)
    assert _fresh_build(demo_home, True, monkeypatch) == whole
    assert store.has(texts[1])  # stored again with the entry made again
    assert len(made) == 1  # the others kept: their texts are stored
