"""What each article adds to the search index, kept between builds: the ``search_entries`` table.

    EntryCache(catalog_path, readonly=False)       one connection of its own (WAL, busy timeout)
    recipe(language, profile) -> str               what an entry is made with: index code,
                                                   language and import profile
    remember(catalog, put, language, profile, row, made=None)
                                                   the entry of a version just recorded, kept
                                                   through the catalog's own connection
    make(row, language, profile, sink) -> Cached   an entry and its text folder's blocks
    make_meta(meta, language, profile, sink)       the same from a version's meta JSON
    search_doc(row) -> SearchDoc                   what the index reads of a version
    cache.load(recipe) -> dict[str, Cached]        every kept entry made that way, by bundle CID
    cache.store(recipe, made, keep, state) -> None add new entries, drop those of other bundles,
                                                   remember the folder made (``State``)
    cache.state() -> State | None                  the last folder made and its articles

An entry (``search.Entry``: the article's terms and their impacts, its headline and date, the
name of its text folder) depends only on the shown version, which its bundle CID names, and on
the code that makes it (``search.py``, ``search_words.py``, this module), the site's language
and the import profile (the text folder's CID). It is made once, when the version is recorded
(``remember``, called by ``newsroom/record.py`` inside the import's transaction), so the first
build after an import reads and tokenises no article; a build makes only the entries it does
not find (versions recorded by an older permapress, or after this code changed). The text
folder's CID and size are kept beside it, so the ``x/`` folder is linked from the kept CIDs
without making the pieces again (the build checks that the blockstore still holds the folder's
block, which is written after its pieces). Each
build keeps only the entries of the versions it shows (and the versions recorded since it read
them): an article's earlier versions, a retracted or purged article leave nothing here after
the next build. ``search_state`` names the last folder made and the
versions it holds, so that the next build, when only some articles changed in place
(corrections), reads the chunks of that folder their words fall in and changes only those
(``search_patch.py``). Opened read-only, or on a catalog it cannot write, the cache is empty and
stores nothing: the index is then made from the articles, with the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from permapress.catalog import Catalog, VersionRow
from permapress.catalog.db import connect
from permapress.errors import PermapressError
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import Profile
from permapress.site import search, search_words
from permapress.site.search import SearchDoc

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
    UNIQUE (bundle_cid, recipe)
);
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
    text_cid: str  # the CID of the folder x/<entry.text>/ (its text pieces)
    text_tsize: int


@lru_cache(maxsize=16)
def recipe(language: str, profile: str) -> str:
    """The code that makes entries (``search.py``, ``search_words.py`` and this module, which
    reads the articles for it: their bytes), the site's language and the import profile (the
    name of a ``Profile``: it makes the text folder's CID)."""
    sha = hashlib.sha256()
    for module in (search, search_words):
        sha.update(Path(module.__file__ or "").read_bytes() + b"\0")
    sha.update(Path(__file__).read_bytes() + b"\0")
    sha.update(f"{language}\0{profile}".encode())
    return sha.hexdigest()[:32]


def search_doc(row: VersionRow) -> SearchDoc:
    """What the index reads of a version: its fields from the catalog's ``meta`` JSON."""
    return _doc(row.meta)


def _doc(meta: str) -> SearchDoc:
    data = json.loads(meta)
    return SearchDoc(
        slug=data["slug"],
        headline=data["headline"],
        summary=data["summary"],
        body=data.get("body", ""),
        authors=tuple(data["authors"]),
        categories=tuple(data["categories"]),
        published=data["published"],
    )


def make(
    row: VersionRow, language: str, profile: Profile, sink: Callable[[CID, bytes], None]
) -> Cached:
    """The entry of a version (its meta with the body) and its text folder (``x/<name>/``),
    whose blocks go to ``sink``."""
    return make_meta(row.meta, language, profile, sink)


def make_meta(
    meta: str, language: str, profile: Profile, sink: Callable[[CID, bytes], None]
) -> Cached:
    """``make`` from a version's catalog ``meta`` JSON alone (an import's reader process makes
    the entry with the bundle, before the version has a row)."""
    made, texts = search.entry(_doc(meta), language)
    node = import_tree(dict(texts), profile, sink)
    return Cached(made, str(node.cid), node.tsize)


_INSERT = "INSERT OR REPLACE INTO search_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _values(cid: str, made_by: str, c: Cached) -> tuple[object, ...]:
    e = c.entry
    return (cid, made_by, e.slug, e.headline, e.published, e.terms, e.impacts, e.text,
            c.text_cid, c.text_tsize)  # fmt: skip


