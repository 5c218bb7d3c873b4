"""The blocks of a trustless-gateway CAR response, and the CAR bytes themselves.

    car_blocks(resolved, get, scope, entity_bytes, dups) -> Iterator[(CID, bytes)]
        1. the blocks that verify the path (``resolved.path_blocks``: root, HAMT shards,
           intermediate directories), in traversal order;
        2. the terminal's blocks per ``dag-scope``:
           block   the terminal block alone
           entity  a UnixFS file whole, a directory's own block, every shard of a HAMT
                   directory (not its entries), any other block alone
           all     the whole DAG under the terminal
           With ``entity-bytes`` and a UnixFS file (or raw block) as terminal: the file's root
           block and only the blocks holding that byte range (``reader.file_blocks``); a range
           that is empty or outside the file gives the root block alone; on anything that is
           not a file ``entity-bytes`` is ignored and the scope is ``entity``.
        (The block lists come from ``car.dag_blocks`` and ``reader.file_blocks``, which send
        each block once; with ``dups=True`` this module walks the DAG itself.)
        Depth-first, links in order. ``dups=False``: each CID once in the whole response;
        ``dups=True``: a block is sent every time the walk reaches it. Identity CIDs are never
        sent (their bytes are in the CID). A block missing on the way raises ``BlockNotFound``.

    car_chunks(root, blocks, chunk=64 KiB) -> Iterator[bytes]
        the CARv1 header (single root) and the sections, grouped into chunks of about
        ``chunk`` bytes so a streamed response does not pay per block.

    prefetch(chunks, limit) -> (head, rest)
        reads chunks until ``limit`` bytes: ``rest`` is None when the whole CAR fit (send it
        with a Content-Length and cache it), else the iterator still to stream after ``head``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain

from permapress.errors import BlockNotFound
from permapress.ipfs import reader
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import block_links, car_header, car_section, dag_blocks
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.unixfs import decode_data
from permapress.server.negotiate import EntityBytes, Scope
from permapress.server.resolve import Resolved

Getter = Callable[[CID], bytes]


def _load(cid: CID, get: Getter) -> bytes:
    inline = identity_data(cid)
    return inline if inline is not None else get(cid)


def _walk_with_dups(root: CID, get: Getter) -> Iterator[tuple[CID, bytes]]:
    """Every block under ``root`` each time the depth-first walk reaches it."""
    stack = [root]
    while stack:
        cid = stack.pop()
        data = _load(cid, get)
        yield cid, data
        stack.extend(reversed(block_links(cid, data)))


def _range_with_dups(
    root: CID, get: Getter, start: int, end: int
) -> Iterator[tuple[CID, bytes]]:
    """The blocks of a UnixFS file that hold bytes [start, end), each time the walk reaches it."""
    stack = [(root, 0)]
    while stack:
        cid, offset = stack.pop()
        data = _load(cid, get)
        yield cid, data
        if cid.codec != DAG_PB:
            continue
        node = decode_node(data)
        fs = decode_data(node.data or b"")
        pos = offset + len(fs.data or b"")
        wanted: list[tuple[CID, int]] = []
        for link, size in zip(node.links, fs.blocksizes, strict=False):
            if pos >= end:
                break
            if size and pos + size > start:
                wanted.append((link.cid, pos))
            pos += size
        stack.extend(reversed(wanted))


def _terminal_blocks(
    resolved: Resolved,
    get: Getter,
    scope: Scope,
    entity_bytes: EntityBytes | None,
    dups: bool,
) -> Iterator[tuple[CID, bytes]]:
    cid = resolved.cid
    is_file = resolved.kind in ("file", "raw")
    if entity_bytes is not None and is_file:
        span = entity_bytes.resolve(resolved.size or 0)
        if span is None:
            return dag_blocks(cid, get, scope="block")
        if dups:
            return _range_with_dups(cid, get, span[0], span[1])
        ranged = reader.file_blocks(cid, get, span[0], span[1])
        first = _load(cid, get)
        return chain([(cid, first)], ((c, d) for c, d in ranged if c != cid))
    if entity_bytes is not None:
        scope = "entity"
    if dups and (scope == "all" or (scope == "entity" and is_file)):
        return _walk_with_dups(cid, get)
    return dag_blocks(cid, get, scope=scope)


def car_blocks(
    resolved: Resolved,
    get: Getter,
    scope: Scope = "all",
    entity_bytes: EntityBytes | None = None,
    dups: bool = False,
) -> Iterator[tuple[CID, bytes]]:
    """The blocks of a CAR response, in order; see the module docstring."""
    seen: set[CID] = set()
    path = ((c, _load(c, get)) for c in resolved.path_blocks)
    terminal = _terminal_blocks(resolved, get, scope, entity_bytes, dups)
    for cid, data in chain(path, terminal):
        if identity_data(cid) is not None:
            continue
        if not dups:
            if cid in seen:
                continue
            seen.add(cid)
        yield cid, data


def car_chunks(
    root: CID, blocks: Iterator[tuple[CID, bytes]], chunk: int = 64 << 10
) -> Iterator[bytes]:
    """A CARv1 with ``root`` as its only root, in chunks of about ``chunk`` bytes."""
    pending = [car_header([root])]
    size = len(pending[0])
    for cid, data in blocks:
        section = car_section(cid, data)
        pending.append(section)
        size += len(section)
        if size >= chunk:
            yield b"".join(pending)
            pending = []
            size = 0
    if pending:
        yield b"".join(pending)


def prefetch(chunks: Iterator[bytes], limit: int) -> tuple[list[bytes], Iterator[bytes] | None]:
    """Read ahead up to ``limit`` bytes; see the module docstring.

    A ``BlockNotFound`` while reading ahead is deferred: the chunks read so far are returned
    with an iterator that raises it again, so the response still starts with 200 and is then
    cut off, as the trustless gateway spec asks for a child block that is missing.
    """
    head: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            piece = next(chunks)
        except StopIteration:
            return head, None
        except BlockNotFound as exc:
            return head, _raise(exc)
        head.append(piece)
        size += len(piece)
    return head, chunks


def _raise(exc: BlockNotFound) -> Iterator[bytes]:
    raise exc
    yield b""  # pragma: no cover - makes this a generator
