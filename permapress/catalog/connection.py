"""Connections to catalog.sqlite and its transactions: one writer in WAL mode, any number of
read-only readers; other layers that keep their own tables in the file use these too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to catalog.sqlite: read-only for readers; for the writer, autocommit (use
    ``immediate_transaction``) in WAL mode, so readers never wait for it."""
    if readonly:
        return sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
        )
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Take the write lock now; commit on success, roll back on any exception. Inside a batch
    (``Catalog.batch``) it is a savepoint: on an exception only its own writes are undone."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT step")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO step")
            conn.execute("RELEASE step")
            raise
        conn.execute("RELEASE step")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Batch:
    """Catalog writes grouped into transactions (``Catalog.batch``): ``begin`` takes the write
    lock unless a transaction is open, ``commit`` ends it; each ``transaction()`` in between is
    a savepoint. ``before_commit`` writes what was kept for the end of the transaction (the
    full-text entries); when it fails, the transaction is rolled back. ``discard`` forgets what
    was kept for a transaction that was rolled back (or is to begin)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        before_commit: Callable[[], None] = lambda: None,
        discard: Callable[[], None] = lambda: None,
    ) -> None:
        self._conn = conn
        self._before_commit = before_commit
        self._discard = discard

    @property
    def open(self) -> bool:
        return self._conn.in_transaction

    def begin(self) -> None:
        if not self._conn.in_transaction:
            self._discard()
            self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if not self._conn.in_transaction:  # rolled back (or never begun): nothing to write
            self._discard()
            return
        try:
            self._before_commit()
        except BaseException:
            if self._conn.in_transaction:  # SQLite may have rolled it back itself (a full disk)
                self._conn.execute("ROLLBACK")
            self._discard()
            raise
        self._conn.execute("COMMIT")
