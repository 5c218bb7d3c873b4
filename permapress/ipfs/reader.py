"""Reading UnixFS: what a CID is, paths through directories, listings, file bytes and ranges.

Every function takes ``get: Callable[[CID], bytes]`` (raising ``BlockNotFound``) and reads only
the blocks it needs; identity CIDs are answered from the CID itself.

    stat(cid, get) -> NodeInfo(kind, cid, size)
        kind: "file" (UnixFS file, size = file bytes), "raw" (a raw block, size = its length),
        "directory" / "hamt" (size None), "symlink" (size = target length), "other" (any other
        block: dag-cbor, dag-json, UnixFS metadata …; size = block length).
    resolve_path(root, segments, get) -> (terminal CID, traversed CIDs)
        follows names through basic directories, HAMT shards (descending straight to the bucket
        of the name, never scanning sibling shards) and dag-cbor maps/lists. ``traversed`` lists
        the blocks read on the way, in order: the root, every HAMT shard, every intermediate
        node; the terminal CID itself is not in it (it was not needed to resolve the path).
    hamt_lookup(cid, node, fs, name, open_node, traversed) -> CID | None
        one name in a HAMT, reading its blocks through ``open_node`` (the server's cache)
    list_directory(cid, get) -> (name, CID, Tsize or None) …
        basic directories in link order; HAMT shards in link order, recursing into sub-shards.
    read_file(cid, get, start=0, end=None) -> bytes chunks of [start, end) (end exclusive)
        raw blocks, dag-pb file trees (``blocksizes`` let it skip subtrees outside the range),
        UnixFS data inside dag-pb leaves (CIDv0 files), symlinks (their target bytes).
    file_blocks(cid, get, start=0, end=None) -> (CID, bytes) …
        the blocks needed for that byte range, in depth-first order, the root first, each once.

Bounded for hostile blocks: every walk is a loop (no recursion); a HAMT deeper than
``MAX_HAMT_DEPTH`` or reaching one sub-shard twice, and a file tree deeper than
``MAX_FILE_DEPTH``, are ``FormatError`` (so blocks stored under CIDs they do not hash to cannot
loop). DAG-CBOR paths use ``dagcbor.decode_relaxed``, as other IPLD tools read such blocks.

Failures: ``PathNotFound`` (no such name, or a path through a file), ``NotADirectory``,
``NotAFile`` (all ``IpfsError``); ``FormatError`` for blocks that do not decode or a file tree
whose sizes do not add up; ``UnsupportedError`` for an unknown HAMT hash, or a path that ends
inside a dag-cbor block instead of on a link; ``BlockNotFound`` from ``get``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from permapress.errors import FormatError, IpfsError, UnsupportedError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, RAW
from permapress.ipfs.dagpb import PBLink, PBNode, decode_node
from permapress.ipfs.hamt import MURMUR3_X64_64, hamt_index
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, SYMLINK, UnixFSData, decode_data
from permapress.ipfs.unixfs import RAW as UNIXFS_RAW

Getter = Callable[[CID], bytes]
Kind = Literal["file", "directory", "symlink", "raw", "hamt", "other"]
MAX_HAMT_DEPTH = 64
MAX_FILE_DEPTH = 1024


class PathNotFound(IpfsError):
    """A path segment that names nothing under the node reached so far."""

    def __init__(self, message: str, cid: CID, segment: str) -> None:
        super().__init__(message)
        self.cid = cid
        self.segment = segment


class NotADirectory(IpfsError):
    """A directory operation on something that is not a UnixFS directory."""


class NotAFile(IpfsError):
    """A file operation on something that is not a UnixFS file, raw block or symlink."""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a CID points at (see ``stat``)."""

    kind: Kind
    cid: CID
    size: int | None


def load(cid: CID, get: Getter) -> bytes:
    """The block of ``cid``: from the CID itself for identity CIDs, else ``get(cid)``."""
    inline = identity_data(cid)
    return inline if inline is not None else get(cid)


