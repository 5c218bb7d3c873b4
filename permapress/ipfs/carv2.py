"""CARv2 (ipld/specs ``transport/car/carv2``): write one with a MultihashIndexSorted index, and
read such indexes (inside a CARv2 or as a separate ``.idx`` file).

A CARv2 file, as written here::

    pragma       11 bytes   varint(10) + DAG-CBOR {"version": 2}   (``car.CARV2_PRAGMA``)
    header       40 bytes   characteristics (16 bytes, all zero: not "fully indexed", since
                            identity CIDs are never stored), then three little-endian uint64:
                            data offset (51), data size, index offset
    data         a whole CARv1 (``car.car_header`` + one section per block)
    index        varint(0x0401) + MultihashIndexSorted

MultihashIndexSorted (go-car's layout, which the spec leaves to it; all integers little-endian)::

    int32  number of multihash codes
    per code, ascending:
      uint64 code
      int32  number of widths
      per width, ascending (width = digest length + 8):
        uint32 width
        int64  byte length of the records (count × width)
        records, sorted by their bytes: digest, then uint64 offset of the section (its length
        prefix) from the start of the data payload

IndexSorted (0x0400) is the same without the code layer; it is read, never written. Identity
multihashes are never indexed (their data is in the CID).

    write_carv2(path, roots, blocks) -> CarV2Written
        streams ``blocks`` into ``path + ".part"`` beside ``path`` (a placeholder header first,
        the index appended, the header written last), fsyncs, renames into place: a reader sees
        the whole file or none. Memory: the index records (digest + 8 bytes per block) until
        they are sorted and written; no block is held after it is written.
    IndexBuilder().add(multihash, offset); .encode() -> bytes (codec varint included)
    read_index(buffer, start=0, end=None) -> CarIndex
        parses an index (codec varint first) held in ``buffer`` (bytes or an mmap) without
        copying its records; ``FormatError`` names the byte offset of anything out of shape.
    CarIndex.offsets(multihash) -> tuple[int, ...]   every offset recorded for it (binary search)
    CarIndex.entries() -> Iterator[(multihash, offset)];  len(index)

Pure apart from ``write_carv2``'s file: no block is hashed here (``carstore`` verifies blocks as
it reads them).
"""

from __future__ import annotations

import bisect
import contextlib
import os
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from permapress.errors import FormatError, IpfsError
from permapress.ipfs.car import CARV2_HEADER_SIZE, CARV2_PRAGMA, car_header
from permapress.ipfs.cid import CID, IDENTITY, decode_multihash, encode_varint

INDEX_SORTED = 0x0400
MH_INDEX_SORTED = 0x0401
DATA_OFFSET = len(CARV2_PRAGMA) + CARV2_HEADER_SIZE
MAX_INDEX_BUCKETS = 1 << 16


class Buffer(Protocol):
    """bytes, bytearray, memoryview or mmap: anything sliceable into bytes with a length."""

    def __getitem__(self, key: slice, /) -> bytes: ...

    def __len__(self) -> int: ...


def v2_header(data_size: int, index_offset: int, data_offset: int = DATA_OFFSET) -> bytes:
    """The pragma and the 40-byte CARv2 header (characteristics all zero)."""
    return CARV2_PRAGMA + bytes(16) + struct.pack("<QQQ", data_offset, data_size, index_offset)


def _uvarint_length(value: int) -> int:
    return len(encode_varint(value))


# --- writing the index -----------------------------------------------------------------------


class IndexBuilder:
    """Collects (multihash, offset) records and encodes them as MultihashIndexSorted.

    Records are kept packed (digest + offset, one bytes object each) by code and width."""

    __slots__ = ("_buckets", "count")

    def __init__(self) -> None:
        self._buckets: dict[tuple[int, int], list[bytes]] = {}
        self.count = 0

    def add(self, multihash: bytes, offset: int) -> None:
        code, digest = decode_multihash(multihash)
        if code == IDENTITY:
            return
        key = (code, len(digest) + 8)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = []
        bucket.append(digest + struct.pack("<Q", offset))
        self.count += 1

    def encode(self) -> bytes:
        """The whole index: varint(0x0401) and the MultihashIndexSorted body."""
        return b"".join(self.chunks())

    def chunks(self) -> Iterator[bytes]:
        """The encoded index in pieces (each bucket's records sorted once, then released)."""
        codes = sorted({code for code, _width in self._buckets})
        yield encode_varint(MH_INDEX_SORTED) + struct.pack("<i", len(codes))
        for code in codes:
            widths = sorted(width for c, width in self._buckets if c == code)
            yield struct.pack("<Qi", code, len(widths))
            for width in widths:
                records = self._buckets[(code, width)]
                records.sort()
                yield struct.pack("<Iq", width, len(records) * width)
                yield b"".join(records)


# --- writing a CARv2 -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarV2Written:
    path: Path
    blocks: int
    data_size: int
    index_size: int

    @property
    def size(self) -> int:
        return DATA_OFFSET + self.data_size + self.index_size


