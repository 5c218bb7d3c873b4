"""Balanced layout: the streamed builder against a plain level-by-level reference."""

from __future__ import annotations

import pytest

from permapress.errors import IpfsError
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import PBLink, PBNode, decode_node, encode_node
from permapress.ipfs.layout import BalancedBuilder, Imported
from permapress.ipfs.unixfs import FILE, UnixFSData, decode_data, encode_data


def leaf(index: int) -> Imported:
    data = index.to_bytes(4, "big") * (index % 5 + 1)
    return Imported(CID.hash(data, RAW), len(data), len(data))


def reference(leaves: list[Imported], max_links: int, version: int) -> Imported:
    """Group a level ``max_links`` at a time until one node is left (no streaming)."""
    if len(leaves) == 1:
        return leaves[0]
    level = leaves
    while True:
        parents = []
        for start in range(0, len(level), max_links):
            group = level[start : start + max_links]
            data = encode_data(
                UnixFSData(FILE, filesize=sum(g.size for g in group),
                           blocksizes=tuple(g.size for g in group))
            )
            block = encode_node(PBNode(tuple(PBLink(g.cid, "", g.tsize) for g in group), data))
            parents.append(
                Imported(CID.hash(block, DAG_PB, version), len(block) + sum(g.tsize for g in group),
                         sum(g.size for g in group))
            )
        if len(parents) == 1:
            return parents[0]
        level = parents


@pytest.mark.parametrize("max_links", [2, 3, 4])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 9, 10, 16, 17, 26, 27, 28, 64, 65, 81, 82])
def test_matches_the_reference(count: int, max_links: int) -> None:
    leaves = [leaf(i) for i in range(count)]
    blocks: dict[CID, bytes] = {}
    order: list[CID] = []

    def sink(cid: CID, block: bytes) -> None:
        blocks[cid] = block
        order.append(cid)

    builder = BalancedBuilder(1, max_links, sink)
    for item in leaves:
        builder.add(item)
    root = builder.finish()
    assert root == reference(leaves, max_links, 1)
    if count == 1:
        assert root == leaves[0] and not blocks
        return
    assert order[-1] == root.cid
    assert root.tsize == sum(map(len, blocks.values())) + sum(item.tsize for item in leaves)
    # every parent reaches the sink after all of its children that are parents
    position = {cid: i for i, cid in enumerate(order)}
    depths: set[int] = set()

    def walk(cid: CID, depth: int) -> None:
        if cid.codec == RAW:
            depths.add(depth)
            return
        node = decode_node(blocks[cid])
        meta = decode_data(node.data or b"")
        assert meta.type == FILE
        assert 1 <= len(node.links) <= max_links
        assert meta.filesize == sum(meta.blocksizes)
        for link in node.links:
            assert link.name == ""
            if link.cid.codec == DAG_PB:
                assert position[link.cid] < position[cid]
            walk(link.cid, depth + 1)

    walk(root.cid, 0)
    assert len(depths) == 1  # all leaves at the same depth


def test_cid_version_zero_parents() -> None:
    builder = BalancedBuilder(0, 2, lambda cid, block: None)
    for i in range(3):
        builder.add(leaf(i))
    root = builder.finish()
    assert root.cid.version == 0 and root == reference([leaf(i) for i in range(3)], 2, 0)


def test_errors() -> None:
    with pytest.raises(IpfsError, match="at least 2 links"):
        BalancedBuilder(1, 1, lambda cid, block: None)
    with pytest.raises(IpfsError, match="at least one leaf"):
        BalancedBuilder(1, 4, lambda cid, block: None).finish()