Decoded = tuple[PBNode, UnixFSData]
Opener = Callable[[CID], Decoded | None]


def unixfs_node(cid: CID, data: bytes) -> Decoded | None:
    """Decode a dag-pb block and its UnixFS Data; None when the block is not dag-pb UnixFS."""
    if cid.codec != DAG_PB:
        return None
    node = decode_node(data)
    if node.data is None:
        return None
    return node, decode_data(node.data)


def _file_length(fs: UnixFSData) -> int:
    if fs.filesize is not None:
        return fs.filesize
    return len(fs.data or b"") + sum(fs.blocksizes)


def stat(cid: CID, get: Getter) -> NodeInfo:
    """What ``cid`` is, and its size (see the module docstring)."""
    data = load(cid, get)
    if cid.codec == RAW:
        return NodeInfo("raw", cid, len(data))
    decoded = unixfs_node(cid, data)
    if decoded is None:
        return NodeInfo("other", cid, len(data))
    _node, fs = decoded
    if fs.type in (FILE, UNIXFS_RAW):
        return NodeInfo("file", cid, _file_length(fs))
    if fs.type == DIRECTORY:
        return NodeInfo("directory", cid, None)
    if fs.type == HAMT_SHARD:
        return NodeInfo("hamt", cid, None)
    if fs.type == SYMLINK:
        return NodeInfo("symlink", cid, len(fs.data or b""))
    return NodeInfo("other", cid, len(data))


# --- HAMT --------------------------------------------------------------------------------------


def _hamt_width(cid: CID, fs: UnixFSData) -> int:
    if fs.hash_type != MURMUR3_X64_64:
        shown = "none" if fs.hash_type is None else f"0x{fs.hash_type:x}"
        raise UnsupportedError(
            f"HAMT shard {cid} uses hash function {shown}; only murmur3-x64-64 (0x22) is known"
        )
    fanout = fs.fanout or 0
    if fanout < 2 or fanout & (fanout - 1) or fanout > 1 << 16:
        raise FormatError(f"HAMT shard {cid} has fanout {fs.fanout}, not a power of two")
    return len(f"{fanout - 1:X}")


def hamt_lookup(
    cid: CID, node: PBNode, fs: UnixFSData, name: str, open_node: Opener, traversed: list[CID]
) -> CID | None:
    """Find ``name`` in the HAMT rooted at ``cid`` (None: not there), appending every sub-shard
    read; ``open_node`` decodes a block (the server's path resolver passes its cache of them)."""
    depth = 0
    while True:
        width = _hamt_width(cid, fs)
        fanout = fs.fanout or 256
        try:
            label = f"{hamt_index(name, depth, fanout):0{width}X}"
        except UnsupportedError:
            return None
        child = next((link for link in node.links if (link.name or "").startswith(label)), None)
        if child is None:
            return None
        link_name = child.name or ""
        if link_name != label:
            return child.cid if link_name == label + name else None
        cid = child.cid
        decoded = open_node(cid)
        traversed.append(cid)
        if decoded is None or decoded[1].type != HAMT_SHARD:
            raise FormatError(f"HAMT link {label} leads to {cid}, which is not a HAMT shard")
        node, fs = decoded
        depth += 1
        if depth > MAX_HAMT_DEPTH:
            raise FormatError(f"HAMT under {cid} is deeper than {MAX_HAMT_DEPTH} levels")


def _open_shard(shard: CID, get: Getter) -> tuple[PBNode, int]:
    decoded = unixfs_node(shard, load(shard, get))
    if decoded is None or decoded[1].type != HAMT_SHARD:
        raise FormatError(f"HAMT sub-shard {shard} is not a HAMT shard")
    node, fs = decoded
    return node, _hamt_width(shard, fs)


