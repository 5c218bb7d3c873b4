"""What each article adds to the search index, kept between builds: the ``search_entries`` table.

    EntryCache(catalog_path, readonly=False)       one connection of its own (WAL, busy timeout)
    recipe(language) -> str                        what an entry is made with: index code + language
    cache.load(recipe) -> dict[str, Cached]        every kept entry made that way, by bundle CID
    cache.store(recipe, made, keep, state) -> None add new entries, drop those of other bundles,
                                                   remember the folder made (``State``)
    cache.state() -> State | None                  the last folder made and its articles

An entry (``search.Entry``: the article's terms and their impacts, its headline and date, the
name of its text file) depends only on the shown version, which its bundle CID names, and on
the code that makes it (``search.py``, ``search_build.py``) and the site's language; so a build
tokenises only the articles whose shown version is new to it. The text file's CID and size are
kept beside it, so the ``x/`` folder is linked from the kept CIDs without making the files
again (the build checks that the blockstore still holds them). Each build keeps only the
entries of the versions it shows: an article's earlier versions, a retracted or purged article
leave nothing here after the next build. ``search_state`` names the last folder made and the
versions it holds, so that the next build, when only some articles changed in place
(corrections), reads the chunks of that folder their words fall in and changes only those
(``search.patch``). Opened read-only, or on a catalog it cannot write, the cache is empty and
stores nothing: the index is then made from the articles, with the same bytes.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from permapress.catalog.db import connect
from permapress.site import search

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_entries (
    bundle_cid TEXT NOT NULL,
    recipe     TEXT NOT NULL,
    slug       TEXT NOT NULL,
    headline   TEXT NOT NULL,
    published  TEXT NOT NULL,
    terms      TEXT NOT NULL,
    impacts    BLOB NOT NULL,
    text_name  TEXT NOT NULL,
    text_cid   TEXT NOT NULL,
    text_tsize INTEGER NOT NULL,
    PRIMARY KEY (bundle_cid, recipe)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_state (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    recipe     TEXT NOT NULL,
    folder_cid TEXT NOT NULL,
    bundles    TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class State:
    """The last ``search/`` folder made: its CID and the bundle CIDs of its articles in doc-id
    order (a build patches that folder when only some of them changed)."""

    recipe: str
    folder_cid: str
    bundles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cached:
    entry: search.Entry
    text_cid: str  # the CID of x/<entry.text>.js
    text_tsize: int


def recipe(language: str) -> str:
    """The code that makes entries (``search.py``, and ``search_build.py``, which reads the
    articles for it: their bytes) and the site's language."""
    here = Path(search.__file__)
    sha = hashlib.sha256()
    for source in (here, here.with_name("search_build.py")):
        sha.update(source.read_bytes() + b"\0")
    sha.update(language.encode())
    return sha.hexdigest()[:32]


class EntryCache:
    def __init__(self, catalog_path: Path, *, readonly: bool = False) -> None:
        self._conn: sqlite3.Connection | None = None
        try:
            conn = connect(catalog_path, readonly=readonly)
            conn.execute("PRAGMA busy_timeout = 2000")  # a busy catalog: slower, not stuck
            if not readonly:
                conn.executescript(SCHEMA)
            self._conn = conn
        except sqlite3.Error:
            self._conn = None
        self.readonly = readonly

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> EntryCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, made_by: str) -> dict[str, Cached]:
        if self._conn is None:
            return {}
        try:
            rows = self._conn.execute(
                "SELECT bundle_cid, slug, headline, published, terms, impacts, text_name,"
                " text_cid, text_tsize FROM search_entries WHERE recipe = ?",
                (made_by,),
            ).fetchall()
        except sqlite3.Error:  # a read-only catalog from before this table
            return {}
        return {
            row[0]: Cached(
                search.Entry(row[1], row[2], row[3], row[4], row[5], row[6]), row[7], row[8]
            )  # fmt: skip
            for row in rows
        }

    def state(self) -> State | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT recipe, folder_cid, bundles FROM search_state WHERE one = 1"
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else State(row[0], row[1], tuple(row[2].split()))

    def store(
        self, made_by: str, made: dict[str, Cached], keep: Iterable[str], state: State
    ) -> None:
        """Add the entries ``made`` (by bundle CID); keep no entry but those of ``keep``;
        remember ``state``."""
        if self._conn is None or self.readonly:
            return
        wanted = set(keep) | set(made)
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                known = self._conn.execute(
                    "SELECT bundle_cid, recipe FROM search_entries"
                ).fetchall()
                stale = [(cid, how) for cid, how in known if how != made_by or cid not in wanted]
                self._conn.executemany(
                    "DELETE FROM search_entries WHERE bundle_cid = ? AND recipe = ?", stale
                )
                self._conn.executemany(
                    "INSERT OR REPLACE INTO search_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            cid,
                            made_by,
                            c.entry.slug,
                            c.entry.headline,
                            c.entry.published,
                            c.entry.terms,
                            c.entry.impacts,
                            c.entry.text,
                            c.text_cid,
                            c.text_tsize,
                        )
                        for cid, c in sorted(made.items())
                    ],  # fmt: skip
                )
                self._conn.execute(
                    "INSERT OR REPLACE INTO search_state VALUES (1, ?, ?, ?)",
                    (state.recipe, state.folder_cid, "\n".join(state.bundles)),
                )
        except sqlite3.Error:
            return  # a cache that cannot be written is only slower next time
