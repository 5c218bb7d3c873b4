"""A bundle's CAR as a UnixFS file that shares its blocks with the bundle.

The "Download IPFS" link of an article points at ``articles/<slug>/<slug>.car``, a real file in
the site, so it works on any gateway, any static host and from file://. Imported the ordinary
way, that file would store every byte of the bundle a second time. Instead, its UnixFS DAG is cut
on the CAR's own section boundaries:

    CAR bytes:  [header][prefix₁][block₁ ……][prefix₂][block₂][prefix₃][block₃ ……………] …
    leaves:     [  small pieces  ][block₁ ……][   small pieces  …      ][block₃ ……………] …
                                   └ same bytes as a bundle block, so the same multihash

Every raw block of the bundle of at least ``SHARE_MIN`` bytes becomes a leaf of the CAR file
unchanged (same multihash, stored once); the bytes in between (CAR header, section prefixes,
small blocks) are packed into raw leaves of at most the profile's chunk size. The leaves are
joined by the profile's balanced layout. Reading the file gives exactly the CARv1 that
``car.write_car`` would write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import block_links, car_header, dag_blocks
from permapress.ipfs.cid import CID, DAG_PB, RAW, encode_varint
from permapress.ipfs.dagpb import link_cids
from permapress.ipfs.importer import Imported, Sink, file_from_leaves
from permapress.ipfs.profiles import Profile

SHARE_MIN = 4096


def car_pieces(
    root: CID, get: Callable[[CID], bytes], *, own: bool = False
) -> Iterator[tuple[bytes, CID | None]]:
    """The CAR of ``root`` as pieces: (bytes, the block's CID when the piece is a whole block);
    ``own``: the DAG is one this process has just built (``own_blocks``)."""
    yield car_header([root]), None
    for cid, data in own_blocks(root, get) if own else dag_blocks(root, get):
        raw = bytes(cid)
        yield encode_varint(len(raw) + len(data)) + raw, None
        yield data, cid


def own_blocks(root: CID, get: Callable[[CID], bytes]) -> Iterator[tuple[CID, bytes]]:
    """``dag_blocks(root, get)`` for a DAG this process has just built: the same blocks in the
    same order, found without decoding its directory and file nodes (``dagpb.link_cids``
    reads only their links' CIDs and trusts the rest)."""
    seen: set[CID] = set()
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        inline = identity_data(cid)
        data = get(cid) if inline is None else inline
        if inline is None:
            yield cid, data
        if cid.codec == DAG_PB:
            stack.extend(reversed(link_cids(data)))
        elif cid.codec != RAW:
            stack.extend(reversed(block_links(cid, data)))


def car_file(
    root: CID, get: Callable[[CID], bytes], profile: Profile, sink: Sink, *, own: bool = False
) -> Imported:
    """Import the CAR of ``root`` as a UnixFS file whose large leaves are the DAG's own blocks;
    ``own``: the DAG is one this process has just built (see ``own_blocks``)."""
    leaves: list[Imported] = []
    pending = bytearray()
    chunk = profile.chunk_size

    def flush() -> None:
        view = memoryview(pending)
        for start in range(0, len(view), chunk):
            piece = bytes(view[start : start + chunk])
            cid = CID.hash(piece, RAW)
            sink(cid, piece)
            leaves.append(Imported(cid, len(piece), len(piece)))
        view.release()
        pending.clear()

    for data, cid in car_pieces(root, get, own=own):
        if cid is not None and cid.codec == RAW and SHARE_MIN <= len(data) <= chunk:
            flush()
            leaf = CID(1, RAW, cid.multihash)
            leaves.append(Imported(leaf, len(data), len(data)))
        else:
            pending += data
    flush()
    return file_from_leaves(leaves, profile, sink)
