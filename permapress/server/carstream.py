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

    dups_fit(resolved, get, scope, entity_bytes, limits) -> bool
        may the ``dups=y`` stream be sent? Only when it stays within ``limits`` and repeats
        add at most the DAG's own size again (all blocks once each, plus at most as many bytes
        of repeats): one node linking 600 times to a site root would otherwise make a small
        request stream the site 600 times. Each distinct block is read once (sizes and links
        are remembered), a block linking back to itself (a damaged blockstore) counts as too
        much; when it is False the gateway answers ``dups=n``, as the trustless gateway spec
        allows a server to.

    limited(blocks, limits) -> Iterator[(CID, bytes)]
        the same blocks, raising ``CarLimitReached`` once more than ``limits.max_blocks``
        blocks or ``limits.max_bytes`` bytes of blocks would be sent: the response is then cut
        off (the client sees a broken transfer, never a complete-looking CAR).

    car_chunks(root, blocks, chunk=64 KiB) -> Iterator[bytes]
        the CARv1 header (single root) and the sections, grouped into chunks of about
        ``chunk`` bytes so a streamed response does not pay per block (what was made before
        a missing block or a limit comes first, then the error).

    prefetch(chunks, limit) -> (head, rest)
        reads chunks until ``limit`` bytes: ``rest`` is None when the whole CAR fit (send it
        with a Content-Length and cache it), else the iterator still to stream after ``head``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Final

from permapress.errors import BlockNotFound, GatewayError, IpfsError
from permapress.ipfs import reader
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import block_links, car_header, car_section, dag_blocks
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.unixfs import decode_data
from permapress.server.negotiate import EntityBytes, Scope
from permapress.server.resolve import Resolved

Getter = Callable[[CID], bytes]

DUPS_FACTOR: Final = 2


@dataclass(frozen=True, slots=True)
class CarLimits:
    """What one CAR response may send at most (blocks and bytes of block data)."""

    max_bytes: int = 4 << 30
    max_blocks: int = 1_000_000


class CarLimitReached(GatewayError):
    """A CAR stream reached ``CarLimits``; raised while streaming, so the response is cut off."""


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


def dups_fit(
    resolved: Resolved,
    get: Getter,
    scope: Scope,
    entity_bytes: EntityBytes | None,
    limits: CarLimits,
) -> bool:
    """Would the ``dups=y`` stream stay within bounds? See the module docstring."""
    cid = resolved.cid
    is_file = resolved.kind in ("file", "raw")
    nodes: dict[CID, tuple[int, tuple[CID, ...], tuple[int, ...], int]] = {}
    unique = [0]

    def node(block: CID) -> tuple[int, tuple[CID, ...], tuple[int, ...], int]:
        known = nodes.get(block)
        if known is None:
            data = _load(block, get)
            size = 0 if identity_data(block) is not None else len(data)
            sizes: tuple[int, ...] = ()
            inline = 0
            if block.codec == DAG_PB:
                decoded = decode_node(data)
                links = tuple(link.cid for link in decoded.links)
                if decoded.data is not None:
                    unixfs = decode_data(decoded.data)
                    sizes, inline = tuple(unixfs.blocksizes), len(unixfs.data or b"")
            else:
                links = tuple(block_links(block, data))
            known = nodes[block] = (size, links, sizes, inline)
            unique[0] += size
            if unique[0] > limits.max_bytes or len(nodes) > limits.max_blocks:
                raise _TooMuch  # the DAG alone is over the limits: no need to read the rest
        return known

    try:
        if entity_bytes is not None and is_file:
            span = entity_bytes.resolve(resolved.size or 0)
            if span is None:
                return True
            total, count = _ranged_total(cid, node, span[0], span[1], limits)
        elif scope == "all" or (scope == "entity" and is_file):
            total, count = _expanded_total(cid, node, limits)
        else:
            return True  # no repeats are possible: the dups walk is not used
    except (_TooMuch, IpfsError):
        return False  # too much, or a block missing or damaged: the plain stream handles that
    return count <= limits.max_blocks and total <= min(limits.max_bytes, DUPS_FACTOR * unique[0])


class _TooMuch(Exception):
    pass


NodeInfo = Callable[[CID], tuple[int, tuple[CID, ...], tuple[int, ...], int]]


