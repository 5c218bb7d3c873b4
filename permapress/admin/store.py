"""admin.sqlite: the admin's own tables, in a file of their own beside catalog.sqlite.

    AdminStore(path), AdminStore.open(home)   the file, created (mode 0600) when missing
    .transaction(), .query(sql, args), .execute(sql, args)
    .user(id), .user_by_email(email), .users(), .draft(slug), .due_drafts(now),
    .media_items(slug), .index_article(conn, row, tags), .index_row(slug), .sync_state()

The tables, one by one, are described in ``schema.py``; their rows as values are in
``rows.py`` (importable from here as before).

Why a file of its own: it holds password hashes and session secrets, which must never travel
with the catalog (mirrors and backups of the published record); it is created with mode 0600.
The catalog stays the record of what was published; the admin never writes it except through
the newsroom operations (``workflow.py``).

One connection (WAL, busy timeout), guarded by a lock: the web app's handlers and the
scheduler's thread share it. Writes that must not interleave (a save against a revision) are
single statements or run inside ``transaction``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from permapress.admin.rows import (
    DRAFT_COLUMNS,
    USER_COLUMNS,
    Draft,
    IndexRow,
    MediaItem,
    User,
    draft_of,
    dumps,
    facet,
    facets,
    index_row_of,
    index_rows,
    user_of,
)
from permapress.admin.schema import ADMIN_FILE, SCHEMA, SCHEMA_VERSION
from permapress.errors import CatalogError


class AdminStore:
    """admin.sqlite, opened (and created, mode 0600) for reading and writing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        created = not path.exists()
        try:
            if created:
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise CatalogError(f"{path}: cannot open the admin database ({exc})") from None
        self._conn = conn
        self._lock = threading.RLock()

    @classmethod
    def open(cls, home: Path) -> AdminStore:
        return cls(home / ADMIN_FILE)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AdminStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, inside one write transaction (the lock held throughout)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, args).fetchall())

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """One write statement; returns the number of rows it changed."""
        with self._lock:
            return self._conn.execute(sql, args).rowcount

    # --- users ---------------------------------------------------------------------------

    def user(self, user_id: str) -> User | None:
        rows = self.query(f"SELECT {USER_COLUMNS} FROM admin_users WHERE id = ?", (user_id,))
        return user_of(rows[0]) if rows else None

    def user_by_email(self, email: str) -> User | None:
        rows = self.query(
            f"SELECT {USER_COLUMNS} FROM admin_users WHERE email = ?", (email.strip(),)
        )
        return user_of(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [
            user_of(r)
            for r in self.query(f"SELECT {USER_COLUMNS} FROM admin_users ORDER BY created, email")
        ]

    def password_hash(self, user_id: str) -> str | None:
        rows = self.query("SELECT password FROM admin_users WHERE id = ?", (user_id,))
        return rows[0][0] if rows else None

    def totp_secret(self, user_id: str) -> str | None:
        rows = self.query("SELECT totp FROM admin_users WHERE id = ?", (user_id,))
        return rows[0][0] if rows else None

    # --- articles ------------------------------------------------------------------------

    def draft(self, slug: str) -> Draft | None:
        rows = self.query(f"SELECT {DRAFT_COLUMNS} FROM admin_articles WHERE slug = ?", (slug,))
        return draft_of(rows[0]) if rows else None

    def due_drafts(self, now_iso: str) -> list[Draft]:
        return [
            draft_of(r)
            for r in self.query(
                f"SELECT {DRAFT_COLUMNS} FROM admin_articles WHERE status = 'scheduled' "
                "AND publish_at <= ? ORDER BY publish_at, slug",
                (now_iso,),
            )
        ]

    def media_items(self, slug: str | None = None) -> list[MediaItem]:
        where, args = ("WHERE slug = ?", (slug,)) if slug is not None else ("", ())
        return [
            MediaItem(*r)
            for r in self.query(
                "SELECT id, slug, name, media_type, cid, size, uploaded, user_id "
                f"FROM admin_media {where} ORDER BY id DESC",
                args,
            )
        ]

    # --- the article list's index ---------------------------------------------------------

    def index_article(self, conn: sqlite3.Connection, row: IndexRow, tags: Sequence[str]) -> None:
        """Put (or replace) one article in the list's index; call inside ``transaction``.

        The search row has the index row's rowid (kept by the upsert), so replacing it is a
        lookup by rowid, never a scan of the search table."""
        old = conn.execute("SELECT rowid FROM admin_index WHERE slug = ?", (row.slug,)).fetchone()
        if old is not None:
            conn.execute("DELETE FROM admin_index_terms WHERE slug = ?", (row.slug,))
            conn.execute("DELETE FROM admin_fts WHERE rowid = ?", (old[0],))
        rowid = conn.execute(
            "INSERT INTO admin_index (slug, headline, status, owner, updated, published, summary, "
            "sections, authors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE "
            "SET headline = excluded.headline, status = excluded.status, owner = excluded.owner, "
            "updated = excluded.updated, published = excluded.published, "
            "summary = excluded.summary, sections = excluded.sections, authors = excluded.authors "
            "RETURNING rowid",
            (row.slug, row.headline, row.status, row.owner, row.updated, row.published,
             row.summary, dumps(row.sections), dumps(row.authors)),
        ).fetchone()[0]  # fmt: skip
        terms = {("section", s.casefold()) for s in row.sections}
        terms |= {("author", a.casefold()) for a in row.authors}
        conn.executemany(
            "INSERT OR IGNORE INTO admin_index_terms (kind, value, updated, slug) "
            "VALUES (?, ?, ?, ?)",
            [(kind, value, row.updated, row.slug) for kind, value in sorted(terms)],
        )
        conn.execute(
            "INSERT INTO admin_fts (rowid, slug, headline, summary, authors, tags, facets) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rowid, row.slug, row.headline, row.summary, " ".join(row.authors), " ".join(tags),
             " ".join(facets(row))),
        )

    def optimize_search(self) -> None:
        """Merge the search index into one segment (after a bulk load: the first reading of a
        large catalog), so each lookup of the list's walk reads one b-tree, not dozens."""
        self.execute("INSERT INTO admin_fts (admin_fts) VALUES ('optimize')")

    def index_row(self, slug: str) -> IndexRow | None:
        rows = self.query(
            "SELECT slug, headline, status, owner, updated, published, summary, sections, authors "
            "FROM admin_index WHERE slug = ?",
            (slug,),
        )
        return index_row_of(rows[0]) if rows else None

    def sync_state(self) -> tuple[int, int]:
        rows = self.query("SELECT versions, log FROM admin_sync WHERE id = 1")
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


__all__ = ["ADMIN_FILE", "AdminStore", "Draft", "IndexRow", "MediaItem", "User", "dumps",
           "facet", "index_rows"]  # fmt: skip
