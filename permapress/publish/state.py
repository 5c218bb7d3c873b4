"""What is published where: the ``publish_*`` tables inside catalog.sqlite.

    publish_roots    one row per (target, site root): status uploading | pinning | pinned |
                     failed | replaced, the pinning service's request id, a detail line, times
    publish_blocks   the blocks each Kubo target has confirmed holding (multihash), so the next
                     publish sends only new bundles, changed pages and the new root
    publish_ipns     every IPNS record signed (name, sequence, value, validity, the record bytes)
    publish_ipns_at  which record sequence each target has accepted

A row becomes ``pinned`` only after the target said so, and blocks are added to
``publish_blocks`` only after the target answered the upload that carried them, so an interrupted
publish resumes from what was confirmed. ``PublishState`` uses its own sqlite3 connection (WAL,
busy timeout), so it works beside the catalog's writer. Opened ``readonly`` (for ``status`` and
the gateway) it never creates anything and reads a catalog without these tables as empty.

``ipns_lookup(catalog_path)`` is what the gateway is given to serve ``/ipns/`` (``server/ipns.py``):
a function from a ``k51…`` name to its newest stored record, so the server reads no table itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from permapress.catalog.db import connect, immediate_transaction
from permapress.errors import CatalogError

Status = Literal["uploading", "pinning", "pinned", "failed", "replaced"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS publish_roots (
    target     TEXT NOT NULL,
    root_cid   TEXT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('uploading', 'pinning', 'pinned', 'failed', 'replaced')),
    request_id TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    started    TEXT NOT NULL,
    updated    TEXT NOT NULL,
    PRIMARY KEY (target, root_cid)
);
CREATE TABLE IF NOT EXISTS publish_blocks (
    target    TEXT NOT NULL,
    multihash BLOB NOT NULL,
    PRIMARY KEY (target, multihash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS publish_ipns (
    name     TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    value    TEXT NOT NULL,
    validity TEXT NOT NULL,
    record   BLOB NOT NULL,
    created  TEXT NOT NULL,
    PRIMARY KEY (name, sequence)
);
CREATE TABLE IF NOT EXISTS publish_ipns_at (
    target    TEXT NOT NULL,
    name      TEXT NOT NULL,
    sequence  INTEGER NOT NULL,
    published TEXT NOT NULL,
    PRIMARY KEY (target, name)
);
"""


@dataclass(frozen=True, slots=True)
class RootRow:
    target: str
    root_cid: str
    status: Status
    request_id: str | None
    detail: str
    started: str
    updated: str


@dataclass(frozen=True, slots=True)
class IpnsRow:
    name: str
    sequence: int
    value: str
    validity: str
    record: bytes
    created: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PublishState:
    """Access to the publish tables; use as a context manager or call ``close``."""

    def __init__(self, conn: sqlite3.Connection, readonly: bool) -> None:
        self._conn = conn
        self.readonly = readonly

    @classmethod
    def open(cls, catalog_path: Path, *, readonly: bool = False) -> PublishState:
        try:
            conn = connect(catalog_path, readonly=readonly)
            if not readonly:
                conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise CatalogError(f"{catalog_path}: cannot open the publish records ({exc})") from None
        return cls(conn, readonly)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PublishState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._conn.execute(sql, params))
        except sqlite3.OperationalError as exc:
            if self.readonly and "no such table" in str(exc):
                return []
            raise CatalogError(f"publish records: {exc}") from None

    def _transaction(self) -> AbstractContextManager[None]:
        return immediate_transaction(self._conn)

    # --- roots ---------------------------------------------------------------------------------

    def set_root(
        self,
        target: str,
        root: str,
        status: Status,
        *,
        request_id: str | None = None,
        detail: str = "",
    ) -> None:
        now = _now()
        self._conn.execute(
            "INSERT INTO publish_roots "
            "(target, root_cid, status, request_id, detail, started, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, root_cid) DO UPDATE SET "
            "status = excluded.status, request_id = COALESCE(excluded.request_id, request_id), "
            "detail = excluded.detail, updated = excluded.updated",
            (target, root, status, request_id, detail, now, now),
        )

    def root(self, target: str, root: str) -> RootRow | None:
        rows = self._rows(
            "SELECT target, root_cid, status, request_id, detail, started, updated "
            "FROM publish_roots WHERE target = ? AND root_cid = ?",
            (target, root),
        )
        return RootRow(*rows[0]) if rows else None

    def roots(self, target: str | None = None) -> list[RootRow]:
        sql = (
            "SELECT target, root_cid, status, request_id, detail, started, updated "
            "FROM publish_roots"
        )
        rows = (
            self._rows(sql + " WHERE target = ? ORDER BY rowid", (target,))
            if target
            else self._rows(sql + " ORDER BY target, rowid")
        )
        return [RootRow(*row) for row in rows]

    # --- blocks --------------------------------------------------------------------------------

    def confirmed(self, target: str) -> set[bytes]:
        rows = self._rows("SELECT multihash FROM publish_blocks WHERE target = ?", (target,))
        return {bytes(row[0]) for row in rows}

    def confirm_blocks(self, target: str, multihashes: Iterable[bytes]) -> None:
        with self._transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO publish_blocks (target, multihash) VALUES (?, ?)",
                [(target, mh) for mh in multihashes],
            )

    def forget_blocks(self, target: str) -> None:
        self._conn.execute("DELETE FROM publish_blocks WHERE target = ?", (target,))

    # --- IPNS ----------------------------------------------------------------------------------

    def save_ipns(self, name: str, sequence: int, value: str, validity: str, record: bytes) -> None:
        self._conn.execute(
            "INSERT INTO publish_ipns (name, sequence, value, validity, record, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, sequence, value, validity, record, _now()),
        )

    def latest_ipns(self, name: str | None = None) -> IpnsRow | None:
        sql = "SELECT name, sequence, value, validity, record, created FROM publish_ipns"
        rows = (
            self._rows(sql + " WHERE name = ? ORDER BY sequence DESC LIMIT 1", (name,))
            if name
            else self._rows(sql + " ORDER BY rowid DESC LIMIT 1")
        )
        if not rows:
            return None
        row = rows[0]
        return IpnsRow(
            str(row[0]), int(row[1]), str(row[2]), str(row[3]), bytes(row[4]), str(row[5])
        )

    def ipns_accepted(self, target: str, name: str, sequence: int) -> None:
        self._conn.execute(
            "INSERT INTO publish_ipns_at (target, name, sequence, published) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (target, name) DO UPDATE SET sequence = excluded.sequence, "
            "published = excluded.published",
            (target, name, sequence, _now()),
        )

    def ipns_at(self, target: str) -> tuple[str, int, str] | None:
        rows = self._rows(
            "SELECT name, sequence, published FROM publish_ipns_at WHERE target = ? "
            "ORDER BY published DESC LIMIT 1",
            (target,),
        )
        return (str(rows[0][0]), int(rows[0][1]), str(rows[0][2])) if rows else None


def ipns_lookup(catalog_path: Path) -> Callable[[str], bytes | None]:
    """The newest stored record of a name, or None (no such record, no catalog yet, or it
    cannot be read). The catalog is opened read-only on the first lookup, once per process;
    lookups from several threads take turns."""
    lock = threading.Lock()
    opened: list[PublishState] = []

    def lookup(name: str) -> bytes | None:
        if not name:
            return None
        with lock:
            try:
                if not opened:
                    opened.append(PublishState.open(catalog_path, readonly=True))
                row = opened[0].latest_ipns(name)
            except (sqlite3.Error, CatalogError):
                return None
        return row.record if row is not None else None

    return lookup