def _hamt_entries(cid: CID, get: Getter) -> Iterator[tuple[str, CID, int | None]]:
    """Entries of a HAMT in link order, each sub-shard listed where its link stands."""
    node, width = _open_shard(cid, get)
    stack: list[tuple[CID, Iterator[PBLink], int]] = [(cid, iter(node.links), width)]
    shards = {cid}
    while stack:
        shard, links, width = stack[-1]
        link = next(links, None)
        if link is None:
            stack.pop()
            continue
        name = link.name or ""
        if len(name) < width:
            raise FormatError(f"HAMT shard {shard} has a link named {name!r} without a prefix")
        if len(name) > width:
            yield name[width:], link.cid, link.tsize
            continue
        if len(stack) > MAX_HAMT_DEPTH:
            raise FormatError(f"HAMT under {cid} is deeper than {MAX_HAMT_DEPTH} levels")
        if link.cid in shards:
            raise FormatError(
                f"HAMT under {cid} reaches sub-shard {link.cid} twice; a real HAMT never does"
            )
        shards.add(link.cid)
        sub_node, sub_width = _open_shard(link.cid, get)
        stack.append((link.cid, iter(sub_node.links), sub_width))


# --- paths and listings ----------------------------------------------------------------------


def _find_in_cbor(value: dagcbor.DagValue, segment: str) -> dagcbor.DagValue:
    if isinstance(value, dict) and segment in value:
        return value[segment]
    if isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
        return value[int(segment)]
    raise KeyError(segment)


def resolve_path(root: CID, segments: Sequence[str], get: Getter) -> tuple[CID, list[CID]]:
    """Follow ``segments`` from ``root``; return (terminal CID, blocks traversed on the way)."""
    current = root
    traversed: list[CID] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        data = load(current, get)
        traversed.append(current)
        shown = "/".join(segments[: index + 1])
        if current.codec == DAG_CBOR:
            value = dagcbor.decode_relaxed(data).value
            while True:
                try:
                    value = _find_in_cbor(value, segments[index])
                except KeyError:
                    where = f"{root}/{'/'.join(segments[: index + 1])}: no such field"
                    raise PathNotFound(where, current, segments[index]) from None
                index += 1
                if isinstance(value, CID) or index == len(segments):
                    break
            if not isinstance(value, CID):
                raise UnsupportedError(
                    f"{root}/{'/'.join(segments)} ends inside dag-cbor block {current}, "
                    "not on a link"
                )
            current = value
            continue
        decoded = unixfs_node(current, data)
        if decoded is None:
            raise PathNotFound(f"{root}/{shown}: {current} has no named links", current, segment)
        node, fs = decoded
        found: CID | None
        if fs.type == DIRECTORY:
            found = next((link.cid for link in node.links if link.name == segment), None)
        elif fs.type == HAMT_SHARD:
            found = hamt_lookup(
                current, node, fs, segment, lambda c: unixfs_node(c, load(c, get)), traversed
            )
        else:
            raise PathNotFound(
                f"{root}/{shown}: {'/'.join(segments[:index]) or root} is not a directory",
                current,
                segment,
            )
        if found is None:
            raise PathNotFound(f"{root}/{shown}: no such file or directory", current, segment)
        current = found
        index += 1
    return current, traversed


def list_directory(cid: CID, get: Getter) -> Iterator[tuple[str, CID, int | None]]:
    """(name, CID, Tsize) of each entry of a basic or HAMT-sharded directory, in link order."""
    decoded = unixfs_node(cid, load(cid, get))
    if decoded is None or decoded[1].type not in (DIRECTORY, HAMT_SHARD):
        raise NotADirectory(f"{cid} is not a UnixFS directory")
    node, fs = decoded
    if fs.type == HAMT_SHARD:
        yield from _hamt_entries(cid, get)
        return
    for link in node.links:
        yield link.name or "", link.cid, link.tsize


# --- files -----------------------------------------------------------------------------------


def _check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < 0):
        raise FormatError(f"byte range {start}..{end} must not be negative")


def _slice(chunk: bytes, offset: int, start: int, end: int | None) -> bytes:
    lo = max(start - offset, 0)
    hi = len(chunk) if end is None else min(end - offset, len(chunk))
    return chunk[lo:hi] if lo < hi else b""


