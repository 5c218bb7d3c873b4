"""A blockstore for one job (such as writing one CAR), in bounded memory.

    spool = SpoolBlockstore(folder)   blocks of ``threshold`` bytes or more go to an anonymous
    spool.put(cid, data)              temporary file in ``folder``, smaller ones stay in memory
    spool.get(cid) -> bytes           (pread from the file, so reads may come in any order)
    spool.close()                     the file disappears with it

Importing a 1 GiB file and writing its CAR in depth-first order needs every leaf again after
the root is known; keeping them in memory would need 1 GiB of RAM. Here memory holds only the
small blocks (the tree's inner nodes) and an index.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from permapress.errors import BlockNotFound
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID

SPOOL_THRESHOLD = 4096


class SpoolBlockstore:
    def __init__(self, folder: Path | str, threshold: int = SPOOL_THRESHOLD) -> None:
        # closed by close() / the context manager: the spool lives as long as this store
        self._file = tempfile.TemporaryFile(dir=folder, prefix=".permapress-spool-")  # noqa: SIM115
        self._threshold = threshold
        self._small: dict[bytes, bytes] = {}
        self._large: dict[bytes, tuple[int, int]] = {}
        self._cids: dict[bytes, CID] = {}
        self._end = 0
        self._dirty = False

    def put(self, cid: CID, data: bytes) -> None:
        key = cid.multihash
        if key in self._cids or identity_data(cid) is not None:
            return
        self._cids[key] = cid
        if len(data) < self._threshold:
            self._small[key] = bytes(data)
            return
        self._file.write(data)
        self._large[key] = (self._end, len(data))
        self._end += len(data)
        self._dirty = True

    def get(self, cid: CID) -> bytes:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        key = cid.multihash
        small = self._small.get(key)
        if small is not None:
            return small
        where = self._large.get(key)
        if where is None:
            raise BlockNotFound(cid)
        if self._dirty:
            self._file.flush()
            self._dirty = False
        offset, size = where
        return os.pread(self._file.fileno(), size, offset)

    def has(self, cid: CID) -> bool:
        return identity_data(cid) is not None or cid.multihash in self._cids

    def delete(self, cid: CID) -> None:
        key = cid.multihash
        self._small.pop(key, None)
        self._large.pop(key, None)
        self._cids.pop(key, None)

    def __iter__(self) -> Iterator[CID]:
        return iter(list(self._cids.values()))

    def __len__(self) -> int:
        return len(self._cids)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SpoolBlockstore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
