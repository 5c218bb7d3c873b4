"""Verify a DAG: every block present, hashing to its CID, decoding, and UnixFS that adds up.

    verify_dag(root, get) -> VerifyReport
    verify_car(stream_or_path, root=None) -> VerifyReport
    load_car(stream_or_path) -> LoadedCar (roots, MemoryBlockstore, repeats, version)
    verify_loaded(loaded_car, root=None) -> VerifyReport   (verify_car without reading twice)

``verify_dag`` walks from ``root`` (depth first, each block once) and records a ``Problem`` for
each block that is

- ``missing``: ``get`` raised ``BlockNotFound``;
- ``corrupt``: its bytes do not hash to its CID (its links are then not followed);
- ``malformed``: dag-pb, UnixFS or DAG-CBOR that does not decode, or UnixFS that does not add up
  (a file node whose ``blocksizes`` do not match its links or its children's sizes, a directory
  entry without a name or with a duplicate name, a HAMT link without its bucket prefix, a
  directory where a file block should be);
- ``unsupported``: a hash function or codec permapress cannot check. Blocks in the ``dag-json``
  codec are hash-checked but their links are not followed; the report says so in ``notes``.
  The link-free codecs raw, cbor (0x51) and json (0x0200) are fully checked by their hash.

Each problem names the block's CID and, inside UnixFS, its path from the root
(``articles/x/index.html``; ``""`` is the root itself). ``VerifyReport.ok`` is true only when
there are no problems. ``blocks`` and ``bytes`` count the distinct blocks that were present.

``verify_car`` reads a CAR (v1 or v2) into memory, then verifies the DAG under ``root`` (default:
every root in the CAR header). A given root must be one of the CAR's roots or a block in it,
otherwise that is a ``missing`` problem. Blocks of the CAR that are not reachable are counted
in ``extra`` (not a failure). A CAR that cannot be parsed raises ``FormatError``; a path that
cannot be opened raises ``IpfsError``.

Bounded for hostile input: the walk is a loop over an explicit stack (no recursion, so a DAG
10,000 folders deep is fine) and visits each CID once, so a block stored under a CID it links to
(a cycle through a block whose hash does not match) ends, and a folder DAG whose levels link
twice to the level below (2^30 paths in a few KB) costs one visit per block. Paths are kept as
links to their parent, never as growing strings; ``Problem.path`` is shortened to its first and
last ``PATH_KEEP`` segments (``a/b/c/…/x/y/z``) and each segment to ``SEGMENT_KEEP`` characters.

DAG-CBOR blocks are read as go-ipld-prime reads them (``dagcbor.decode_relaxed``): text that is
not valid UTF-8, map keys out of order, short floats and ``undefined`` are recorded in
``VerifyReport.warnings`` (kind ``warning``), never as problems; the block is still hashed and
its links followed. ``VerifyReport.lines(limit)`` prints a long report as a summary: at most
``limit`` problems, then "… and K more", and each kind of warning once with its count.

``checked_getter(get)`` wraps a getter so that every block it returns matches its CID
(``VerifyError`` otherwise; each block hashed once): readers that follow links through a CAR
they have not verified (``permapress verify``) then cannot be sent round a cycle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from permapress.errors import (
    BlockNotFound,
    FormatError,
    IpfsError,
    UnsupportedError,
    VerifyError,
)
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore, identity_data
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON, DAG_PB, RAW, verify_block
from permapress.ipfs.dagpb import PBNode, decode_node
from permapress.ipfs.hamt import MURMUR3_X64_64
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, SYMLINK, UnixFSData, decode_data
from permapress.ipfs.unixfs import RAW as UNIXFS_RAW

Getter = Callable[[CID], bytes]
ProblemKind = Literal["missing", "corrupt", "unsupported", "malformed", "warning"]
Role = Literal["node", "file", "hamt"]

CBOR = 0x51
JSON = 0x0200
_LEAF_CODECS = (RAW, CBOR, JSON)
PATH_KEEP = 3
SEGMENT_KEEP = 40
DEFAULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Trail:
    """A path from the root as a link to its parent: extending it costs O(1) at any depth."""

    parent: Trail | None
    name: str
    depth: int
    head: tuple[str, ...]

    def child(self, name: str) -> Trail:
        trail = self
        for part in name.split("/") if name else [""]:
            head = trail.head if len(trail.head) >= PATH_KEEP else (*trail.head, part)
            trail = Trail(trail, part, trail.depth + 1, head)
        return trail

    def short(self) -> str:
        """The path with its middle elided: first and last ``PATH_KEEP`` segments."""
        if self.depth <= 2 * PATH_KEEP:
            parts: list[str] = []
            node: Trail | None = self
            while node is not None and node.depth:
                parts.append(node.name)
                node = node.parent
            return "/".join(_segment(p) for p in reversed(parts))
        tail: list[str] = []
        node = self
        while node is not None and len(tail) < PATH_KEEP:
            tail.append(node.name)
            node = node.parent
        first = "/".join(_segment(p) for p in self.head)
        last = "/".join(_segment(p) for p in reversed(tail))
        return f"{first}/…{self.depth - 2 * PATH_KEEP} more…/{last}"


ROOT = Trail(None, "", 0, ())


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (a name holding an escape
    sequence or a newline could forge output lines) and undecodable bytes shown as ``\\xNN``."""
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable() and char != " ":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _segment(name: str) -> str:
    name = printable(name)
    if len(name) <= SEGMENT_KEEP:
        return name
    half = SEGMENT_KEEP // 2
    return f"{name[:half]}…{name[-half:]}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one block."""

    cid: CID
    path: str
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else " (root)"
        return f"{self.kind}: {self.cid}{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of a verification; ``ok`` when nothing is wrong."""

    root: CID
    blocks: int
    bytes: int
    problems: tuple[Problem, ...]
    extra: int = 0
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, limit: int = DEFAULT_LIMIT) -> list[str]:
        """What to print: at most ``limit`` problems, warnings grouped, notes, then the summary."""
        out = [str(problem) for problem in self.problems[:limit]]
        rest = len(self.problems) - limit
        if rest > 0:
            out.append(f"… and {rest} more problems (--json lists every one)")
        groups: dict[str, list[Problem]] = {}
        for warning in self.warnings:
            groups.setdefault(warning.message, []).append(warning)
        for message, found in groups.items():
            first = found[0]
            where = f"{first.cid} ({first.path or 'root'})"
            more = f" and {len(found) - 1} more blocks" if len(found) > 1 else ""
            out.append(f"warning: {message}: {where}{more}")
        out.extend(f"note: {note}" for note in self.notes)
        out.append(self.summary())
        return [printable(line) for line in out]

    def summary(self) -> str:
        """One line: ``OK <root>: N blocks, M bytes`` or ``FAILED <root>: …``."""
        counts = f"{self.blocks} blocks, {self.bytes} bytes"
        if self.extra:
            counts += f", {self.extra} extra blocks not under the root"
        if self.warnings:
            counts += f", {len(self.warnings)} blocks with warnings"
        if self.ok:
            return f"OK {self.root}: {counts}"
        kinds: dict[str, int] = {}
        for problem in self.problems:
            kinds[problem.kind] = kinds.get(problem.kind, 0) + 1
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        return f"FAILED {self.root}: {found} ({counts} checked)"


