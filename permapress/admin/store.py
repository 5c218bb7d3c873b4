"""admin.sqlite: the admin's own tables, in a file of their own beside catalog.sqlite.

    admin_users      id (stable, ``u_…``; never the email), email, name, role, owner flag,
                     status invited | active | removed, argon2id hash, TOTP secret, invite link
                     hash and expiry
    admin_sessions   sign-in sessions: SHA-256 of the cookie, CSRF token, expiry
    admin_tokens     API tokens (SHA-256 of each), revoked or not
    admin_failures   failed sign-ins per account and per address (the rate limit's memory)
    admin_articles   the editable copy of each article worked on in the admin: the fields as
                     JSON, its workflow status (draft | submitted | scheduled | published |
                     retracted), owner, revision counter (one per save), publish_at, and the
                     revision last published
    admin_revisions  every saved revision of a draft (and every refused conflicting save), so
                     nothing typed is lost; never public
    admin_previews   preview links (SHA-256 of the secret, article, expiry)
    admin_media      images uploaded for an article (bytes in the blockstore by CID)
    admin_index      one row per article (catalog and admin alike) for the article list:
                     headline, status, owner, dates; admin_index_terms (sections, authors, in
                     the order of the last change, so a filtered page is one index range) and
                     admin_fts (FTS5 over headline, summary, authors, tags, and the filters as
                     tokens of their own, so a search with filters is one FTS5 query)
    admin_sync       how far admin_index has read the catalog (versions rowid, log seq)

Why a file of its own: it holds password hashes and session secrets, which must never travel
with the catalog (mirrors and backups of the published record); it is created with mode 0600.
The catalog stays the record of what was published; the admin never writes it except through
the newsroom operations (``workflow.py``).

One connection (WAL, busy timeout), guarded by a lock: the web app's handlers and the
scheduler's thread share it. Writes that must not interleave (a save against a revision) are
single statements or run inside ``transaction``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from permapress.errors import CatalogError

ADMIN_FILE = "admin.sqlite"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS admin_users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name           TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('contributor', 'author', 'editor', 'admin')),
    owner          INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('invited', 'active', 'removed')),
    password       TEXT,
    totp           TEXT,
    created        TEXT NOT NULL,
    invite_hash    TEXT UNIQUE,
    invite_expires REAL
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    id_hash  TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL,
    csrf     TEXT NOT NULL,
    created  REAL NOT NULL,
    expires  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_sessions_user ON admin_sessions(user_id);
CREATE TABLE IF NOT EXISTS admin_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    created    TEXT NOT NULL,
    revoked    TEXT
);
CREATE TABLE IF NOT EXISTS admin_failures (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_failures_key ON admin_failures(key, at);
CREATE TABLE IF NOT EXISTS admin_articles (
    slug       TEXT PRIMARY KEY,
    owner      TEXT,
    status     TEXT NOT NULL
               CHECK (status IN ('draft', 'submitted', 'scheduled', 'published', 'retracted')),
    revision   INTEGER NOT NULL,
    data       TEXT NOT NULL,
    created    TEXT NOT NULL,
    updated    TEXT NOT NULL,
    updated_by TEXT,
    publish_at TEXT,
    published_revision INTEGER
);
CREATE INDEX IF NOT EXISTS admin_articles_due ON admin_articles(publish_at)
    WHERE status = 'scheduled';
CREATE TABLE IF NOT EXISTS admin_revisions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    slug     TEXT NOT NULL,
    revision INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('save', 'conflict')),
    data     TEXT NOT NULL,
    saved    TEXT NOT NULL,
    user_id  TEXT
);
CREATE INDEX IF NOT EXISTS admin_revisions_slug ON admin_revisions(slug, id);
CREATE TABLE IF NOT EXISTS admin_previews (
    token_hash TEXT PRIMARY KEY,
    slug       TEXT NOT NULL,
    expires    REAL NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admin_media (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    cid        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    uploaded   TEXT NOT NULL,
    user_id    TEXT,
    UNIQUE (slug, name)
);
CREATE TABLE IF NOT EXISTS admin_index (
    slug      TEXT PRIMARY KEY,
    headline  TEXT NOT NULL,
    status    TEXT NOT NULL,
    owner     TEXT,
    updated   TEXT NOT NULL,
    published TEXT NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    sections  TEXT NOT NULL DEFAULT '[]',
    authors   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS admin_index_updated ON admin_index(updated, slug);
CREATE INDEX IF NOT EXISTS admin_index_status ON admin_index(status, updated, slug);
CREATE INDEX IF NOT EXISTS admin_index_owner ON admin_index(owner, updated, slug);
CREATE TABLE IF NOT EXISTS admin_index_terms (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    updated TEXT NOT NULL,
    slug    TEXT NOT NULL,
    PRIMARY KEY (kind, value, updated, slug)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS admin_index_terms_slug ON admin_index_terms(slug);
CREATE VIRTUAL TABLE IF NOT EXISTS admin_fts USING fts5(
    slug UNINDEXED, headline, summary, authors, tags, facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS admin_fts_terms USING fts5vocab(admin_fts, 'row');
CREATE TABLE IF NOT EXISTS admin_sync (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    versions INTEGER NOT NULL,
    log      INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    role: str
    owner: bool
    status: str
    has_password: bool
    totp: bool
    created: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "email": self.email, "name": self.name, "role": self.role,
            "owner": self.owner, "status": self.status, "totp": self.totp,
            "created": self.created,
        }  # fmt: skip


_USER_COLUMNS = (
    "id, email, name, role, owner, status, password IS NOT NULL, totp IS NOT NULL, created"
)


def _user(row: Sequence[Any]) -> User:
    return User(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), bool(row[4]), str(row[5]),
        bool(row[6]), bool(row[7]), str(row[8]),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Draft:
    """An article's editable copy in the admin."""

    slug: str
    owner: str | None
    status: str
    revision: int
    data: dict[str, Any]
    created: str
    updated: str
    updated_by: str | None
    publish_at: str | None
    published_revision: int | None  # the revision last published (None: never)


