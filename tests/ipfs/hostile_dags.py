"""Hostile CARs built in memory, for the hang, size and recursion tests.

Each builder returns ``(root, blocks)``; ``car_bytes(root, blocks)`` turns them into a CARv1.
Blocks are written as given, so a block can be stored under a CID that is not its hash.

    self_cycle()            a folder stored under a CID it links to (its hash does not match)
    cycle_via_bad_block()   a valid folder -> a block stored under a wrong CID -> the folder
    doubling(levels)        each folder links twice ("a" and "b") to the folder below it:
                            2**levels paths in a few KB, every block valid
    nested(levels)          ``levels`` folders, one inside the other, every block valid
    huge_file(leaf, fanout, levels)
                            a file whose nodes link ``fanout`` times to the same child:
                            declares len(leaf) * fanout**levels bytes, every block valid
    doubling_files(levels, size)
                            as ``doubling`` with one ``size``-byte file at the bottom
"""

from __future__ import annotations

import io

from permapress.ipfs.car import car_header, car_section
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import DIRECTORY, FILE, UnixFSData, encode_data

Blocks = list[tuple[CID, bytes]]

DIR_DATA = encode_data(UnixFSData(DIRECTORY))


def folder(links: list[tuple[str, CID]]) -> bytes:
    return encode_node(PBNode(tuple(PBLink(cid, name, 0) for name, cid in links), DIR_DATA))


def pb(block: bytes) -> CID:
    return CID.hash(block, DAG_PB)


def car_bytes(root: CID, blocks: Blocks) -> bytes:
    out = io.BytesIO()
    out.write(car_header([root]))
    for cid, data in blocks:
        out.write(car_section(cid, data))
    return out.getvalue()


def self_cycle() -> tuple[CID, Blocks]:
    fake = pb(b"a block that is never stored")
    return fake, [(fake, folder([("loop", fake)]))]


def cycle_via_bad_block() -> tuple[CID, Blocks]:
    fake = pb(b"another block that is never stored")
    top = folder([("down", fake)])
    root = pb(top)
    return root, [(root, top), (fake, folder([("up", root)]))]


def doubling(levels: int, bottom: tuple[CID, bytes] | None = None) -> tuple[CID, Blocks]:
    block = bottom[1] if bottom else folder([])
    cid = bottom[0] if bottom else pb(block)
    blocks: Blocks = [(cid, block)]
    for _ in range(levels):
        block = folder([("a", cid), ("b", cid)])
        cid = pb(block)
        blocks.append((cid, block))
    return cid, blocks[::-1]


def doubling_files(levels: int, size: int) -> tuple[CID, Blocks]:
    leaf = bytes(size)
    leaf_cid = CID.hash(leaf, RAW)
    bottom = folder([("f.bin", leaf_cid)])
    root, blocks = doubling(levels, (pb(bottom), bottom))
    return root, [*blocks, (leaf_cid, leaf)]


def nested(levels: int) -> tuple[CID, Blocks]:
    block = folder([])
    cid = pb(block)
    blocks: Blocks = [(cid, block)]
    for _ in range(levels - 1):
        block = folder([("d", cid)])
        cid = pb(block)
        blocks.append((cid, block))
    return cid, blocks[::-1]


def huge_file(leaf: bytes, fanout: int, levels: int) -> tuple[CID, Blocks]:
    cid = CID.hash(leaf, RAW)
    size = len(leaf)
    blocks: Blocks = [(cid, leaf)]
    for _ in range(levels):
        data = encode_data(UnixFSData(FILE, filesize=size * fanout, blocksizes=(size,) * fanout))
        block = encode_node(PBNode(tuple(PBLink(cid, "", size) for _ in range(fanout)), data))
        cid = pb(block)
        size *= fanout
        blocks.append((cid, block))
    root = pb(folder([("big.bin", cid)]))
    return root, [(root, folder([("big.bin", cid)])), *blocks[::-1]]