Child = tuple[CID, Trail, Role, "int | None"]


@dataclass(slots=True)
class _Walk:
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
                for where, link in _cbor_links(decoded.value)
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
                    cid, trail, "malformed", f"directory has two entries {_segment(link.name)!r}"
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
                    cid, trail, "malformed", f"HAMT link {_segment(name)!r} has no bucket prefix"
                )
            elif len(name) == width:
                children.append((link.cid, trail, "hamt", None))
            else:
                children.append((link.cid, trail.child(name[width:]), "node", None))
        return children


def _cbor_links(value: dagcbor.DagValue) -> Iterator[tuple[str, CID]]:
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


def _walk(roots: Sequence[CID], get: Getter) -> _Walk:
    walk = _Walk(get)
    for root in roots:
        walk.run(root)
    return walk


def checked_getter(get: Getter) -> Getter:
    """``get`` that refuses any block whose bytes do not hash to its CID (see the docstring)."""
    good: set[bytes] = set()

    def checked(cid: CID) -> bytes:
        data = get(cid)
        if cid.multihash not in good:
            if not verify_block(cid, data):
                raise VerifyError(f"block {cid} does not match its CID (corrupt or substituted)")
            good.add(cid.multihash)
        return data

    return checked


def verify_dag(root: CID, get: Getter) -> VerifyReport:
    """Check the DAG under ``root`` (see the module docstring)."""
    walk = _walk([root], get)
    return VerifyReport(
        root, walk.blocks, walk.size, tuple(walk.problems), 0, tuple(walk.notes),
        tuple(walk.warnings),
    )


