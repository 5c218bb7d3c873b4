"""Pack files: the blocks of one batched write in one file, found again through an index.

A ``FileBlockstore`` keeps one file per block (kubo's flatfs layout). Creating a file costs far
more than writing its few kilobytes, and an import writes about a dozen small blocks per
article, so ``FileBlockstore.put_many`` hands a batch of blocks to ``Packs.write`` instead:

    blocks/
      packs/<NAME>.pack    the batch, each block as a CAR section (varint of the CID's and
                           the block's length, the binary CID, the block): readable without
                           the index, and ``NAME`` is the SHA-256 (hex, 32 digits) of the file
      packs.sqlite         the index: multihash -> (pack, offset of the block, length)

    Packs(root, fsync=False)
      write(blocks, write_file)    the pack file first (``write_file`` puts it in place whole,
                                   or not at all), then its rows in one transaction: a block
                                   is found only once all of its bytes are on disk; a crash in
                                   between leaves a pack no row names, never a row without its
                                   bytes
      find(multihash) -> bytes | None
      has(multihash) -> bool
      has_many(multihashes) -> set   those packed (in a pack that is there), in few queries
      iter(packs) -> Iterator[bytes]   every packed multihash, once
      remove(multihash, keep)      every pack holding it loses it: the pack's other blocks go
                                   to ``keep(multihash, block)`` (their own files), the pack
                                   file is deleted, then its rows; a crash in between leaves
                                   rows naming a missing pack, which read as absent
      reindex() -> Reindexed       the index made again from the pack files alone: after a
                                   lost or damaged ``packs.sqlite``, or to take in a pack that
                                   a crash left without rows; a block is indexed only when its
                                   bytes hash to its CID, and a damaged pack is named, never
                                   deleted

A pack file's format, read without the index, is in ``packfile.py``.

The index is opened per process (a forked worker opens its own) and guarded by a lock, so the
import's workers, the importing process and a server may use one store at the same time
(SQLite in WAL mode; a writer waits for another's transaction). A store that never had a
batched write has no index: nothing is created until the first pack.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

from permapress.errors import IpfsError
from permapress.ipfs.cid import CID, encode_varint
from permapress.ipfs.packfile import Reindexed, pack_rows

PACKS: Final = "packs"
INDEX: Final = "packs.sqlite"
SUFFIX: Final = ".pack"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS blocks (key BLOB NOT NULL, pack TEXT NOT NULL, "
    "offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (key, pack)) WITHOUT ROWID"
)
_FIND: Final = "SELECT pack, offset, length FROM blocks WHERE key = ?"
_BUSY_SECONDS: Final = 60.0
_PAGE: Final = (
    "SELECT key, group_concat(pack, ' ') FROM blocks WHERE key > ? GROUP BY key ORDER BY key "
    "LIMIT ?"
)
_PAGE_ROWS: Final = 10_000
_MANY: Final = 500  # multihashes looked up in one query (``has_many``)
_OPEN_PACKS: Final = 64  # packs kept open per process
_CHECKPOINT_PAGES: Final = 10_000  # the index's log is copied back this often (see _connection)
_LOG_BYTES_KEPT: Final = 64 << 20  # the log file's size left on disk after a checkpoint, at most


def _fetch(sql: str, params: Sequence[object], conn: sqlite3.Connection) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _page(conn: sqlite3.Connection, *, after: bytes) -> list[tuple[bytes, str]]:
    """The next multihashes of the index after ``after``, with the packs that hold each."""
    return conn.execute(_PAGE, (after, _PAGE_ROWS)).fetchall()


R = TypeVar("R")
WriteFile = Callable[[str, bytes], None]
Keep = Callable[[bytes, bytes], None]


def pack_bytes(blocks: Sequence[tuple[CID, bytes]]) -> tuple[bytes, list[tuple[bytes, int, int]]]:
    """The pack of ``blocks`` and (multihash, offset, length) of each block in it."""
    parts: list[bytes] = []
    rows: list[tuple[bytes, int, int]] = []
    offset = 0
    for cid, data in blocks:
        raw = bytes(cid)
        prefix = encode_varint(len(raw) + len(data)) + raw
        offset += len(prefix)
        rows.append((cid.multihash, offset, len(data)))
        offset += len(data)
        parts += (prefix, data)
    return b"".join(parts), rows


class Packs:
    """The pack files and index of one blockstore folder (see the module docstring)."""

    __slots__ = ("folder", "index", "fsync", "_locks", "_connections", "_prefix", "_open_packs")

    def __init__(self, root: Path, *, fsync: bool = False) -> None:
        self.folder = root / PACKS
        self.index = root / INDEX
        self.fsync = fsync
        # by process id: a forked child opens its own connection (and never closes its
        # parent's) and takes its own lock (its parent's may have been held by another thread)
        self._locks: dict[int, threading.Lock] = {}
        self._connections: dict[int, sqlite3.Connection] = {}
        self._prefix = os.fspath(self.folder) + os.sep
        # packs read lately, kept open: (pack name, process id) -> descriptor. A name is the
        # hash of the pack's bytes, so an open pack holds what the name says even when it has
        # been deleted (and perhaps written again) since
        self._open_packs: OrderedDict[tuple[str, int], int] = OrderedDict()

    def __getstate__(self) -> tuple[Path, bool]:  # a store given to a spawned process
        return self.folder.parent, self.fsync

    def __setstate__(self, state: tuple[Path, bool]) -> None:
        Packs.__init__(self, state[0], fsync=state[1])

    @property
    def _lock(self) -> threading.Lock:
        return self._locks.setdefault(os.getpid(), threading.Lock())

    def _run(self, work: Callable[[sqlite3.Connection], R], *, create: bool = False) -> R | None:
        """``work(connection)`` under this process's lock; None when there is no index and
        ``create`` is false. SQLite refuses some locks at once instead of waiting (two
        processes making a new index, or moving a read to a write at the same time): the
        work is tried again then, for up to a minute."""
        deadline = time.monotonic() + _BUSY_SECONDS
        with self._lock:
            while True:
                try:
                    conn = self._connection(create=create)
                    if conn is None:
                        return None
                    return work(conn)
                except sqlite3.OperationalError as exc:
                    conn = self._connections.get(os.getpid())
                    if conn is not None and conn.in_transaction:
                        conn.execute("ROLLBACK")
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise IpfsError(f"cannot use the block index {self.index}: {exc}") from None
                except sqlite3.Error as exc:
                    raise IpfsError(f"cannot use the block index {self.index}: {exc}") from None
                except BaseException:
                    conn = self._connections.get(os.getpid())
                    if conn is not None and conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                time.sleep(0.005)

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        pid = os.getpid()
        known = self._connections.get(pid)  # a forked child never uses its parent's
        if known is not None:
            return known
        if not create and not os.path.exists(self.index):
            return None
        conn = sqlite3.connect(
            self.index, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.fsync else 'NORMAL'}")
            # Rows land on random pages (the key is a hash), so each commit logs about a page a
            # row; copying the log back every 1,000 pages (SQLite's default) was half the cost
            # of an insert. Every 10,000 pages (40 MB of log at most, kept at 64 MB on disk):
            # 24 -> 15 us of CPU a row at a million rows.
            conn.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit={_LOG_BYTES_KEPT}")
            conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        self._connections[pid] = conn
        return conn

    def write(self, blocks: Sequence[tuple[CID, bytes]], write_file: WriteFile) -> None:
        """Store ``blocks`` as one pack (see the module docstring)."""
        body, rows = pack_bytes(blocks)
        name = hashlib.sha256(body).hexdigest()[:32]
        try:
            os.makedirs(self.folder, exist_ok=True)
            write_file(os.path.join(self.folder, name + SUFFIX), body)
        except OSError as exc:
            raise IpfsError(
                f"cannot write a pack of blocks to {self.folder}: {exc.strerror}"
            ) from None
        values = [(key, name, offset, length) for key, offset, length in rows]

        def index(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR IGNORE INTO blocks (key, pack, offset, length) VALUES (?, ?, ?, ?)",
                values,
            )
            conn.execute("COMMIT")

        self._run(index, create=True)

    def _rows(self, key: bytes) -> list[tuple[str, int, int]]:
        found = self._run(lambda conn: conn.execute(_FIND, (key,)).fetchall())
        return found or []

    def _read(self, pack: str, offset: int, length: int) -> bytes | None:
        """``length`` bytes at ``offset`` of a pack (under this process's lock), or None when
        the pack is gone."""
        handle = (pack, os.getpid())
        fd = self._open_packs.get(handle)
        if fd is None:
            try:
                fd = os.open(self._prefix + pack + SUFFIX, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:  # removed since (``remove``): absent
                return None
            self._open_packs[handle] = fd
            if len(self._open_packs) > _OPEN_PACKS:
                _old, oldest = self._open_packs.popitem(last=False)
                os.close(oldest)
        else:
            self._open_packs.move_to_end(handle)
        data = os.pread(fd, length, offset)
        return data if len(data) == length else None

    def find(self, key: bytes) -> bytes | None:
        """The block with multihash ``key``, or None."""
        with self._lock:
            conn = self._connections.get(os.getpid())
            try:  # the usual case in one statement; else through ``_run`` (opens, retries)
                rows = None if conn is None else conn.execute(_FIND, (key,)).fetchall()
            except sqlite3.Error:
                rows = None
        if rows is None:
            rows = self._rows(key)
        try:
            for pack, offset, length in rows:
                with self._lock:
                    data = self._read(pack, offset, length)
                if data is not None:
                    return data
        except OSError as exc:
            raise IpfsError(
                f"cannot read a pack of blocks in {self.folder}: {exc.strerror}"
            ) from None
        return None

    def has(self, key: bytes) -> bool:
        return any(
            os.path.exists(os.path.join(self.folder, pack + SUFFIX))
            for pack, _offset, _length in self._rows(key)
        )

    def has_many(self, keys: Sequence[bytes]) -> set[bytes]:
        """Those of the multihashes ``keys`` packed in a pack that is there, ``_MANY`` a query."""
        found: set[bytes] = set()
        there: dict[str, bool] = {}
        for start in range(0, len(keys), _MANY):
            part = keys[start : start + _MANY]
            sql = f"SELECT key, pack FROM blocks WHERE key IN ({', '.join('?' * len(part))})"
            for key, pack in self._run(partial(_fetch, sql, part)) or ():
                if pack not in there:
                    there[pack] = os.path.exists(os.path.join(self.folder, pack + SUFFIX))
                if there[pack]:
                    found.add(key)
        return found

    def __iter__(self) -> Iterator[bytes]:
        """Every packed multihash, once (rows whose pack is gone left out), read from the
        index a page at a time in multihash order."""
        try:
            there = {name[: -len(SUFFIX)] for name in os.listdir(self.folder)}
        except FileNotFoundError:
            return
        after = b""
        while True:
            page = self._run(partial(_page, after=after))
            if not page:
                return
            for key, packs in page:
                if any(pack in there for pack in packs.split(" ")):
                    yield key
            after = page[-1][0]

    def remove(self, key: bytes, keep: Keep) -> None:
        """No pack holds ``key`` afterwards (see the module docstring)."""
        packs = {pack for pack, _offset, _length in self._rows(key)}
        for pack in sorted(packs):

            def siblings(
                conn: sqlite3.Connection, pack: str = pack
            ) -> list[tuple[bytes, int, int]]:
                query = "SELECT key, offset, length FROM blocks WHERE pack = ? AND key != ?"
                return conn.execute(query, (pack, key)).fetchall()

            others = self._run(siblings)
            try:
                for other, offset, length in others or []:
                    with self._lock:
                        data = self._read(pack, offset, length)
                    if data is not None:
                        keep(other, data)
                with self._lock:
                    fd = self._open_packs.pop((pack, os.getpid()), None)
                    if fd is not None:
                        os.close(fd)
                os.unlink(os.path.join(self.folder, pack + SUFFIX))
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise IpfsError(
                    f"cannot remove a pack of blocks in {self.folder}: {exc.strerror}"
                ) from None

            def forget(conn: sqlite3.Connection, pack: str = pack) -> None:
                conn.execute("BEGIN IMMEDIATE")  # waits for another writer, if any
                conn.execute("DELETE FROM blocks WHERE pack = ?", (pack,))
                conn.execute("COMMIT")

            self._run(forget)

    def reindex(self) -> Reindexed:
        """The index made again from the pack files (see the module docstring). Writers wait
        while it runs (it holds the index's write lock); an index SQLite cannot open is moved
        aside to ``packs.sqlite.damaged`` and a new one made."""
        set_aside = False
        try:
            self._run(lambda conn: conn.execute("SELECT count(*) FROM blocks").fetchone(),
                      create=True)  # fmt: skip
        except IpfsError:
            self._set_aside()
            set_aside = True

        def rebuild(conn: sqlite3.Connection) -> Reindexed:
            conn.execute("BEGIN IMMEDIATE")  # no pack's rows come in while the files are read
            before = dict(conn.execute("SELECT pack, count(*) FROM blocks GROUP BY pack"))
            conn.execute("DELETE FROM blocks")
            names = sorted(
                name[: -len(SUFFIX)] for name in _listdir(self.folder) if name.endswith(SUFFIX)
            )
            blocks, damaged = 0, {}
            for name in names:
                rows, problem = pack_rows(os.path.join(self.folder, name + SUFFIX), name)
                if problem:
                    damaged[name] = problem
                conn.executemany(
                    "INSERT OR IGNORE INTO blocks (key, pack, offset, length) VALUES (?, ?, ?, ?)",
                    [(key, name, offset, length) for key, offset, length in rows],
                )
                blocks += len(rows)
            conn.execute("COMMIT")
            there = set(names)
            return Reindexed(
                packs=len(names),
                blocks=blocks,
                added=sum(1 for name in names if name not in before),
                dropped=sum(count for pack, count in before.items() if pack not in there),
                damaged=damaged,
                set_aside=set_aside,
            )

        done = self._run(rebuild, create=True)
        assert done is not None  # made with create=True
        return done

    def _set_aside(self) -> None:
        """Move an index SQLite cannot read to ``packs.sqlite.damaged`` (its journal files too)."""
        with self._lock:
            conn = self._connections.pop(os.getpid(), None)
            if conn is not None:
                conn.close()
        for suffix in ("", "-wal", "-shm"):
            source = f"{self.index}{suffix}"
            if os.path.exists(source):
                os.replace(source, f"{self.index}.damaged{suffix}")


def _listdir(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []
