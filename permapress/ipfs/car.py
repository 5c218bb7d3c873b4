"""CAR files (ipld/specs ``transport/car``): write CARv1, read CARv1 and CARv2, walk a DAG.

Writing (CARv1, streaming)::

    car_header(roots)          varint(len) + DAG-CBOR {"roots": [CID…], "version": 1}
    car_section(cid, data)     varint(len(cid bytes) + len(data)) + cid bytes + data
    write_car(roots, blocks, out) -> bytes written (header, then one section per block given)

``dag_blocks(root, get, scope=…)`` yields the blocks of a DAG as ``(CID, bytes)`` in depth-first
pre-order, links in stored order, each CID once; identity CIDs are not emitted (their content is
in the CID) but are still descended into. Links are followed in dag-pb and dag-cbor blocks; raw
blocks have none; other codecs (dag-json included) are emitted without following links. Scopes,
as the trustless gateway's ``dag-scope``:

- ``"all"``: every reachable block;
- ``"entity"``: for a UnixFS file every block of the file, for a directory its own block (and,
  for a HAMT-sharded directory, all its shard blocks but none of the entries), for anything else
  the block alone;
- ``"block"``: the root block alone.

``get(cid)`` must raise ``BlockNotFound`` for an absent block; the error reaches the caller.

Reading: ``read_car(stream)`` parses the header at once and returns a ``CarReader`` with
``version`` (1 or 2), ``roots`` and, for CARv2, ``data_offset``/``data_size``; iterating it reads
the sections lazily as ``(CID, bytes)``. The CARv2 index is ignored (never trusted, never
followed). The reader raises ``FormatError`` naming the byte offset for: a truncated header or
section, a bad varint (over 9 bytes, not minimal), a header that is not a DAG-CBOR map with
``version`` and ``roots``, a version other than 1 or 2, zero roots, a header or section larger
than ``MAX_HEADER``/``MAX_SECTION`` (refused from the length prefix, before anything is read or
allocated), a section CID that does not parse (``UnsupportedError`` for a CID version we do not
know), a CARv2 data payload that is out of place or larger than the file. The header is read
with ``dagcbor.decode_relaxed`` (as go-car reads it). A zero-length section ends the data, as
go-car's ``ZeroLengthSectionAsEOF`` reads the padded CARs of Filecoin deals: the bytes after it
are counted in ``padding`` (``padding_nonzero`` when any is not 0x00) and never read as blocks.
Block contents are *not* checked against their CIDs here; ``verify`` does that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO, Literal

from permapress.errors import FormatError, IpfsError, UnsupportedError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, encode_varint
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.unixfs import FILE, HAMT_SHARD, RAW, decode_data

Getter = Callable[[CID], bytes]
Scope = Literal["all", "entity", "block"]

MAX_HEADER = 32 << 20
MAX_SECTION = 32 << 20
CARV2_PRAGMA = bytes.fromhex("0aa16776657273696f6e02")
CARV2_HEADER_SIZE = 40
_COPY_CHUNK = 1 << 20


# --- writing ---------------------------------------------------------------------------------


def car_header(roots: Sequence[CID]) -> bytes:
    """The CARv1 header, length prefix included."""
    if not roots:
        raise FormatError("a CAR needs at least one root CID")
    body = dagcbor.encode({"roots": list(roots), "version": 1})
    return encode_varint(len(body)) + body


def car_section(cid: CID, data: bytes | memoryview) -> bytes:
    """One CAR section: length prefix, binary CID, block bytes."""
    raw = bytes(cid)
    return encode_varint(len(raw) + len(data)) + raw + bytes(data)


def write_car(roots: Sequence[CID], blocks: Iterable[tuple[CID, bytes]], out: BinaryIO) -> int:
    """Stream a CARv1 to ``out``: the header, then every block in the order given."""
    total = out.write(car_header(roots)) or 0
    for cid, data in blocks:
        raw = bytes(cid)
        total += out.write(encode_varint(len(raw) + len(data)) + raw) or 0
        total += out.write(data) or 0
    return total


# --- walking ---------------------------------------------------------------------------------


def _load(cid: CID, get: Getter) -> bytes:
    inline = identity_data(cid)
    return inline if inline is not None else get(cid)


def block_links(cid: CID, data: bytes) -> list[CID]:
    """The CIDs a block links to, in stored order (dag-pb and dag-cbor; others have none here)."""
    if cid.codec == DAG_PB:
        return [link.cid for link in decode_node(data).links]
    if cid.codec == DAG_CBOR:
        return list(dagcbor.links(dagcbor.decode_relaxed(data).value))
    return []


def _entity_children(cid: CID, data: bytes) -> list[tuple[CID, bool]]:
    """Children to follow in ``entity`` scope, each with "is everything below it wanted"."""
    if cid.codec != DAG_PB:
        return []
    node = decode_node(data)
    if node.data is None:
        return []
    unixfs = decode_data(node.data)
    if unixfs.type in (FILE, RAW):
        return [(link.cid, True) for link in node.links]
    if unixfs.type == HAMT_SHARD:
        width = len(f"{(unixfs.fanout or 256) - 1:X}")
        return [
            (link.cid, False)
            for link in node.links
            if link.name is not None and len(link.name) == width
        ]
    return []


def dag_blocks(root: CID, get: Getter, *, scope: Scope = "all") -> Iterator[tuple[CID, bytes]]:
    """The blocks of the DAG under ``root`` in depth-first pre-order, each once (see above)."""
    if scope not in ("all", "entity", "block"):
        raise FormatError(f"dag scope {scope!r} is not one of 'all', 'entity', 'block'")
    seen: set[CID] = set()
    # (cid, whole): whole=True means "every block below this one is wanted"
    stack: list[tuple[CID, bool]] = [(root, scope == "all")]
    while stack:
        cid, whole = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        data = _load(cid, get)
        if identity_data(cid) is None:
            yield cid, data
        if scope == "block":
            return
        if whole:
            children = [(child, True) for child in block_links(cid, data)]
        else:
            children = _entity_children(cid, data)
        stack.extend(reversed(children))


# --- reading ---------------------------------------------------------------------------------


class _Source:
    """A binary stream with the current byte offset, for precise error messages."""

    __slots__ = ("stream", "pos")

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pos = 0

    def read(self, count: int) -> bytes:
        try:
            chunk = self.stream.read(count)
        except OSError as exc:
            raise IpfsError(f"cannot read the CAR at byte {self.pos}: {exc}") from None
        chunk = chunk or b""
        self.pos += len(chunk)
        return chunk

    def length(self) -> int | None:
        """The stream's total length when it can seek (a file), else None."""
        try:
            if not self.stream.seekable():
                return None
            here = self.stream.tell()
            end = self.stream.seek(0, 2)
            self.stream.seek(here)
        except (OSError, ValueError, AttributeError):
            return None
        return end - here + self.pos

    def exact(self, count: int, what: str) -> bytes:
        start = self.pos
        parts: list[bytes] = []
        need = count
        while need:
            chunk = self.read(min(need, _COPY_CHUNK))
            if not chunk:
                got = count - need
                raise FormatError(
                    f"CAR truncated: {what} needs {count} bytes from byte {start}, only {got} left"
                )
            parts.append(chunk)
            need -= len(chunk)
        return b"".join(parts)

    def varint(self, what: str) -> int | None:
        """A minimal unsigned varint; None at a clean end of stream."""
        start = self.pos
        value = 0
        shift = 0
        while True:
            byte = self.read(1)
            if not byte:
                if self.pos == start:
                    return None
                raise FormatError(f"CAR truncated: varint ({what}) at byte {start} is cut off")
            value |= (byte[0] & 0x7F) << shift
            if byte[0] < 0x80:
                if byte[0] == 0 and self.pos - start > 1:
                    raise FormatError(f"varint ({what}) at byte {start} is not minimally encoded")
                return value
            shift += 7
            if shift > 63:
                raise FormatError(f"varint ({what}) at byte {start} is longer than 9 bytes")


def _read_header(src: _Source) -> tuple[int, int, dict[str, dagcbor.DagValue]]:
    """Read one header; return (offset of its body, its version, the map)."""
    start = src.pos
    length = src.varint("header length")
    if length is None:
        raise FormatError("CAR is empty: no header at byte 0")
    if length == 0:
        raise FormatError(f"CAR header at byte {start} has length 0")
    if length > MAX_HEADER:
        raise FormatError(f"CAR header at byte {start} claims {length} bytes (limit {MAX_HEADER})")
    body_at = src.pos
    body = src.exact(length, "header")
    try:
        value = dagcbor.decode_relaxed(body).value
    except FormatError as exc:
        raise FormatError(f"CAR header at byte {body_at} is not valid DAG-CBOR: {exc}") from None
    if not isinstance(value, dict):
        raise FormatError(f"CAR header at byte {body_at} is not a map")
    version = value.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise FormatError(f"CAR header at byte {body_at} has no integer 'version'")
    return body_at, version, value


def _roots_of(header: dict[str, dagcbor.DagValue], at: int) -> tuple[CID, ...]:
    roots = header.get("roots")
    if not isinstance(roots, list):
        raise FormatError(f"CAR header at byte {at} has no 'roots' list")
    if not roots:
        raise FormatError(f"CAR header at byte {at} has zero roots; a CAR needs a root CID")
    out: list[CID] = []
    for index, root in enumerate(roots):
        if not isinstance(root, CID):
            raise FormatError(f"CAR header at byte {at}: root {index} is not a CID")
        out.append(root)
    return tuple(out)


class CarReader:
    """A CAR being read: ``version``, ``roots``; iterate for ``(CID, bytes)`` (once)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._src = _Source(stream)
        self.data_offset = 0
        self.data_size: int | None = None
        self.index_offset = 0
        self.characteristics = bytes(16)
        self.padding = 0
        self.padding_nonzero = False
        at, version, header = _read_header(self._src)
        if version == 2:
            if self._src.pos != len(CARV2_PRAGMA) or set(header) != {"version"}:
                raise FormatError(f"CARv2 pragma at byte {at} must be exactly {{version: 2}}")
            self._open_v2()
            at, inner, header = _read_header(self._src)
            if inner != 1:
                raise FormatError(f"CARv2 payload header at byte {at} has version {inner}, not 1")
            self.version = 2
        elif version == 1:
            self.version = 1
        else:
            raise FormatError(f"CAR header at byte {at} has version {version}; only 1 and 2 exist")
        self.roots: tuple[CID, ...] = _roots_of(header, at)
        self._used = False

    def _open_v2(self) -> None:
        start = self._src.pos
        raw = self._src.exact(CARV2_HEADER_SIZE, f"CARv2 header at byte {start}")
        self.characteristics = raw[:16]
        self.data_offset = int.from_bytes(raw[16:24], "little")
        self.data_size = int.from_bytes(raw[24:32], "little")
        self.index_offset = int.from_bytes(raw[32:40], "little")
        if self.data_offset < self._src.pos:
            raise FormatError(
                f"CARv2 header at byte {start}: data offset {self.data_offset} points inside "
                "the header"
            )
        if self.data_size == 0:
            raise FormatError(f"CARv2 header at byte {start}: data size is 0")
        length = self._src.length()
        if length is not None and self.data_offset + self.data_size > length:
            raise FormatError(
                f"CAR truncated: CARv2 header at byte {start} puts the data at bytes "
                f"{self.data_offset}..{self.data_offset + self.data_size}, past the end of the "
                f"file ({length} bytes)"
            )
        skip = self.data_offset - self._src.pos
        while skip:
            chunk = self._src.read(min(skip, _COPY_CHUNK))
            if not chunk:
                raise FormatError(
                    f"CAR truncated: CARv2 data offset {self.data_offset} is past the end "
                    f"(byte {self._src.pos})"
                )
            skip -= len(chunk)

    @property
    def _data_end(self) -> int | None:
        return None if self.data_size is None else self.data_offset + self.data_size

    def __iter__(self) -> Iterator[tuple[CID, bytes]]:
        if self._used:
            raise IpfsError("a CarReader's sections can be read only once; open the CAR again")
        self._used = True
        return self._sections()

    def _sections(self) -> Iterator[tuple[CID, bytes]]:
        src = self._src
        end = self._data_end
        while end is None or src.pos < end:
            start = src.pos
            length = src.varint("section length")
            if length is None:
                if end is not None:
                    raise FormatError(
                        f"CAR truncated: CARv2 data should end at byte {end}, file ends at {start}"
                    )
                return
            if length == 0:
                self._skip_padding(end)
                return
            if length > MAX_SECTION:
                raise FormatError(
                    f"CAR section at byte {start} claims {length} bytes (limit {MAX_SECTION})"
                )
            body_at = src.pos
            if end is not None and body_at + length > end:
                raise FormatError(
                    f"CAR section at byte {start} runs past the CARv2 data end at byte {end}"
                )
            body = src.exact(length, f"section at byte {start}")
            try:
                cid, cid_end = CID.decode_prefix(body)
            except FormatError as exc:
                raise FormatError(
                    f"CAR section at byte {start}: bad CID at byte {body_at} ({exc})"
                ) from None
            except UnsupportedError as exc:
                raise UnsupportedError(
                    f"CAR section at byte {start}: CID at byte {body_at} ({exc})"
                ) from None
            yield cid, body[cid_end:]


    def _skip_padding(self, end: int | None) -> None:
        """Count the bytes after a zero-length section (to the data end or the file end)."""
        src = self._src
        self.padding = 1
        while end is None or src.pos < end:
            chunk = src.read(_COPY_CHUNK if end is None else min(_COPY_CHUNK, end - src.pos))
            if not chunk:
                break
            self.padding += len(chunk)
            self.padding_nonzero = self.padding_nonzero or chunk.count(0) != len(chunk)


def read_car(stream: BinaryIO) -> CarReader:
    """Open a CAR (v1 or v2) from a binary stream; see the module docstring."""
    return CarReader(stream)