@dataclass(frozen=True, slots=True)
class LoadedCar:
    """A CAR read into memory: its header roots, its blocks, and sections it holds twice."""

    roots: tuple[CID, ...]
    store: MemoryBlockstore
    repeats: int
    version: int
    padding: int = 0
    padding_nonzero: bool = False
    conflicts: int = 0  # repeated CIDs whose sections hold different bytes


def load_car(stream_or_path: BinaryIO | str | os.PathLike[str]) -> LoadedCar:
    """Read a whole CAR (v1 or v2) into a ``MemoryBlockstore``; blocks are not checked here."""
    if isinstance(stream_or_path, str | os.PathLike):
        path = Path(stream_or_path)
        try:
            with path.open("rb") as stream:
                return load_car(stream)
        except (FileNotFoundError, IsADirectoryError, PermissionError, NotADirectoryError) as exc:
            raise IpfsError(f"cannot open CAR file {path}: {exc.strerror}") from None
    reader = read_car(stream_or_path)
    store = MemoryBlockstore()
    listed: set[CID] = set()
    repeats = 0
    conflicts = 0
    for cid, data in reader:
        if cid in listed:
            repeats += 1
        if identity_data(cid) is None and store.has(cid):
            kept = store.get(cid)
            if kept != data:
                conflicts += 1
                if not _matches(cid, kept) and _matches(cid, data):
                    store.delete(cid)  # keep the copy that matches its CID, wherever it is
                    store.put(cid, data)
        listed.add(cid)
        store.put(cid, data)
    return LoadedCar(
        reader.roots, store, repeats, reader.version, reader.padding, reader.padding_nonzero,
        conflicts,
    )


def _matches(cid: CID, data: bytes) -> bool:
    try:
        return verify_block(cid, data)
    except UnsupportedError:
        return False


def roots_text(roots: Sequence[CID], shown: int = 3) -> str:
    """The first ``shown`` roots, then how many more: for one-line messages."""
    text = ", ".join(str(r) for r in roots[:shown])
    return text + (f" and {len(roots) - shown} more" if len(roots) > shown else "")


def verify_car(
    stream_or_path: BinaryIO | str | os.PathLike[str], root: CID | None = None
) -> VerifyReport:
    """Read a CAR and verify the DAG under ``root`` or under every root of the CAR."""
    return verify_loaded(load_car(stream_or_path), root)


def verify_loaded(car: LoadedCar, root: CID | None = None) -> VerifyReport:
    """``verify_car`` for a CAR already read by ``load_car``."""
    store = car.store
    notes: list[str] = []
    if car.repeats:
        notes.append(f"the CAR holds {car.repeats} sections twice (harmless)")
    if car.conflicts:
        notes.append(
            f"{car.conflicts} repeated sections hold different bytes for the same CID; the copy "
            "that matches its CID was checked"
        )
    if car.padding:
        kind = "bytes that are not all zero" if car.padding_nonzero else "zero bytes"
        notes.append(
            f"the CAR data ends with a zero-length section followed by {car.padding - 1} "
            f"{kind}; read as padding, as go-car does, not as blocks"
        )
    if root is None:
        roots: list[CID] = list(car.roots)
        if len(roots) > 1:
            notes.append(f"the CAR has {len(roots)} roots; all were checked")
    else:
        roots = [root]
        if root not in car.roots and not store.has(root):
            problem = Problem(
                root, "", "missing",
                f"is neither a root of this CAR ({roots_text(car.roots)}) nor a block in it",
            )
            return VerifyReport(root, 0, 0, (problem,), len(store), tuple(notes))
    walk = _walk(roots, store.get)
    reached = {cid.multihash for cid in walk.seen}
    extra = sum(1 for cid in store if cid.multihash not in reached)
    return VerifyReport(
        roots[0], walk.blocks, walk.size, tuple(walk.problems), extra, tuple(notes + walk.notes),
        tuple(walk.warnings),
    )
