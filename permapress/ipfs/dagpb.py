"""dag-pb: the protobuf block format that UnixFS nodes are written in.

Contract (ipld/specs ``block-layer/codecs/dag-pb.md``)::

    PBNode { Links (field 2, repeated PBLink), Data (field 1, optional bytes) }
    PBLink { Hash (field 1, bytes = binary CID), Name (field 2, optional string),
             Tsize (field 3, optional uint64) }

``encode_node(node) -> bytes`` writes the one canonical form: every link first (in the order
given; sorting directory entries is the builder's job, not the codec's), then ``Data``; inside a
link Hash, Name, Tsize. ``decode_node(data) -> PBNode`` accepts only that form and raises
``FormatError`` for anything else: fields out of order or repeated, unknown fields, wrong wire
types, non-minimal or over-long varints, truncated lengths, a link without a Hash or with a Hash
that is not a CID.

A ``None`` name or data means "field absent", which is a different block from an empty one.
Names are text; they are written as UTF-8 (``surrogateescape`` so names that came from non-UTF-8
file system bytes keep those bytes), and any byte string read back decodes the same way.

The small protobuf readers here (``read_uvarint``, ``read_key``) are shared with ``unixfs``.
"""

from __future__ import annotations

from dataclasses import dataclass

from permapress.errors import FormatError, IpfsError
from permapress.ipfs.cid import CID, decode_varint, encode_varint

__all__ = ["PBLink", "PBNode", "decode_node", "encode_node", "read_key", "read_uvarint"]

WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_BYTES = 2
WIRE_FIXED32 = 5

_U64_LIMIT = 1 << 64


@dataclass(frozen=True, slots=True)
class PBLink:
    """A named link to another block; ``tsize`` is the total bytes of the DAG below it."""

    cid: CID
    name: str | None = None
    tsize: int | None = None


@dataclass(frozen=True, slots=True)
class PBNode:
    """A dag-pb block: links (in stored order) and opaque data (UnixFS uses it)."""

    links: tuple[PBLink, ...] = ()
    data: bytes | None = None


# --- protobuf primitives ---------------------------------------------------------------------


