"""Blocks put one at a time, stored together: a site build's writes as pack files.

    BlockBatch(store, limit=LIMIT)
      put(cid, data)     kept until ``flush`` (or stored at once when ``limit`` bytes are kept)
      get(cid) -> bytes  a kept block, else the store's
      has(cid) -> bool   kept, or in the store
      has_many(cids)     those kept or stored (the store's ``has_many`` when it has one)
      flush()            every kept block to ``store.put_many`` (one pack file on a
                         ``FileBlockstore``), then forgotten here

A build makes a few blocks for every page it renders and an article folder makes about six:
one file each costs far more than their bytes (a file of its own, a directory entry, and for a
new shard folder a ``mkdir``). A batch gives them to the store in one ``put_many`` instead. A
block is readable through the batch as soon as it is put, and from the store once flushed:
whoever records a root made of the batch's blocks flushes it first.
"""

from __future__ import annotations

from typing import Final

from permapress.ipfs.blockstore import Blockstore, identity_data
from permapress.ipfs.blockstore import put_many as put_each
from permapress.ipfs.cid import CID

LIMIT: Final = 4 << 20  # bytes kept before they are stored: memory stays small on any build


class BlockBatch:
    """Blocks kept for one ``put_many`` (see the module docstring)."""

    __slots__ = ("_kept", "_limit", "_size", "_store")

    def __init__(self, store: Blockstore, *, limit: int = LIMIT) -> None:
        self._store = store
        self._limit = limit
        self._kept: dict[bytes, tuple[CID, bytes]] = {}
        self._size = 0

    def put(self, cid: CID, data: bytes) -> None:
        if cid.multihash in self._kept or identity_data(cid) is not None:
            return
        self._kept[cid.multihash] = (cid, bytes(data))
        self._size += len(data)
        if self._size >= self._limit:
            self.flush()

    def get(self, cid: CID) -> bytes:
        kept = self._kept.get(cid.multihash)
        return kept[1] if kept is not None else self._store.get(cid)

    def has(self, cid: CID) -> bool:
        return cid.multihash in self._kept or self._store.has(cid)

    def has_many(self, cids: list[CID]) -> set[CID]:
        """Those of ``cids`` kept here or stored (through the store's ``has_many`` when it has
        one: a few queries instead of one a block)."""
        kept = {cid for cid in cids if cid.multihash in self._kept}
        rest = [cid for cid in cids if cid not in kept]
        many = getattr(self._store, "has_many", None)
        return kept | (set(many(rest)) if many is not None else set(filter(self._store.has, rest)))

    def flush(self) -> None:
        """Store every kept block (one pack file on a store that packs)."""
        if not self._kept:
            return
        blocks = list(self._kept.values())
        many = getattr(self._store, "put_many", None)
        if many is not None:
            many(blocks)
        else:
            put_each(self._store, blocks)
        self._kept.clear()
        self._size = 0

    def __len__(self) -> int:
        return len(self._kept)