def _walk_file(
    cid: CID, get: Getter, start: int, end: int | None
) -> Iterator[tuple[CID, bytes, bytes]]:
    """(CID, block, content bytes of the range in this block) for each block the range needs."""
    _check_range(start, end)
    data = load(cid, get)
    if cid.codec == RAW:
        yield cid, data, _slice(data, 0, start, end)
        return
    decoded = unixfs_node(cid, data)
    if decoded is None:
        raise NotAFile(f"{cid} is not a UnixFS file (codec {cid.codec_name})")
    node, fs = decoded
    if fs.type == SYMLINK:
        yield cid, data, _slice(fs.data or b"", 0, start, end)
        return
    if fs.type not in (FILE, UNIXFS_RAW):
        raise NotAFile(f"{cid} is a UnixFS {_type_name(fs.type)}, not a file")
    # (cid, block or None, offset of its first byte, size its parent declared or None, depth)
    stack: list[tuple[CID, bytes | None, int, int | None, int]] = [(cid, data, 0, fs.filesize, 0)]
    while stack:
        current, block, offset, declared, depth = stack.pop()
        if depth > MAX_FILE_DEPTH:
            raise FormatError(f"file {cid} is a tree deeper than {MAX_FILE_DEPTH} levels")
        if block is None:
            block = load(current, get)
        if current.codec == RAW:
            if declared is not None and len(block) != declared:
                raise FormatError(
                    f"file {cid}: leaf {current} holds {len(block)} bytes, its parent says "
                    f"{declared}"
                )
            yield current, block, _slice(block, offset, start, end)
            continue
        own, kids = _file_children(cid, current, block, offset, declared, start, end)
        yield current, block, own
        stack.extend((*kid, depth + 1) for kid in reversed(kids))


def _file_children(
    root: CID,
    current: CID,
    block: bytes,
    offset: int,
    declared: int | None,
    start: int,
    end: int | None,
) -> tuple[bytes, list[tuple[CID, bytes | None, int, int | None]]]:
    decoded = unixfs_node(current, block)
    if decoded is None or decoded[1].type not in (FILE, UNIXFS_RAW):
        raise FormatError(f"file {root}: block {current} is not part of a UnixFS file")
    node, fs = decoded
    own_data = fs.data or b""
    if len(fs.blocksizes) != len(node.links):
        raise FormatError(
            f"file {root}: node {current} has {len(node.links)} links but "
            f"{len(fs.blocksizes)} blocksizes"
        )
    total = len(own_data) + sum(fs.blocksizes)
    if declared is not None and total != declared:
        raise FormatError(
            f"file {root}: node {current} holds {total} bytes, but {declared} are declared"
        )
    kids: list[tuple[CID, bytes | None, int, int | None]] = []
    pos = offset + len(own_data)
    empty = end is not None and end <= start
    for link, size in zip(node.links, fs.blocksizes, strict=True):
        if empty or (end is not None and pos >= end):
            break
        if size and pos + size > start:
            kids.append((link.cid, None, pos, size))
        pos += size
    return _slice(own_data, offset, start, end), kids


def _type_name(kind: int) -> str:
    names = {DIRECTORY: "directory", HAMT_SHARD: "HAMT-sharded directory", SYMLINK: "symlink"}
    return names.get(kind, f"node of type {kind}")


def read_file(cid: CID, get: Getter, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes of a file (or raw block, or symlink target) in ``[start, end)``, in chunks."""
    for _cid, _block, chunk in _walk_file(cid, get, start, end):
        if chunk:
            yield chunk


def file_blocks(
    cid: CID, get: Getter, start: int = 0, end: int | None = None
) -> Iterator[tuple[CID, bytes]]:
    """The blocks needed to read ``[start, end)`` of a file, depth first, root first."""
    seen: set[CID] = set()
    for block_cid, block, _chunk in _walk_file(cid, get, start, end):
        if block_cid not in seen and identity_data(block_cid) is None:
            seen.add(block_cid)
            yield block_cid, block