def read_uvarint(buf: bytes | memoryview, pos: int, what: str = "varint") -> tuple[int, int]:
    """Read a minimal protobuf varint (at most 64 bits) at ``pos``; return (value, end)."""
    value = 0
    shift = 0
    end = len(buf)
    start = pos
    while True:
        if pos >= end:
            raise FormatError(f"truncated {what} at byte {start}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and pos - start > 1:
                raise FormatError(f"{what} at byte {start} is not minimally encoded")
            if value >= _U64_LIMIT:
                raise FormatError(f"{what} at byte {start} does not fit in 64 bits")
            return value, pos
        shift += 7
        if shift >= 70:
            raise FormatError(f"{what} at byte {start} is longer than 10 bytes")


def read_key(buf: bytes | memoryview, pos: int) -> tuple[int, int, int]:
    """Read a field key; return (field number, wire type, end)."""
    key, end = read_uvarint(buf, pos, "field key")
    return key >> 3, key & 7, end


def read_bytes(buf: bytes | memoryview, pos: int, what: str) -> tuple[bytes, int]:
    """Read a length-delimited value; return (bytes, end)."""
    length, pos = read_uvarint(buf, pos, f"length of {what}")
    end = pos + length
    if end > len(buf):
        raise FormatError(f"{what} claims {length} bytes but only {len(buf) - pos} remain")
    return bytes(buf[pos:end]), end


# --- encoding --------------------------------------------------------------------------------


def name_bytes(name: str) -> bytes:
    """A link name as the bytes a dag-pb block holds (names that were not UTF-8 kept as read)."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise FormatError(
            f"link name {name!r} cannot be written as UTF-8; rename the file"
        ) from None


def encode_link(link: PBLink) -> bytes:
    """The bytes of one PBLink message (without the outer field key and length)."""
    hash_bytes = bytes(link.cid)
    parts = [b"\x0a", encode_varint(len(hash_bytes)), hash_bytes]
    if link.name is not None:
        name = name_bytes(link.name)
        parts += [b"\x12", encode_varint(len(name)), name]
    if link.tsize is not None:
        if not 0 <= link.tsize < _U64_LIMIT:
            raise FormatError(f"link Tsize {link.tsize} is not an unsigned 64-bit integer")
        parts += [b"\x18", encode_varint(link.tsize)]
    return b"".join(parts)


def encode_node(node: PBNode) -> bytes:
    """Serialize a node canonically: links in the given order, then data."""
    parts: list[bytes] = []
    for link in node.links:
        body = encode_link(link)
        parts += [b"\x12", encode_varint(len(body)), body]
    if node.data is not None:
        parts += [b"\x0a", encode_varint(len(node.data)), bytes(node.data)]
    return b"".join(parts)


# --- decoding --------------------------------------------------------------------------------


def decode_link(buf: bytes, index: int) -> PBLink:
    """One PBLink message's bytes (``buf``) decoded; ``index`` (its place) names it in errors."""
    pos = 0
    last = 0
    cid: CID | None = None
    name: str | None = None
    tsize: int | None = None
    while pos < len(buf):
        field, wire, pos = read_key(buf, pos)
        if field <= last:
            raise FormatError(f"link {index}: field {field} is repeated or out of order")
        last = field
        if field == 1 and wire == WIRE_BYTES:
            raw, pos = read_bytes(buf, pos, f"link {index} Hash")
            try:
                cid = CID.decode(raw)
            except IpfsError as exc:
                raise FormatError(f"link {index}: Hash is not a CID ({exc})") from None
        elif field == 2 and wire == WIRE_BYTES:
            raw, pos = read_bytes(buf, pos, f"link {index} Name")
            name = raw.decode("utf-8", "surrogateescape")
        elif field == 3 and wire == WIRE_VARINT:
            tsize, pos = read_uvarint(buf, pos, f"link {index} Tsize")
        elif field in (1, 2, 3):
            raise FormatError(f"link {index}: field {field} has wrong wire type {wire}")
        else:
            raise FormatError(f"link {index}: unknown field {field}")
    if cid is None:
        raise FormatError(f"link {index} has no Hash")
    return PBLink(cid, name, tsize)


def decode_node(data: bytes | memoryview) -> PBNode:
    """Parse a dag-pb block, accepting only its canonical encoding."""
    buf = bytes(data)
    pos = 0
    links: list[PBLink] = []
    node_data: bytes | None = None
    while pos < len(buf):
        field, wire, pos = read_key(buf, pos)
        if field == 2 and wire == WIRE_BYTES:
            if node_data is not None:
                raise FormatError("dag-pb Links must come before Data")
            body, pos = read_bytes(buf, pos, f"link {len(links)}")
            links.append(decode_link(body, len(links)))
        elif field == 1 and wire == WIRE_BYTES:
            if node_data is not None:
                raise FormatError("dag-pb Data field appears twice")
            node_data, pos = read_bytes(buf, pos, "Data")
        elif field in (1, 2):
            raise FormatError(f"dag-pb field {field} has wrong wire type {wire}")
        else:
            raise FormatError(f"dag-pb block has unknown field {field}")
    return PBNode(tuple(links), node_data)


def link_cids(data: bytes) -> list[CID]:
    """``[link.cid for link in decode_node(data).links]``, read without decoding the rest when
    the block has the usual shape (each link's Hash first, its length in one byte); anything
    else, and every error, goes through ``decode_node``. For blocks this program just made:
    it does not check the rest of the block."""
    out: list[CID] = []
    pos, end = 0, len(data)
    try:
        while pos < end and data[pos] == 0x12:  # a link: field 2, length-delimited
            size, start = decode_varint(data, pos + 1)
            if data[start] != 0x0A or data[start + 1] & 0x80:
                break
            out.append(CID.decode(data[start + 2 : start + 2 + data[start + 1]]))
            pos = start + size
        else:
            if pos == end or data[pos] == 0x0A:  # then Data, or nothing
                return out
    except (IndexError, IpfsError):
        pass
    return [link.cid for link in decode_node(data).links]