def remember(
    catalog: Catalog,
    put: Callable[[CID, bytes], None],
    language: str,
    profile: Profile,
    row: VersionRow,
    *,
    made: Cached | None = None,
    put_many: Callable[[list[tuple[CID, bytes]]], object] | None = None,
) -> None:
    """Make and keep the entry of a version just recorded (``row``, with its meta), through
    the catalog's connection: inside the caller's transaction when one is open (an import's
    batch), so a version and its entry are kept together. Its text folder's blocks go to
    ``put`` (the blockstore's), or all at once to ``put_many`` when given (a file blockstore
    packs them into one file). ``made``: the entry as ``make_meta`` made it from this row's
    meta with the same language and profile, its blocks stored already (an import's reader
    process). A catalog that cannot take it keeps nothing: the build makes the entry then."""
    if catalog.readonly:
        return
    made_by = recipe(language, profile.name)
    blocks: list[tuple[CID, bytes]] = []
    try:
        kept = made or make(row, language, profile, lambda cid, data: blocks.append((cid, data)))
        if put_many is not None:
            put_many(blocks)
        else:
            for cid, data in blocks:
                put(cid, data)
        conn = catalog.connection
        values = _values(row.bundle_cid, made_by, kept)
        try:
            conn.execute(_INSERT, values)
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            for statement in SCHEMA.split(";"):  # one by one: executescript would commit
                if statement.strip():
                    conn.execute(statement)
            conn.execute(_INSERT, values)
    except (sqlite3.Error, PermapressError):
        return  # only slower: the build makes the entry


def _renew(conn: sqlite3.Connection) -> None:
    """Drop a ``search_entries`` table that an older permapress made WITHOUT ROWID. Its rows
    were placed by their bundle CID, a hash: each new row went to a random page of a table
    of about 1 kB a row, so a batch of an import wrote as many pages as rows (51 -> 80 us a
    row from 10,000 to 100,000 rows, against 13 -> 30 for rows appended with a separate index
    on the key). Nothing of it is lost: its entries were made by code with another recipe."""
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_entries'"
    ).fetchone()
    if found is not None and "WITHOUT ROWID" in found[0].upper():
        conn.execute("DROP TABLE search_entries")


class EntryCache:
    def __init__(self, catalog_path: Path, *, readonly: bool = False) -> None:
        self._conn: sqlite3.Connection | None = None
        try:
            conn = connect(catalog_path, readonly=readonly)
            conn.execute("PRAGMA busy_timeout = 2000")  # a busy catalog: slower, not stuck
            if not readonly:
                _renew(conn)
                conn.executescript(SCHEMA)
            self._conn = conn
        except sqlite3.Error:
            self._conn = None
        self.readonly = readonly
        self._seen: set[str] = set()  # the bundle CIDs ``load`` found

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> EntryCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, made_by: str, bundles: Iterable[str] | None = None) -> dict[str, Cached]:
        """The kept entries made by ``made_by`` (only those of ``bundles`` when given)."""
        if self._conn is None:
            return {}
        query = ("SELECT bundle_cid, slug, headline, published, terms, impacts, text_name,"
                 " text_cid, text_tsize FROM search_entries WHERE recipe = ?")  # fmt: skip
        try:
            if bundles is None:
                rows = self._conn.execute(query, (made_by,)).fetchall()
            else:
                wanted, rows = sorted(set(bundles)), []
                for start in range(0, len(wanted), 500):  # SQLite's limit on parameters
                    part = wanted[start : start + 500]
                    marks = ",".join("?" * len(part))
                    rows += self._conn.execute(f"{query} AND bundle_cid IN ({marks})",
                                               (made_by, *part)).fetchall()  # fmt: skip
        except sqlite3.Error:  # a read-only catalog from before this table
            return {}
        self._seen |= {row[0] for row in rows}  # a big build loads them in batches
        return {
            row[0]: Cached(
                search.Entry(row[1], row[2], row[3], row[4], row[5], row[6]), row[7], row[8]
            )  # fmt: skip
            for row in rows
        }

    def seen(self, made_by: str) -> None:
        """Count every kept entry made by ``made_by`` as found (``store`` then drops those it is
        not told to keep), without reading them: for a build that loads them in batches."""
        if self._conn is None:
            return
        try:
            query = "SELECT bundle_cid FROM search_entries WHERE recipe = ?"
            self._seen |= {row[0] for row in self._conn.execute(query, (made_by,))}
        except sqlite3.Error:
            return

    def add(self, made_by: str, made: dict[str, Cached]) -> None:
        """Keep the entries ``made`` now, in a transaction of their own (a big build adds them
        a batch at a time instead of holding them all until ``store``)."""
        if self._conn is None or self.readonly or not made:
            return
        try:
            with self._conn:
                rows = [_values(cid, made_by, c) for cid, c in sorted(made.items())]
                self._conn.executemany(_INSERT, rows)
        except sqlite3.Error:
            return  # only slower next time

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
        """Add the entries ``made`` (by bundle CID); of those ``load`` found, keep none but
        those of ``keep`` (an entry kept since, by ``remember``, stays for the next build);
        drop every entry made another way; remember ``state``."""
        if self._conn is None or self.readonly:
            return
        wanted = set(keep) | set(made)
        seen = self._seen
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                known = self._conn.execute(
                    "SELECT bundle_cid, recipe FROM search_entries"
                ).fetchall()
                stale = [
                    (cid, how)
                    for cid, how in known
                    if how != made_by or (cid in seen and cid not in wanted)
                ]
                self._conn.executemany(
                    "DELETE FROM search_entries WHERE bundle_cid = ? AND recipe = ?", stale
                )
                self._conn.executemany(
                    _INSERT, [_values(cid, made_by, c) for cid, c in sorted(made.items())]
                )
                self._conn.execute(
                    "INSERT OR REPLACE INTO search_state VALUES (1, ?, ?, ?)",
                    (state.recipe, state.folder_cid, "\n".join(state.bundles)),
                )
        except sqlite3.Error:
            return  # a cache that cannot be written is only slower next time
