"""Reading UnixFS files for HTTP responses: whole small files (cached) and byte ranges.

    FileReader(get, small=256 KiB, cache_bytes=64 MiB)
    .whole(resolved) -> bytes | None     the whole file when it is at most ``small`` bytes
                                         (from the LRU cache after the first read), else None
    .head(resolved) -> bytes             the first 512 bytes, for content sniffing (b"" if the
                                         blocks holding them are missing)
    .stream(resolved, start, end)        an iterator of the bytes [start, end) for large files
    .symlink_target(cid) -> bytes        the target path stored in a UnixFS symlink node

A missing block raises ``BlockNotFound`` from ``whole`` (before any response is started, so the
caller can answer 404) and from ``stream`` while streaming (the response is then cut off).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from permapress.errors import FormatError, IpfsError
from permapress.ipfs import reader
from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.unixfs import SYMLINK, decode_data
from permapress.server.cache import LRU
from permapress.server.resolve import Resolved

Getter = Callable[[CID], bytes]
SNIFF_BYTES = 512


class FileReader:
    def __init__(self, get: Getter, small: int = 256 << 10, cache_bytes: int = 64 << 20) -> None:
        self._get = get
        self.small = small
        self._cache: LRU[CID, bytes] = LRU(max_items=1 << 16, max_bytes=cache_bytes, weigh=len)

    def whole(self, resolved: Resolved) -> bytes | None:
        size = resolved.size
        if size is None or size > self.small:
            return None
        cached = self._cache.get(resolved.cid)
        if cached is not None:
            return cached
        data = b"".join(reader.read_file(resolved.cid, self._get))
        self._cache.put(resolved.cid, data)
        return data

    def cached(self, cid: CID) -> bytes | None:
        return self._cache.get(cid)

    def head(self, resolved: Resolved) -> bytes:
        cached = self._cache.get(resolved.cid)
        if cached is not None:
            return cached[:SNIFF_BYTES]
        end = min(SNIFF_BYTES, resolved.size or 0)
        try:
            return b"".join(reader.read_file(resolved.cid, self._get, 0, end))
        except IpfsError:
            return b""

    def stream(self, resolved: Resolved, start: int, end: int) -> Iterator[bytes]:
        cached = self._cache.get(resolved.cid)
        if cached is not None:
            return iter([cached[start:end]])
        return reader.read_file(resolved.cid, self._get, start, end)

    def symlink_target(self, cid: CID) -> bytes:
        node = decode_node(self._get(cid))
        unixfs = decode_data(node.data or b"")
        if unixfs.type != SYMLINK:
            raise FormatError(f"{cid} is not a UnixFS symlink")
        return unixfs.data or b""