def _expanded_total(root: CID, node: NodeInfo, limits: CarLimits) -> tuple[int, int]:
    """(bytes, blocks) of the whole DAG under ``root`` with every repeat, computed bottom-up."""
    done: dict[CID, tuple[int, int]] = {}
    open_: set[CID] = set()
    stack: list[tuple[CID, bool]] = [(root, False)]
    while stack:
        cid, leaving = stack.pop()
        size, links, _sizes, _inline = node(cid)
        if leaving:
            total, count = size, 0 if identity_data(cid) is not None else 1
            for link in links:
                below = done[link]
                total += below[0]
                count += below[1]
            if total > limits.max_bytes or count > limits.max_blocks:
                raise _TooMuch
            done[cid] = (total, count)
            open_.discard(cid)
            continue
        if cid in done:
            continue
        if cid in open_:
            raise _TooMuch  # a block that links back to itself
        open_.add(cid)
        stack.append((cid, True))
        for link in links:
            if link in open_:
                raise _TooMuch
            if link not in done:
                stack.append((link, False))
    return done[root]


def _ranged_total(
    root: CID, node: NodeInfo, start: int, end: int, limits: CarLimits
) -> tuple[int, int]:
    """(bytes, blocks) that ``_range_with_dups`` would send, stopping at the limits."""
    total = count = 0
    stack = [(root, 0)]
    while stack:
        cid, offset = stack.pop()
        size, links, sizes, inline = node(cid)
        total += size
        count += 1
        if total > limits.max_bytes or count > limits.max_blocks:
            raise _TooMuch
        if cid.codec != DAG_PB:
            continue
        pos = offset + inline
        for link, length in zip(links, sizes, strict=False):
            if pos >= end:
                break
            if length and pos + length > start:
                stack.append((link, pos))
            pos += length
    return total, count


def limited(
    blocks: Iterator[tuple[CID, bytes]], limits: CarLimits
) -> Iterator[tuple[CID, bytes]]:
    """``blocks`` until ``limits`` would be passed; see the module docstring."""
    sent = 0
    for count, (cid, data) in enumerate(blocks, start=1):
        sent += len(data)
        if sent > limits.max_bytes or count > limits.max_blocks:
            raise CarLimitReached(
                413,
                f"this CAR would send more than {limits.max_blocks} blocks or "
                f"{limits.max_bytes} bytes; ask for less (a path, dag-scope or entity-bytes)",
            )
        yield cid, data


def car_chunks(
    root: CID, blocks: Iterator[tuple[CID, bytes]], chunk: int = 64 << 10
) -> Iterator[bytes]:
    """A CARv1 with ``root`` as its only root, in chunks of about ``chunk`` bytes. When the
    blocks fail (a missing block, a limit), what was made is given before the error, so a
    response always starts with the header: a server then sends the status and headers it was
    given and cuts the body off (granian answers its own bare 500 to an app that fails before
    its first byte of body)."""
    pending = [car_header([root])]
    size = len(pending[0])
    try:
        for cid, data in blocks:
            section = car_section(cid, data)
            pending.append(section)
            size += len(section)
            if size >= chunk:
                yield b"".join(pending)
                pending = []
                size = 0
    except (BlockNotFound, CarLimitReached):
        if pending:
            yield b"".join(pending)
        raise
    if pending:
        yield b"".join(pending)


def prefetch(chunks: Iterator[bytes], limit: int) -> tuple[list[bytes], Iterator[bytes] | None]:
    """Read ahead up to ``limit`` bytes; see the module docstring.

    A ``BlockNotFound`` or ``CarLimitReached`` while reading ahead is deferred: the chunks read
    so far are returned with an iterator that raises it again, so the response still starts
    with 200 and is then cut off, as the trustless gateway spec asks for a missing child block.
    """
    head: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            piece = next(chunks)
        except StopIteration:
            return head, None
        except (BlockNotFound, CarLimitReached) as exc:
            return head, _raise(exc)
        head.append(piece)
        size += len(piece)
    return head, chunks


def _raise(exc: BlockNotFound | CarLimitReached) -> Iterator[bytes]:
    raise exc
    yield b""  # pragma: no cover - makes this a generator
