"""Write the CAR of an import from disk without holding or copying its file data.

A CAR must list the root first (depth-first order), but the root's CID is known only after
every byte was hashed. Keeping the leaves until then would need the whole input in memory or a
second copy on disk. Instead:

    pass 1   import the files; keep every dag-pb block (inner nodes, directories: small) and
             only the CIDs of the raw leaves
    map      walk the DAG from the root: directory names give each file's path, the UnixFS
             ``blocksizes`` give each leaf's offset in its file
    pass 2   write the CAR depth-first; a raw leaf's bytes are read again from its file

A file modified after the import began is refused (its bytes might no longer match the CIDs).
Profiles whose leaves are dag-pb (``unixfs-v0-2015``) keep those leaves in memory instead; use
``SpoolBlockstore`` for them when memory matters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from permapress.errors import BlockNotFound, IpfsError
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.reader import list_directory
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, decode_data

Location = tuple[str, int, int]  # file path, offset, length


class SourceBackedStore:
    """Sink and blockstore for ``import_path`` + CAR: raw leaves are read back from disk."""

    def __init__(self, source: Path) -> None:
        self.source = os.fspath(source)
        self.started_ns = time.time_ns()
        self._blocks: dict[bytes, bytes] = {}
        self._raw: set[bytes] = set()
        self._where: dict[bytes, Location] = {}
        self._handles: dict[str, int] = {}

    def put(self, cid: CID, data: bytes) -> None:
        if identity_data(cid) is not None:
            return
        if cid.codec == RAW:
            self._raw.add(cid.multihash)
        else:
            self._blocks.setdefault(cid.multihash, data)

    def locate(self, root: CID) -> None:
        """Find every raw leaf under ``root`` in the source files (call after the import)."""
        is_dir = os.path.isdir(self.source)
        stack: list[tuple[CID, str, int, int | None]] = [(root, self.source, 0, None)]
        while stack:
            cid, path, offset, size = stack.pop()
            if cid.codec == RAW:
                length = size if size is not None else os.path.getsize(path)
                self._where.setdefault(cid.multihash, (path, offset, length))
                continue
            if cid.codec != DAG_PB or cid.multihash not in self._blocks:
                continue
            node = decode_node(self._blocks[cid.multihash])
            fs = decode_data(node.data or b"")
            if fs.type in (DIRECTORY, HAMT_SHARD) and is_dir:
                for name, child, tsize in list_directory(cid, self.get):
                    stack.append((child, os.path.join(path, name), 0, tsize))
            elif fs.type == FILE:
                position = offset
                for link, length in zip(node.links, fs.blocksizes, strict=False):
                    stack.append((link.cid, path, position, length))
                    position += length

    def get(self, cid: CID) -> bytes:
        inline = identity_data(cid)
        if inline is not None:
            return inline
        block = self._blocks.get(cid.multihash)
        if block is not None:
            return block
        where = self._where.get(cid.multihash)
        if where is None:
            raise BlockNotFound(cid)
        path, offset, length = where
        data = os.pread(self._handle(path), length, offset)
        if len(data) != length:
            raise IpfsError(f"{path}: shorter than when it was imported; run the import again")
        return data

    def has(self, cid: CID) -> bool:
        key = cid.multihash
        return key in self._blocks or key in self._raw or identity_data(cid) is not None

    def _handle(self, path: str) -> int:
        fd = self._handles.get(path)
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            if os.fstat(fd).st_mtime_ns > self.started_ns:
                os.close(fd)
                raise IpfsError(f"{path}: changed while it was imported; run the import again")
            self._handles[path] = fd
        return fd

    def close(self) -> None:
        for fd in self._handles.values():
            os.close(fd)
        self._handles.clear()

    def __iter__(self) -> Iterator[CID]:
        inner = [CID(1, DAG_PB, key) for key in self._blocks]
        return iter(inner + [CID(1, RAW, key) for key in self._raw])