def write_carv2(
    path: Path, roots: Sequence[CID], blocks: Iterable[tuple[CID, bytes]]
) -> CarV2Written:
    """Stream a CARv2 with a MultihashIndexSorted index to ``path`` (see the module docstring)."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as handle:
            handle.write(v2_header(0, 0))
            index = IndexBuilder()
            size = handle.write(car_header(roots))
            count = 0
            for cid, data in blocks:
                raw = bytes(cid)
                index.add(cid.multihash, size)
                size += handle.write(encode_varint(len(raw) + len(data)) + raw)
                size += handle.write(data)
                count += 1
            index_size = 0
            for chunk in index.chunks():
                index_size += handle.write(chunk)
            handle.seek(0)
            handle.write(v2_header(size, DATA_OFFSET + size))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise IpfsError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return CarV2Written(path, count, size, index_size)


# --- reading an index ------------------------------------------------------------------------


class _Digests(Sequence[bytes]):
    """The digests of one bucket's records, as a sequence ``bisect`` can search."""

    __slots__ = ("_buffer", "_start", "_width", "_digest", "_count")

    def __init__(self, buffer: Buffer, start: int, width: int, count: int) -> None:
        self._buffer = buffer
        self._start = start
        self._width = width
        self._digest = width - 8
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> bytes:  # type: ignore[override]
        at = self._start + index * self._width
        return self._buffer[at : at + self._digest]

    @property
    def digest_size(self) -> int:
        return self._digest

    def offset(self, index: int) -> int:
        at = self._start + index * self._width + self._digest
        value: int = struct.unpack("<Q", self._buffer[at : at + 8])[0]
        return value


@dataclass(frozen=True, slots=True)
class _Bucket:
    code: int | None  # None: IndexSorted, which records digests only
    records: _Digests


class CarIndex:
    """A parsed index; its records stay in the buffer they were read from."""

    def __init__(self, codec: int, buckets: list[_Bucket]) -> None:
        self.codec = codec
        self._by_key: dict[tuple[int | None, int], _Digests] = {
            (b.code, b.records.digest_size): b.records for b in buckets
        }
        self._buckets = buckets

    def __len__(self) -> int:
        return sum(len(b.records) for b in self._buckets)

    def offsets(self, multihash: bytes) -> tuple[int, ...]:
        """Every data offset recorded for this multihash (usually one; empty when absent)."""
        try:
            code, digest = decode_multihash(multihash)
        except FormatError:
            return ()
        records = self._by_key.get((code if self.codec == MH_INDEX_SORTED else None, len(digest)))
        if records is None:
            return ()
        found: list[int] = []
        at = bisect.bisect_left(records, digest)
        while at < len(records) and records[at] == digest:
            found.append(records.offset(at))
            at += 1
        return tuple(found)

    def entries(self) -> Iterator[tuple[bytes | None, bytes, int]]:
        """Every record as (multihash or None for IndexSorted, digest, offset), in index order."""
        for bucket in self._buckets:
            records = bucket.records
            for at in range(len(records)):
                digest = records[at]
                mh = None
                if bucket.code is not None:
                    mh = encode_varint(bucket.code) + encode_varint(len(digest)) + digest
                yield mh, digest, records.offset(at)


class _Cursor:
    __slots__ = ("buffer", "pos", "end")

    def __init__(self, buffer: Buffer, start: int, end: int) -> None:
        self.buffer = buffer
        self.pos = start
        self.end = end

    def take(self, count: int, what: str) -> bytes:
        if count < 0 or self.pos + count > self.end:
            raise FormatError(
                f"CAR index truncated: {what} at byte {self.pos} needs {count} bytes, "
                f"{self.end - self.pos} left"
            )
        data = self.buffer[self.pos : self.pos + count]
        self.pos += count
        return data

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def varint(self, what: str) -> int:
        value = 0
        for shift in range(0, 63, 7):
            byte = self.take(1, what)[0]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
        raise FormatError(f"CAR index: {what} at byte {self.pos} is longer than 9 bytes")


def _widths(cur: _Cursor, code: int | None) -> list[_Bucket]:
    (count,) = cur.unpack("<i", "number of widths")
    if not 0 <= count <= MAX_INDEX_BUCKETS:
        raise FormatError(f"CAR index at byte {cur.pos - 4}: {count} widths is not plausible")
    buckets: list[_Bucket] = []
    last = 0
    for _ in range(count):
        at = cur.pos
        width, length = cur.unpack("<Iq", "bucket header")
        if width <= 8 or width <= last:
            raise FormatError(
                f"CAR index at byte {at}: record width {width} is not above 8 and ascending"
            )
        if length < 0 or length % width:
            raise FormatError(
                f"CAR index at byte {at}: {length} bytes of records is not a multiple of "
                f"the width {width}"
            )
        start = cur.pos
        cur.take(0, "records")
        if start + length > cur.end:
            raise FormatError(
                f"CAR index truncated: records at byte {start} need {length} bytes, "
                f"{cur.end - start} left"
            )
        cur.pos = start + length
        buckets.append(_Bucket(code, _Digests(cur.buffer, start, width, length // width)))
        last = width
    return buckets


def read_index(buffer: Buffer, start: int = 0, end: int | None = None) -> CarIndex:
    """Parse the index in ``buffer[start:end]`` (codec varint first; see the module docstring)."""
    cur = _Cursor(buffer, start, len(buffer) if end is None else end)
    codec = cur.varint("index codec")
    buckets: list[_Bucket] = []
    if codec == INDEX_SORTED:
        buckets = _widths(cur, None)
    elif codec == MH_INDEX_SORTED:
        (count,) = cur.unpack("<i", "number of multihash codes")
        if not 0 <= count <= MAX_INDEX_BUCKETS:
            raise FormatError(f"CAR index at byte {start}: {count} hash codes is not plausible")
        for _ in range(count):
            (code,) = cur.unpack("<Q", "multihash code")
            buckets.extend(_widths(cur, code))
    else:
        raise FormatError(
            f"CAR index at byte {start} has codec 0x{codec:x}; permapress reads "
            "MultihashIndexSorted (0x401) and IndexSorted (0x400)"
        )
    return CarIndex(codec, buckets)
