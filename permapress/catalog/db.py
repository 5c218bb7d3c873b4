"""The newsroom catalog: one SQLite file that holds every article and every version.

    articles   slug, source key, status (published | draft | retracted), first seen, and for a
               retraction its reason, time and whether the blocks were purged
    versions   one row per version: number, content key, bundle CID and size, the article.md
               text, the metadata as JSON, the correction note, when it was recorded, and the
               signed version record (its bytes, CID and signature)
    log        the publisher log: one signed, hash-chained entry per publish, correction,
               retraction and purge (see ``permapress.trust.log``)
    media      the media files of each version (their bytes live in the blockstore)
    search     FTS5 index of the current version's headline, summary and body
    builds     every site root built, newest last

Other layers keep their own tables in the same file: the site build's page cache
(``site/pagecache.py``), publishing (``publish/state.py``).

One writer (``Catalog.open(path)``), any number of read-only readers
(``Catalog.open(path, readonly=True)``). The file is readable with any SQLite tool.

The tables and their migrations are in ``schema.py``, the rows in ``rows.py``, connections
and transactions in ``connection.py``, the writes to ``search`` in ``fulltext.py``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from permapress.catalog.connection import Batch, connect, immediate_transaction
from permapress.catalog.fulltext import Fulltext
from permapress.catalog.rows import (
    ARTICLE_COLUMNS,
    VERSION_COLUMNS,
    ArticleRow,
    MediaRow,
    VersionRow,
    article_row,
)
from permapress.catalog.schema import SCHEMA_VERSION, SKELETON, migrate
from permapress.errors import CatalogError

__all__ = [
    "SCHEMA_VERSION",
    "ArticleRow",
    "Batch",
    "Catalog",
    "MediaRow",
    "VersionRow",
    "connect",
    "immediate_transaction",
]


# A version's row with its skeleton, worked out by SQLite from the meta given (the columns given
# are named in a subquery, so the skeleton's expression reads ``meta`` as from the row) in the
# one statement, instead of an UPDATE after the INSERT.
_INSERT_VERSION = (
    f"INSERT INTO versions ({VERSION_COLUMNS}, skeleton) SELECT *, {SKELETON} FROM "
    f"(SELECT {', '.join(f'? AS {name.strip()}' for name in VERSION_COLUMNS.split(','))})"
)


class Catalog:
    """Access to catalog.sqlite. Use as a context manager or call ``close``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self._fulltext = Fulltext(conn)
        self.path = path
        self.readonly = readonly

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False, create: bool = False) -> Catalog:
        if not create and not path.exists():
            raise CatalogError(f"{path}: catalog missing; is this a newsroom folder?")
        try:
            conn = connect(path, readonly=readonly)
            if not readonly:
                migrate(conn)
        except sqlite3.Error as exc:
            raise CatalogError(f"{path}: cannot open the catalog ({exc})") from None
        return cls(conn, path, readonly)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for a layer that keeps its own tables in this file and writes them
        inside ``transaction()`` (the site build's page cache)."""
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen together or not at all."""
        with self._fulltext.step(), immediate_transaction(self._conn):
            yield

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Writes grouped into transactions (see ``Batch``). What was written is committed on
        leaving, whatever the reason: every step inside left the catalog whole. The full-text
        entries of a transaction are written just before it commits (``fulltext``)."""
        batch = Batch(
            self._conn, before_commit=self._fulltext.flush, discard=self._fulltext.hold
        )
        self._fulltext.hold()
        try:
            yield batch
        finally:
            try:
                batch.commit()
            finally:
                self._fulltext.drop()

    # --- articles -------------------------------------------------------------------------

    def article(self, slug: str) -> ArticleRow | None:
        row = self._conn.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE slug = ?", (slug,)
        ).fetchone()
        return article_row(row) if row else None

    def article_by_source(self, source: str) -> ArticleRow | None:
        row = self._conn.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE source = ?", (source,)
        ).fetchone()
        return article_row(row) if row else None

    def articles(self, status: str | None = None) -> list[ArticleRow]:
        sql = f"SELECT {ARTICLE_COLUMNS} FROM articles"
        args: tuple[str, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            args = (status,)
        return [article_row(row) for row in self._conn.execute(sql + " ORDER BY slug", args)]

    def add_article(self, slug: str, source: str | None, status: str, first_seen: str) -> None:
        self._conn.execute(
            "INSERT INTO articles (slug, source, status, first_seen) VALUES (?, ?, ?, ?)",
            (slug, source, status, first_seen),
        )

    def set_status(self, slug: str, status: str, reason: str = "") -> None:
        self._conn.execute(
            "UPDATE articles SET status = ?, reason = ? WHERE slug = ?", (status, reason, slug)
        )

    def retract(self, slug: str, reason: str, when: str) -> None:
        self._conn.execute(
            "UPDATE articles SET status = 'retracted', reason = ?, retracted = ? WHERE slug = ?",
            (reason, when, slug),
        )
        self._fulltext.forget(slug)

    def blank_version(self, slug: str, number: int, meta: str) -> None:
        """Forget a purged version's text: its article.md and body are gone from the catalog."""
        self._conn.execute(
            "UPDATE versions SET document = '', meta = ?, body_html = '' "
            "WHERE slug = ? AND number = ?",
            (meta, slug, number),
        )
        self._conn.execute("DELETE FROM media WHERE slug = ? AND number = ?", (slug, number))

    def mark_purged(self, slug: str) -> None:
        self._conn.execute("UPDATE articles SET purged = 1 WHERE slug = ?", (slug,))

    def set_source(self, slug: str, source: str | None) -> None:
        self._conn.execute("UPDATE articles SET source = ? WHERE slug = ?", (source, slug))

    # --- versions -------------------------------------------------------------------------

    def add_version(
        self, row: VersionRow, media: Sequence[MediaRow], search_text: tuple[str, str, str]
    ) -> None:
        self._conn.execute(
            _INSERT_VERSION,
            (
                row.slug,
                row.number,
                row.content_key,
                row.bundle_cid,
                row.bundle_size,
                row.published,
                row.effective,
                row.recorded,
                row.note,
                row.document,
                row.meta,
                row.record_cid,
                row.record,
                row.signature,
                row.body_html,
                row.car_cid,
                row.car_tsize,
                row.car_size,
            ),
        )
        if media:
            self._conn.executemany(
                "INSERT INTO media (slug, number, name, media_type, cid, size) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(row.slug, row.number, m.name, m.media_type, m.cid, m.size) for m in media],
            )
        self._fulltext.put(row.slug, search_text)

    def set_record(self, slug: str, number: int, cid: str, record: str, signature: str) -> None:
        """Store the signed record of a version recorded before the newsroom had a key."""
        self._conn.execute(
            "UPDATE versions SET record_cid = ?, record = ?, signature = ? "
            "WHERE slug = ? AND number = ?",
            (cid, record, signature, slug, number),
        )

    def versions(self, slug: str) -> list[VersionRow]:
        return [
            VersionRow(*row)
            for row in self._conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM versions WHERE slug = ? ORDER BY number", (slug,)
            )
        ]

    def latest(self, slug: str) -> VersionRow | None:
        row = self._conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE slug = ? ORDER BY number DESC LIMIT 1",
            (slug,),
        ).fetchone()
        return VersionRow(*row) if row else None

    def all_versions(
        self,
        status: str = "published",
        *,
        light: bool = False,
        skeleton: bool = False,
        pages: bool = False,
        slugs: Sequence[str] | None = None,
    ) -> dict[str, list[VersionRow]]:
        """Every version of every article with this status, oldest version first.

        ``light`` leaves out what only a page being rendered needs: ``document``, ``record``
        and ``body_html`` are empty and ``meta`` has no body (read those with
        ``versions(slug)``). ``skeleton`` goes further: ``meta`` holds only slug, published,
        modified and categories, and of the rest only slug, number, bundle CID and size,
        dates and note are read (what a build plans with: the others are about 600 bytes a
        version, 60 MiB at 100,000 articles). ``pages`` keeps everything pages show and leaves
        out only ``document`` and ``record``. ``slugs`` reads only those articles."""
        out: dict[str, list[VersionRow]] = {}
        columns = [f"v.{c.strip()}" for c in VERSION_COLUMNS.split(",")]
        if light or skeleton:
            meta = "json_remove(v.meta, '$.body')"
            swap = {"v.document": "''", "v.meta": meta, "v.record": "''", "v.body_html": "''"}
            if skeleton:
                swap |= dict.fromkeys(("v.content_key", "v.recorded", "v.record_cid",
                                       "v.signature", "v.car_cid"), "''")  # fmt: skip
                swap |= {"v.meta": "v.skeleton", "v.car_tsize": "0", "v.car_size": "0"}
            columns = [swap.get(c, c) for c in columns]
        elif pages:
            columns = [{"v.document": "''", "v.record": "''"}.get(c, c) for c in columns]
        sql = (
            f"SELECT {', '.join(columns)} "
            "FROM versions v JOIN articles a ON a.slug = v.slug WHERE a.status = ? "
            + ("AND v.slug IN (SELECT value FROM json_each(?)) " if slugs is not None else "")
            + "ORDER BY v.slug, v.number"
        )
        params = (status,) if slugs is None else (status, json.dumps(list(slugs)))
        for row in self._conn.execute(sql, params):
            version = VersionRow(*row)
            out.setdefault(version.slug, []).append(version)
        return out

    def draft_versions(self, slugs: Sequence[str] | None = None) -> set[tuple[str, int]]:
        """(slug, number) of every version recorded as a draft (``draft: true``): the site
        never shows one. ``slugs``: only those articles' versions."""
        query = "SELECT slug, number FROM versions WHERE json_extract(meta, '$.draft')"
        params: tuple[str, ...] = ()
        if slugs is not None:
            query += " AND slug IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(slugs)),)
        return {(str(slug), int(number)) for slug, number in self._conn.execute(query, params)}

    def version_numbers(self) -> dict[str, list[tuple[int, str]]]:
        """Every article's versions as (number, bundle CID), oldest first, without their text."""
        out: dict[str, list[tuple[int, str]]] = {}
        for slug, number, bundle in self._conn.execute(
            "SELECT slug, number, bundle_cid FROM versions ORDER BY slug, number"
        ):
            out.setdefault(slug, []).append((number, bundle))
        return out

    def media(self, slug: str, number: int) -> list[MediaRow]:
        return [
            MediaRow(*row)
            for row in self._conn.execute(
                "SELECT name, media_type, cid, size FROM media WHERE slug = ? AND number = ? "
                "ORDER BY name",
                (slug, number),
            )
        ]

    def search(self, query: str, limit: int = 50) -> list[str]:
        try:
            rows = self._conn.execute(
                "SELECT slug FROM search WHERE search MATCH ? ORDER BY rank LIMIT ?", (query, limit)
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise CatalogError(f"search query {query!r} is not valid ({exc})") from None
        return [row[0] for row in rows]

    # --- the publisher log -----------------------------------------------------------------

    def append_log(self, seq: int, cid: str, line: str) -> None:
        """Add entry ``seq``; it must be the next one (the primary key refuses a duplicate)."""
        try:
            self._conn.execute(
                "INSERT INTO log (seq, cid, line) VALUES (?, ?, ?)", (seq, cid, line)
            )
        except sqlite3.IntegrityError:
            raise CatalogError(
                f"log entry {seq} exists already; another writer got there first"
            ) from None

    def log_head(self) -> tuple[int, str] | None:
        """(seq, CID) of the newest log entry, or None for an empty log."""
        row = self._conn.execute("SELECT seq, cid FROM log ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def log_lines(self) -> list[str]:
        return [str(r[0]) for r in self._conn.execute("SELECT line FROM log ORDER BY seq")]

    def log_text(self, upto: int, *, lines: int = 2000) -> Iterator[bytes]:
        """Entries 1 to ``upto`` as UTF-8 text, ``lines`` at a time: the whole log is tens of MB
        at 100,000 articles, and a build writes it out without holding it."""
        after = 0
        while after < upto:
            rows = self._conn.execute(
                "SELECT seq, line FROM log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (after, upto, lines),
            ).fetchall()
            if not rows:
                return
            yield "".join(str(row[1]) for row in rows).encode("utf-8")
            after = int(rows[-1][0])

    # --- builds ---------------------------------------------------------------------------

    def add_build(self, root_cid: str, built: str, articles: int, pages: int) -> None:
        self._conn.execute(
            "INSERT INTO builds (root_cid, built, articles, pages) VALUES (?, ?, ?, ?)",
            (root_cid, built, articles, pages),
        )

    def latest_build(self) -> str | None:
        row = self._conn.execute("SELECT root_cid FROM builds ORDER BY id DESC LIMIT 1").fetchone()
        return str(row[0]) if row else None

    def build_roots(self) -> list[str]:
        return [str(r[0]) for r in self._conn.execute("SELECT DISTINCT root_cid FROM builds")]

    def log_since(self, seq: int) -> list[str]:
        """The publisher-log lines after entry ``seq``, oldest first."""
        rows = self._conn.execute("SELECT line FROM log WHERE seq > ? ORDER BY seq", (seq,))
        return [str(r[0]) for r in rows]
