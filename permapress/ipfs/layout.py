"""Balanced file layout: leaves in, UnixFS File nodes out (as kubo/boxo and the JS importer build).

Contract: ``BalancedBuilder(cid_version, max_links, sink)``; call ``add(leaf)`` for each leaf in
file order, then ``finish()`` for the root ``Imported``. Every parent node goes to ``sink`` as
soon as its last child is known, so blocks arrive leaves-first, parents after their children.
Memory is ``max_links`` links per tree level. ``Imported`` (the result type of every import) is
defined here.

The tree for 7 leaves with ``max_links = 3``::

                    root
          ┌──────────┼──────────┐
          P1         P2         P3
       ┌──┼──┐    ┌──┼──┐       │
       L1 L2 L3   L4 L5 L6      L7

Leaves are grouped ``max_links`` at a time into level-1 nodes, those ``max_links`` at a time
into level-2 nodes, and so on until one node is left: all leaves sit at the same depth, every
node but the last on each level is full, and a last group of one still gets its own parent.
A file of a single leaf is that leaf (no parent). A parent is a dag-pb node with links
``(cid, name "", Tsize = child's cumulative bytes)`` and UnixFS ``File`` data with
``blocksizes`` = each child's file bytes and ``filesize`` = their sum.

Because level-k nodes only depend on the leaves they cover, the builder emits a node the
moment its level holds ``max_links`` children and one more arrives; ``finish`` closes the
partial nodes from the bottom up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from permapress.errors import IpfsError
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import FILE, UnixFSData, encode_data

__all__ = ["BalancedBuilder", "Imported", "Sink"]

Sink = Callable[[CID, bytes], None]


@dataclass(frozen=True, slots=True)
class Imported:
    """An imported node: its CID, ``tsize`` (bytes of every block in its DAG, the value a
    dag-pb link to it carries) and ``size`` (file bytes; 0 for directories and symlinks)."""

    cid: CID
    tsize: int
    size: int

    def __reduce__(self) -> tuple[type[Imported], tuple[CID, int, int]]:
        """Pickled as its fields (see ``CID.__reduce__``)."""
        return Imported, (self.cid, self.tsize, self.size)


class BalancedBuilder:
    """Streams leaves into a balanced UnixFS file DAG."""

    def __init__(self, cid_version: int, max_links: int, sink: Sink) -> None:
        if max_links < 2:
            raise IpfsError(f"a file node needs room for at least 2 links, not {max_links}")
        self._version = cid_version
        self._max = max_links
        self._sink = sink
        self._levels: list[list[Imported]] = [[]]
        self._leaves = 0

    def add(self, leaf: Imported) -> None:
        """Append the next leaf of the file."""
        self._leaves += 1
        self._push(0, leaf)

    def _push(self, level: int, node: Imported) -> None:
        pending = self._levels[level]
        if len(pending) == self._max:
            parent = self._parent(pending)
            self._levels[level] = [node]
            if level + 1 == len(self._levels):
                self._levels.append([])
            self._push(level + 1, parent)
        else:
            pending.append(node)

    def _parent(self, children: list[Imported]) -> Imported:
        links = tuple(PBLink(child.cid, "", child.tsize) for child in children)
        sizes = tuple(child.size for child in children)
        filesize = sum(sizes)
        data = encode_data(UnixFSData(type=FILE, filesize=filesize, blocksizes=sizes))
        block = encode_node(PBNode(links, data))
        cid = CID.hash(block, DAG_PB, self._version)
        self._sink(cid, block)
        return Imported(cid, len(block) + sum(child.tsize for child in children), filesize)

    def finish(self) -> Imported:
        """Close the partial nodes and return the root (the leaf itself for one leaf)."""
        if self._leaves == 0:
            raise IpfsError("a file needs at least one leaf (an empty file has one empty leaf)")
        if self._leaves == 1:
            return self._levels[0][0]
        level = 0
        while True:
            pending = self._levels[level]
            top = level == len(self._levels) - 1
            if top and len(pending) == 1:
                return pending[0]
            self._levels[level] = []
            parent = self._parent(pending)
            if top:
                self._levels.append([])
            self._push(level + 1, parent)
            level += 1
