"""Which version of an article the last import recorded, and from which source text.

    Mark(slug, number, key)                      the last version an import recorded or matched
    last_import(newsroom, slug) -> Mark | None
    set_mark(newsroom, slug, number, key)

``key`` is the content key of what the source gave (``content_key`` of the article read from
it, without its kept original page), so that an import can tell "the source is as it was when
last imported" from "the source changed". Versions after the mark were made by something other
than an import (``permapress correct``, an editor): an import must not undo them.

The marks live in the newsroom's catalog file, in their own table (``import_marks``), created
on first use (a newsroom made before it simply has no marks yet), through one connection per
open catalog, closed when the catalog object goes away. A mark is written after its
version is stored: a crash in between leaves an older mark, which the next import of the same
text brings up to date (it finds the text unchanged and marks the latest version).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from permapress.errors import CatalogError
from permapress.handle import Newsroom

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS import_marks ("
    "slug TEXT PRIMARY KEY, number INTEGER NOT NULL, content_key TEXT NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class Mark:
    slug: str
    number: int
    key: str


# One connection per open catalog, closed with it (an import records thousands of marks).
_open: dict[int, sqlite3.Connection] = {}


def _close(key: int) -> None:
    conn = _open.pop(key, None)
    if conn is not None:
        conn.close()


def _conn(newsroom: Newsroom) -> sqlite3.Connection:
    key = id(newsroom.catalog)
    conn = _open.get(key)
    if conn is None:
        path = newsroom.config.catalog_path
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
            conn.execute("PRAGMA synchronous=NORMAL")  # as the catalog's writer: WAL, no fsync
            conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise CatalogError(f"{path}: cannot open the import marks ({exc})") from None
        _open[key] = conn
        weakref.finalize(newsroom.catalog, _close, key)
    return conn


@contextmanager
def _connection(newsroom: Newsroom) -> Iterator[sqlite3.Connection]:
    try:
        yield _conn(newsroom)
    except sqlite3.Error as exc:
        path = newsroom.config.catalog_path
        raise CatalogError(f"{path}: cannot read or write the import marks ({exc})") from None


def last_import(newsroom: Newsroom, slug: str) -> Mark | None:
    """The version of ``slug`` the last import recorded (or found unchanged), if any."""
    with _connection(newsroom) as conn:
        row = conn.execute(
            "SELECT number, content_key FROM import_marks WHERE slug = ?", (slug,)
        ).fetchone()
    return Mark(slug, int(row[0]), str(row[1])) if row else None


def set_mark(newsroom: Newsroom, slug: str, number: int, key: str) -> None:
    """Remember that version ``number`` of ``slug`` is what the source with ``key`` gave."""
    with _connection(newsroom) as conn:
        conn.execute(
            "INSERT INTO import_marks (slug, number, content_key) VALUES (?, ?, ?) "
            "ON CONFLICT(slug) DO UPDATE SET number = excluded.number, "
            "content_key = excluded.content_key",
            (slug, number, key),
        )