_DRAFT_COLUMNS = (
    "slug, owner, status, revision, data, created, updated, updated_by, publish_at, "
    "published_revision"
)


def _draft(row: Sequence[Any]) -> Draft:
    return Draft(
        str(row[0]), row[1], str(row[2]), int(row[3]), json.loads(row[4]), str(row[5]),
        str(row[6]), row[7], row[8], row[9],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MediaItem:
    id: int
    slug: str
    name: str
    media_type: str
    cid: str
    size: int
    uploaded: str
    user_id: str | None


@dataclass(frozen=True, slots=True)
class IndexRow:
    slug: str
    headline: str
    status: str
    owner: str | None
    updated: str
    published: str
    summary: str
    sections: list[str]
    authors: list[str]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
        rows = self.query(f"SELECT {_USER_COLUMNS} FROM admin_users WHERE id = ?", (user_id,))
        return _user(rows[0]) if rows else None

    def user_by_email(self, email: str) -> User | None:
        rows = self.query(
            f"SELECT {_USER_COLUMNS} FROM admin_users WHERE email = ?", (email.strip(),)
        )
        return _user(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [
            _user(r)
            for r in self.query(f"SELECT {_USER_COLUMNS} FROM admin_users ORDER BY created, email")
        ]

    def password_hash(self, user_id: str) -> str | None:
        rows = self.query("SELECT password FROM admin_users WHERE id = ?", (user_id,))
        return rows[0][0] if rows else None

    def totp_secret(self, user_id: str) -> str | None:
        rows = self.query("SELECT totp FROM admin_users WHERE id = ?", (user_id,))
        return rows[0][0] if rows else None

    # --- articles ------------------------------------------------------------------------

    def draft(self, slug: str) -> Draft | None:
        rows = self.query(f"SELECT {_DRAFT_COLUMNS} FROM admin_articles WHERE slug = ?", (slug,))
        return _draft(rows[0]) if rows else None

    def due_drafts(self, now_iso: str) -> list[Draft]:
        return [
            _draft(r)
            for r in self.query(
                f"SELECT {_DRAFT_COLUMNS} FROM admin_articles WHERE status = 'scheduled' "
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
        return _index_row(rows[0]) if rows else None

    def sync_state(self) -> tuple[int, int]:
        rows = self.query("SELECT versions, log FROM admin_sync WHERE id = 1")
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


def facet(kind: str, value: str) -> str:
    """One filter as a search token of its own: the kind's letter and a digest of the value
    (letters and digits only, so the tokenizer keeps it whole)."""
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8")).hexdigest()[:16]
    return f"z{kind[0]}{digest}"


def facets(row: IndexRow) -> list[str]:
    found = [facet("status", row.status), facet("owner", row.owner or "")]
    found += [facet("section", s) for s in row.sections]
    found += [facet("author", a) for a in row.authors]
    return found


def _index_row(r: Sequence[Any]) -> IndexRow:
    return IndexRow(
        str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]), str(r[6]),
        json.loads(r[7]), json.loads(r[8]),
    )  # fmt: skip


def index_rows(rows: Sequence[Sequence[Any]]) -> list[IndexRow]:
    return [_index_row(r) for r in rows]
