"""An import's catalog writes in batches: one transaction per batch, import marks after it, and
the blocks of its versions stored together before it.

    Marks                                      what ``importing`` needs of the import marks
      .last(slug) -> Mark | None
      .set(slug, number, key)
    direct_marks(newsroom) -> Marks            written at once (``watch``, one item at a time)
    batched(newsroom, size=200, seconds=1.0)   context manager -> Batched (a Marks too):
      .paced(items) -> Iterator                the items; the open batch is committed before
                                               the next one is read when the last one was slow
                                               to come (a download): the lock is not held
                                               while the network is waited for
      .begin()                                 before recording an item
      .done_one()                              after it; the batch is committed after ``size``
                                               items or ``seconds``, whichever first
      .blocks                                  a ``BlockBatch`` for the blocks of the versions
                                               recorded (``record.record_article(store=…)``)
      .store_blocks()                          store them (done before each commit)

A batch holds the catalog's write lock, so the import marks (their own connection, see
``importmarks``) wait in memory and are written right after the batch holding their versions
commits, as a mark always follows its version. ``last`` sees the waiting ones. Leaving the
block commits what was recorded, whatever the reason (each item is a savepoint of its own: a
failed one leaves nothing); a crash loses at most the open batch, which the next import
records again (of its blocks, those stored already are unreferenced until then).

The versions' blocks are kept in ``blocks`` and stored (one pack file on a file blockstore)
before the batch holding their versions commits, or sooner when ``BLOCK_BYTES`` are kept: a
pack file and its index transaction for every few dozen articles instead of one for each. A
block is readable through ``blocks`` at once, and from the blockstore once stored (nothing an
import reads back is kept here: ``record.record_article`` stores a version with media at once).
When the blocks cannot be stored, the catalog writes waiting for them are rolled back instead
of committed: no version is ever without its bundle.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final, Protocol, TypeVar

from permapress.catalog.db import Batch
from permapress.handle import Newsroom
from permapress.ipfs.batch import BlockBatch
from permapress.newsroom.importmarks import Mark, last_import, set_mark

T = TypeVar("T")
_SLOW: Final = 0.25  # seconds: an item that took longer to read was waited for
BLOCK_BYTES: Final = 1 << 20  # kept before they are stored: a pack's size (a purge rewrites
# the other blocks of the packs it touches as files of their own)


class Marks(Protocol):
    def last(self, slug: str) -> Mark | None: ...

    def set(self, slug: str, number: int, key: str) -> None: ...


class _Direct:
    def __init__(self, newsroom: Newsroom) -> None:
        self._newsroom = newsroom

    def last(self, slug: str) -> Mark | None:
        return last_import(self._newsroom, slug)

    def set(self, slug: str, number: int, key: str) -> None:
        set_mark(self._newsroom, slug, number, key)


def direct_marks(newsroom: Newsroom) -> Marks:
    """Marks read and written at once."""
    return _Direct(newsroom)


class Batched:
    """Marks kept until their batch commits, blocks until just before; see the module
    docstring."""

    def __init__(self, newsroom: Newsroom, batch: Batch, size: int, seconds: float) -> None:
        self._newsroom = newsroom
        self._batch = batch
        self._size = size
        self._seconds = seconds
        self._count = 0
        self._started = time.monotonic()
        self._waiting: dict[str, Mark] = {}
        self.blocks = BlockBatch(newsroom.blocks, limit=BLOCK_BYTES)

    def last(self, slug: str) -> Mark | None:
        waiting = self._waiting.get(slug)
        return waiting if waiting is not None else last_import(self._newsroom, slug)

    def set(self, slug: str, number: int, key: str) -> None:
        self._waiting[slug] = Mark(slug, number, key)

    def paced(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, committing before a read that may be slow (see the module docstring)."""
        source = iter(items)
        slow = False
        while True:
            if slow:
                self.commit()
            started = time.monotonic()
            try:
                item = next(source)
            except StopIteration:
                return
            slow = time.monotonic() - started > _SLOW
            yield item

    def begin(self) -> None:
        if not self._batch.open:
            self._batch.begin()
            self._started = time.monotonic()

    def done_one(self) -> None:
        self._count += 1
        if self._count >= self._size or time.monotonic() - self._started >= self._seconds:
            self.commit()

    def commit(self) -> None:
        """Store the kept blocks, commit the open batch, then write its marks."""
        self.store_blocks()
        try:
            self._batch.commit()
        except BaseException:  # rolled back: its versions are not there, so neither are marks
            self._waiting.clear()
            raise
        self.write_marks()

    def store_blocks(self) -> None:
        """Store the kept blocks, before the open batch commits; when they cannot be, roll the
        batch back and forget its marks (its versions would be without their blocks)."""
        try:
            self.blocks.flush()
        except BaseException:
            conn = self._newsroom.catalog.connection
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._waiting.clear()
            raise

    def write_marks(self) -> None:
        """Write the waiting marks (their versions are committed)."""
        self._count = 0
        self._started = time.monotonic()
        waiting, self._waiting = self._waiting, {}
        for mark in waiting.values():
            set_mark(self._newsroom, mark.slug, mark.number, mark.key)


@contextmanager
def batched(newsroom: Newsroom, size: int = 200, seconds: float = 1.0) -> Iterator[Batched]:
    """An import's writes in batches; see the module docstring."""
    last_import(newsroom, "")  # the marks' table is made (a write) before the batch locks
    writes: Batched | None = None
    try:
        with newsroom.catalog.batch() as batch:  # commits what was recorded on leaving
            writes = Batched(newsroom, batch, size, seconds)
            try:
                yield writes
            finally:
                writes.store_blocks()  # before the batch commits, whatever the reason
    finally:
        if writes is not None:
            writes.write_marks()
