"""The walk under ``verify_dag`` and ``verify_car``: each block once, from an explicit stack.

``walk(roots, get)`` visits every block reachable from ``roots`` (depth first) and records a
``Problem`` for each block that is missing, corrupt, malformed or unsupported (see
``permapress.ipfs.verify``). DAG-CBOR blocks are read as go-ipld-prime reads them
(``dagcbor.decode_relaxed``): what it tolerates is recorded as a warning, never as a problem.

Bounded for hostile input: the walk is a loop over an explicit stack (no recursion, so a DAG
10,000 folders deep is fine) and visits each CID once, so a block stored under a CID it links to
(a cycle through a block whose hash does not match) ends, and a folder DAG whose levels link
twice to the level below (2^30 paths in a few KB) costs one visit per block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from permapress.errors import BlockNotFound, FormatError, UnsupportedError, VerifyError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON, DAG_PB, RAW, verify_block
from permapress.ipfs.dagpb import PBNode, decode_node
from permapress.ipfs.hamt import MURMUR3_X64_64
from permapress.ipfs.report import ROOT, Problem, ProblemKind, Trail, short_segment
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, SYMLINK, UnixFSData, decode_data
from permapress.ipfs.unixfs import RAW as UNIXFS_RAW

Getter = Callable[[CID], bytes]
Role = Literal["node", "file", "hamt"]

CBOR = 0x51
JSON = 0x0200
_LEAF_CODECS = (RAW, CBOR, JSON)


Child = tuple[CID, Trail, Role, "int | None"]


@dataclass(slots=True)
class Walk:
    get: Getter
    seen: set[CID] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: int = 0
    size: int = 0

    def problem(self, cid: CID, trail: Trail, kind: ProblemKind, message: str) -> None:
        target = self.warnings if kind == "warning" else self.problems
        target.append(Problem(cid, trail.short(), kind, message))

    def run(self, root: CID) -> None:
        stack: list[Child] = [(root, ROOT, "node", None)]
        while stack:
            cid, trail, role, expected = stack.pop()
            if cid in self.seen:
                continue
            self.seen.add(cid)
            children = self.visit(cid, trail, role, expected)
            stack.extend(reversed(children))

    def visit(self, cid: CID, trail: Trail, role: Role, expected: int | None) -> list[Child]:
        data = self.load(cid, trail, role)
        if data is None:
            return []
        if cid.codec in _LEAF_CODECS:
            if role == "hamt":
                self.problem(cid, trail, "malformed", "a HAMT link leads to a non-dag-pb block")
            elif expected is not None and len(data) != expected:
                self.problem(
                    cid, trail, "malformed",
                    f"file leaf holds {len(data)} bytes but its parent says {expected}",
                )
            return []
        if cid.codec == DAG_PB:
            return self.dag_pb(cid, data, trail, role, expected)
        if role != "node":
            self.problem(cid, trail, "malformed", f"a {cid.codec_name} block inside a UnixFS DAG")
            return []
        if cid.codec == DAG_CBOR:
            try:
                decoded = dagcbor.decode_relaxed(data)
            except FormatError as exc:
                self.problem(cid, trail, "malformed", str(exc))
                return []
            for warning in decoded.warnings:
                self.problem(
                    cid, trail, "warning",
                    f"DAG-CBOR with {warning}; accepted as other IPLD tools accept it "
                    "(hash checked, links followed)",
                )
            return [
                (link, trail.child(where), "node", None)
                for where, link in cbor_links(decoded.value)
            ]
        if cid.codec == DAG_JSON:
            self.notes.append(
                f"dag-json block {cid} ({trail.short() or 'root'}) matches its hash; its links "
                "were not followed (permapress does not traverse dag-json)"
            )
            return []
        self.problem(
            cid, trail, "unsupported",
            f"codec {cid.codec_name} is unknown: the hash matches but links cannot be followed",
        )
        return []

    def load(self, cid: CID, trail: Trail, role: Role) -> bytes | None:
        """The block if it is present and matches its CID (problems recorded otherwise)."""
        part = {"node": "block", "file": "a block of this file", "hamt": "a HAMT shard"}[role]
        inline = identity_data(cid)
        if inline is not None:
            data = inline
        else:
            try:
                data = self.get(cid)
            except BlockNotFound:
                self.problem(cid, trail, "missing", f"{part} is not present")
                return None
            except VerifyError:  # from a checked_getter
                self.problem(cid, trail, "corrupt", f"{part}: content does not match its CID")
                return None
            try:
                matches = verify_block(cid, data)
            except UnsupportedError as exc:
                self.problem(cid, trail, "unsupported", f"{exc}; the block cannot be checked")
                matches = True
            if not matches:
                self.blocks += 1
                self.size += len(data)
                self.problem(cid, trail, "corrupt", f"{part}: content does not match its CID")
                return None
        self.blocks += 1
        self.size += len(data)
        return data

    def dag_pb(
        self, cid: CID, data: bytes, trail: Trail, role: Role, expected: int | None
    ) -> list[Child]:
        try:
            node = decode_node(data)
        except FormatError as exc:
            self.problem(cid, trail, "malformed", f"dag-pb does not decode: {exc}")
            return []
        if node.data is None:
            if role != "node":
                self.problem(cid, trail, "malformed", "dag-pb block without UnixFS data")
                return []
            return [(link.cid, trail.child(link.name or ""), "node", None) for link in node.links]
        try:
            fs = decode_data(node.data)
        except FormatError as exc:
            self.problem(cid, trail, "malformed", f"UnixFS data does not decode: {exc}")
            return []
        if role == "file" and fs.type not in (FILE, UNIXFS_RAW):
            self.problem(cid, trail, "malformed", "a file links to a block that is not file data")
            return []
        if role == "hamt" and fs.type != HAMT_SHARD:
            self.problem(cid, trail, "malformed", "a HAMT sub-shard link leads to a non-shard")
            return []
        if fs.type in (FILE, UNIXFS_RAW):
            return self.file(cid, node, fs, trail, expected)
        if fs.type == DIRECTORY:
            return self.directory(cid, node, trail)
        if fs.type == HAMT_SHARD:
            return self.hamt(cid, node, fs, trail)
        if fs.type == SYMLINK and node.links:
            self.problem(cid, trail, "malformed", "a symlink with links")
            return []
        return [(link.cid, trail.child(link.name or ""), "node", None) for link in node.links]

    def file(
        self, cid: CID, node: PBNode, fs: UnixFSData, trail: Trail, expected: int | None
    ) -> list[Child]:
        if len(fs.blocksizes) != len(node.links):
            self.problem(
                cid, trail, "malformed",
                f"file node has {len(node.links)} links but {len(fs.blocksizes)} blocksizes",
            )
            return []
        total = len(fs.data or b"") + sum(fs.blocksizes)
        if fs.filesize is not None and fs.filesize != total:
            self.problem(
                cid, trail, "malformed", f"filesize is {fs.filesize} but the parts hold {total}"
            )
        if expected is not None and expected != total:
            self.problem(
                cid, trail, "malformed", f"file node holds {total} bytes but its parent says "
                f"{expected}",
            )
        return [
            (link.cid, trail, "file", size)
            for link, size in zip(node.links, fs.blocksizes, strict=True)
        ]

    def directory(self, cid: CID, node: PBNode, trail: Trail) -> list[Child]:
        names: set[str] = set()
        children: list[Child] = []
        for index, link in enumerate(node.links):
            if not link.name:
                self.problem(cid, trail, "malformed", f"directory entry {index} has no name")
                continue
            if link.name in names:
                self.problem(
                    cid, trail, "malformed",
                    f"directory has two entries {short_segment(link.name)!r}",
                )
                continue
            names.add(link.name)
            children.append((link.cid, trail.child(link.name), "node", None))
        return children

    def hamt(self, cid: CID, node: PBNode, fs: UnixFSData, trail: Trail) -> list[Child]:
        if fs.hash_type != MURMUR3_X64_64:
            self.problem(
                cid, trail, "unsupported",
                f"HAMT hash function {fs.hash_type} is unknown; entries were not checked",
            )
            return []
        fanout = fs.fanout or 0
        if fanout < 2 or fanout & (fanout - 1) or fanout > 1 << 16:
            self.problem(cid, trail, "malformed", f"HAMT fanout {fs.fanout} is not a power of 2")
            return []
        width = len(f"{fanout - 1:X}")
        children: list[Child] = []
        for link in node.links:
            name = link.name or ""
            prefix = name[:width]
            if len(name) < width or not all(c in "0123456789ABCDEF" for c in prefix):
                self.problem(
                    cid, trail, "malformed",
                    f"HAMT link {short_segment(name)!r} has no bucket prefix",
                )
            elif len(name) == width:
                children.append((link.cid, trail, "hamt", None))
            else:
                children.append((link.cid, trail.child(name[width:]), "node", None))
        return children


def cbor_links(value: dagcbor.DagValue) -> Iterator[tuple[str, CID]]:
    """(field path, CID) for every link in a decoded DAG-CBOR value, in encoded order.

    Memory is bounded by the nesting depth: a path string is built only for a link found, never
    for every element of a large list or map."""
    if isinstance(value, CID):
        yield "", value
        return
    keys: list[str] = []
    stack: list[Iterator[tuple[str, dagcbor.DagValue]]] = [_items(value)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            if keys:
                keys.pop()
            continue
        key, item = step
        if isinstance(item, CID):
            yield "/".join([*keys, key]), item
        elif isinstance(item, list | dict):
            keys.append(key)
            stack.append(_items(item))


def _items(value: dagcbor.DagValue) -> Iterator[tuple[str, dagcbor.DagValue]]:
    if isinstance(value, dict):
        return iter(value.items())
    if isinstance(value, list):
        return ((str(index), item) for index, item in enumerate(value))
    return iter(())


def walk(roots: Sequence[CID], get: Getter) -> Walk:
    walk = Walk(get)
    for root in roots:
        walk.run(root)
    return walk
