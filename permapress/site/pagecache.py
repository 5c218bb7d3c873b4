"""The site build's page cache: the ``page_cache`` and ``build_state`` tables in catalog.sqlite.

    page_cache   path -> what the file was made from (its fingerprint), its CID, tsize and size
                 (for a folder: its page count); "#hamt/<folder><shard>" rows remember the
                 sub-shards of a big folder, "#state" vouches for the build state
    build_state  one row: what the last build left for the next one (``state.State``, JSON)

    PageCache(catalog)
        .create()                      the tables, on a catalog open for writing (a build does it)
        .pages(inside_articles=True)   every row; without the files inside article folders
        .page(path) / .under(folder)   one row / the rows inside a folder (an index range scan)
        .store(rows) / .forget(paths)
        .state() / .save_state(text)   the build state, while the cache holds its checksum
    Spool(folder)                      rows a big build made, kept in a temporary SQLite file
        .add(rows) / .rows() / .close()   (next to the catalog) until the build records them

The site owns these tables; the catalog knows nothing of them. They live in the catalog's file
and are written through its connection, inside ``Catalog.transaction()``, so that a build's
pages, its state and its root (``Catalog.add_build``) are kept together or not at all. Read
from a catalog that has never been built (or opened read-only before any build), the cache is
empty. Clearing ``page_cache`` clears the state too.

A cold build of 100,000 articles makes over 200,000 rows; held as Python objects until the
build is recorded they cost the building process about 300 MiB. ``Spool`` writes them to a
temporary file as the article folders come back, and ``store_rows`` copies them into
``page_cache`` in the build's final transaction (the file is only a buffer: it is deleted
whatever happens, and nothing of it counts until that transaction commits).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from permapress.catalog import Catalog

SCHEMA = """
CREATE TABLE IF NOT EXISTS build_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS page_cache (
    path        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    cid         TEXT NOT NULL,
    tsize       INTEGER NOT NULL,
    size        INTEGER NOT NULL
);
"""

# The page-cache row that vouches for the build state (its fingerprint is the state's SHA-256).
STATE_PATH = "#state"


@dataclass(frozen=True, slots=True)
class CachedPage:
    fingerprint: str
    cid: str
    tsize: int
    size: int

    def __reduce__(self) -> tuple[type[CachedPage], tuple[str, str, int, int]]:
        """Pickled as its fields (see ``CID.__reduce__``)."""
        return CachedPage, (self.fingerprint, self.cid, self.tsize, self.size)


class PageCache:
    """The page cache of the catalog's file, through the catalog's connection."""

    def __init__(self, catalog: Catalog) -> None:
        self._conn = catalog.connection

    def create(self) -> None:
        self._conn.executescript(SCHEMA)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []  # never built: nothing cached
            raise

    def pages(self, *, inside_articles: bool = True) -> dict[str, CachedPage]:
        """Every row; without ``inside_articles``, the files inside article folders are left
        out (the folders themselves are in): load those with ``under``."""
        sql = "SELECT path, fingerprint, cid, tsize, size FROM page_cache"
        if not inside_articles:
            sql += " WHERE NOT (path GLOB 'articles/*/?*')"
        return {row[0]: CachedPage(*row[1:]) for row in self._rows(sql)}

    def page(self, path: str) -> CachedPage | None:
        rows = self._rows(
            "SELECT fingerprint, cid, tsize, size FROM page_cache WHERE path = ?", (path,)
        )
        return CachedPage(*rows[0]) if rows else None

    def under(self, folder: str) -> dict[str, CachedPage]:
        """The cached files inside ``folder`` (which ends with "/"), by an index range scan."""
        upper = folder[:-1] + chr(ord(folder[-1]) + 1)
        rows = self._rows(
            "SELECT path, fingerprint, cid, tsize, size FROM page_cache "
            "WHERE path > ? AND path < ?",
            (folder, upper),
        )
        return {row[0]: CachedPage(*row[1:]) for row in rows}

    def store(self, pages: Sequence[tuple[str, CachedPage]]) -> None:
        self.store_rows(_plain(pages))

    def store_rows(self, rows: Iterable[tuple[str, str, str, int, int]]) -> None:
        """Store plain rows (path, fingerprint, cid, tsize, size), as a ``Spool`` gives them."""
        self._conn.executemany(
            "INSERT OR REPLACE INTO page_cache (path, fingerprint, cid, tsize, size) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def forget(self, paths: Sequence[str]) -> None:
        self._conn.executemany("DELETE FROM page_cache WHERE path = ?", [(p,) for p in paths])

    def state(self) -> str | None:
        """What the last build left for the next one (``patch.py``), or None. It counts only
        while the page cache still holds its checksum: clearing the cache clears the state."""
        rows = self._rows(
            "SELECT s.state, p.fingerprint FROM build_state s "
            "JOIN page_cache p ON p.path = ? WHERE s.id = 1",
            (STATE_PATH,),
        )
        if not rows or hashlib.sha256(rows[0][0].encode()).hexdigest() != rows[0][1]:
            return None
        return str(rows[0][0])

    def save_state(self, state: str) -> None:
        digest = hashlib.sha256(state.encode()).hexdigest()
        self._conn.execute("INSERT OR REPLACE INTO build_state (id, state) VALUES (1, ?)", (state,))
        self.store([(STATE_PATH, CachedPage(digest, "", 0, 0))])


# Rows a ``Spool`` holds in memory before it writes them out in one transaction: written as
# they came, each row was a transaction of its own (autocommit), about 60 us a folder of 8
# (6 s of a 100,000-article build's taking in of results).
_SPOOL_ROWS = 4096


class Spool:
    """Page-cache rows kept in a temporary SQLite file (in ``folder``) instead of memory, in the
    order they were added (a few thousand at a time). ``close`` deletes the file."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        handle, self._path = tempfile.mkstemp(prefix=".build-pages-", suffix=".sqlite", dir=folder)
        os.close(handle)
        self._conn = sqlite3.connect(self._path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = OFF")
        self._conn.execute("PRAGMA synchronous = OFF")
        self._conn.execute(
            "CREATE TABLE rows (path TEXT, fingerprint TEXT, cid TEXT, tsize INTEGER, size INTEGER)"
        )
        self._waiting: list[tuple[str, str, str, int, int]] = []

    def add(self, rows: Sequence[tuple[str, CachedPage]]) -> None:
        self._waiting += _plain(rows)
        if len(self._waiting) >= _SPOOL_ROWS:
            self._write()

    def _write(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        with self._conn:  # one transaction (autocommit would make one of each row)
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", waiting)

    def rows(self) -> Iterator[tuple[str, str, str, int, int]]:
        self._write()
        yield from self._conn.execute("SELECT * FROM rows ORDER BY rowid")

    def close(self) -> None:
        self._conn.close()
        Path(self._path).unlink(missing_ok=True)


def _plain(pages: Sequence[tuple[str, CachedPage]]) -> list[tuple[str, str, str, int, int]]:
    """Rows as the tables hold them: (path, fingerprint, cid, tsize, size)."""
    return [(path, p.fingerprint, p.cid, p.tsize, p.size) for path, p in pages]
