"""The UnixFS ``Data`` message carried in the Data field of dag-pb nodes.

Contract (ipfs/specs ``UNIXFS.md``, proto2)::

    Data { Type = 1 (enum, required)   Data = 2 (bytes)        filesize = 3 (uint64)
           blocksizes = 4 (repeated uint64, unpacked)      hashType = 5 (uint64)
           fanout = 6 (uint64)         mode = 7 (uint32)       mtime = 8 (UnixTime) }
    UnixTime { Seconds = 1 (int64, required)   FractionalNanoseconds = 2 (fixed32) }

``encode_data(UnixFSData) -> bytes`` writes fields in ascending order, omitting absent ones.
``decode_data(bytes) -> UnixFSData`` accepts only that canonical form and raises ``FormatError``
for anything else: a missing or unknown Type, fields out of order or repeated (blocksizes may
repeat, consecutively), unknown fields, wrong wire types, packed blocksizes, non-minimal varints,
values out of range. The node type constants are the enum values.

This module only handles the message; building files and directories lives in ``layout``,
``hamt`` and ``importer``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from permapress.errors import FormatError
from permapress.ipfs.cid import encode_varint
from permapress.ipfs.dagpb import (
    WIRE_BYTES,
    WIRE_FIXED32,
    WIRE_VARINT,
    read_bytes,
    read_key,
    read_uvarint,
)

__all__ = [
    "DIRECTORY",
    "FILE",
    "HAMT_SHARD",
    "METADATA",
    "RAW",
    "SYMLINK",
    "TYPE_NAMES",
    "UnixFSData",
    "decode_data",
    "encode_data",
]

RAW = 0
DIRECTORY = 1
FILE = 2
METADATA = 3
SYMLINK = 4
HAMT_SHARD = 5

TYPE_NAMES = {
    RAW: "raw",
    DIRECTORY: "directory",
    FILE: "file",
    METADATA: "metadata",
    SYMLINK: "symlink",
    HAMT_SHARD: "hamt-sharded-directory",
}

_U64 = 1 << 64
_U32 = 1 << 32
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class UnixFSData:
    """One UnixFS Data message. ``mtime`` is (seconds, nanoseconds or None)."""

    type: int
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: tuple[int, ...] = ()
    hash_type: int | None = None
    fanout: int | None = None
    mode: int | None = None
    mtime: tuple[int, int | None] | None = None


def _uint(value: int, limit: int, what: str) -> bytes:
    if not 0 <= value < limit:
        raise FormatError(f"UnixFS {what} {value} is out of range")
    return encode_varint(value)


def encode_data(d: UnixFSData) -> bytes:
    """Serialize a UnixFS Data message canonically."""
    if d.type not in TYPE_NAMES:
        raise FormatError(f"UnixFS type {d.type} is not one of {sorted(TYPE_NAMES)}")
    out = [b"\x08", encode_varint(d.type)]
    if d.data is not None:
        out += [b"\x12", encode_varint(len(d.data)), bytes(d.data)]
    if d.filesize is not None:
        out += [b"\x18", _uint(d.filesize, _U64, "filesize")]
    for size in d.blocksizes:
        out += [b"\x20", _uint(size, _U64, "blocksize")]
    if d.hash_type is not None:
        out += [b"\x28", _uint(d.hash_type, _U64, "hashType")]
    if d.fanout is not None:
        out += [b"\x30", _uint(d.fanout, _U64, "fanout")]
    if d.mode is not None:
        out += [b"\x38", _uint(d.mode, _U32, "mode")]
    if d.mtime is not None:
        seconds, nanos = d.mtime
        if not _I64_MIN <= seconds <= _I64_MAX:
            raise FormatError(f"UnixFS mtime seconds {seconds} does not fit in int64")
        body = [b"\x08", encode_varint(seconds % _U64)]
        if nanos is not None:
            if not 0 <= nanos < _U32:
                raise FormatError(f"UnixFS mtime nanoseconds {nanos} is out of range")
            body += [b"\x15", struct.pack("<I", nanos)]
        inner = b"".join(body)
        out += [b"\x42", encode_varint(len(inner)), inner]
    return b"".join(out)


def _decode_mtime(buf: bytes) -> tuple[int, int | None]:
    pos = 0
    last = 0
    seconds: int | None = None
    nanos: int | None = None
    while pos < len(buf):
        field, wire, pos = read_key(buf, pos)
        if field <= last:
            raise FormatError(f"UnixFS mtime field {field} is repeated or out of order")
        last = field
        if field == 1 and wire == WIRE_VARINT:
            raw, pos = read_uvarint(buf, pos, "mtime seconds")
            seconds = raw - _U64 if raw > _I64_MAX else raw
        elif field == 2 and wire == WIRE_FIXED32:
            if pos + 4 > len(buf):
                raise FormatError("truncated UnixFS mtime nanoseconds")
            nanos = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise FormatError(f"UnixFS mtime has unexpected field {field} (wire type {wire})")
    if seconds is None:
        raise FormatError("UnixFS mtime has no Seconds")
    return seconds, nanos


_WIRE_OF = {1: WIRE_VARINT, 2: WIRE_BYTES, 3: WIRE_VARINT, 4: WIRE_VARINT, 5: WIRE_VARINT,
            6: WIRE_VARINT, 7: WIRE_VARINT, 8: WIRE_BYTES}


def decode_data(b: bytes | memoryview) -> UnixFSData:
    """Parse a UnixFS Data message, accepting only its canonical encoding."""
    buf = bytes(b)
    pos = 0
    last = 0
    kind: int | None = None
    data: bytes | None = None
    ints: dict[int, int] = {}
    blocksizes: list[int] = []
    mtime: tuple[int, int | None] | None = None
    while pos < len(buf):
        field, wire, pos = read_key(buf, pos)
        expected = _WIRE_OF.get(field)
        if expected is None:
            raise FormatError(f"UnixFS Data has unknown field {field}")
        if wire != expected:
            raise FormatError(f"UnixFS field {field} has wrong wire type {wire}")
        if field < last or (field == last and field != 4):
            raise FormatError(f"UnixFS field {field} is repeated or out of order")
        last = field
        if field == 2:
            data, pos = read_bytes(buf, pos, "UnixFS Data")
        elif field == 8:
            raw, pos = read_bytes(buf, pos, "UnixFS mtime")
            mtime = _decode_mtime(raw)
        else:
            value, pos = read_uvarint(buf, pos, f"UnixFS field {field}")
            if field == 4:
                blocksizes.append(value)
            else:
                ints[field] = value
    kind = ints.get(1)
    if kind is None:
        raise FormatError("UnixFS Data has no Type")
    if kind not in TYPE_NAMES:
        raise FormatError(f"UnixFS Type {kind} is unknown")
    mode = ints.get(7)
    if mode is not None and mode >= _U32:
        raise FormatError(f"UnixFS mode {mode} does not fit in 32 bits")
    return UnixFSData(
        type=kind,
        data=data,
        filesize=ints.get(3),
        blocksizes=tuple(blocksizes),
        hash_type=ints.get(5),
        fanout=ints.get(6),
        mode=mode,
        mtime=mtime,
    )
