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

Each problem names the block's CID and its path from the root; ``Problem`` and ``VerifyReport``
live in ``permapress.ipfs.report``, the walk itself (bounded for hostile input, DAG-CBOR read as
go-ipld-prime reads it) in ``permapress.ipfs.dagwalk``.

``verify_car`` reads a CAR (v1 or v2) into memory, then verifies the DAG under ``root`` (default:
every root in the CAR header). A given root must be one of the CAR's roots or a block in it,
otherwise that is a ``missing`` problem. Blocks of the CAR that are not reachable are counted
in ``extra`` (not a failure). A CAR that cannot be parsed raises ``FormatError``; a path that
cannot be opened raises ``IpfsError``.

``checked_getter(get)`` wraps a getter so that every block it returns matches its CID
(``VerifyError`` otherwise; each block hashed once): readers that follow links through a CAR
they have not verified (``permapress verify``) then cannot be sent round a cycle.
"""


from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from permapress.errors import IpfsError, UnsupportedError, VerifyError
from permapress.ipfs import dagwalk
from permapress.ipfs.blockstore import MemoryBlockstore, identity_data
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, verify_block
from permapress.ipfs.dagwalk import Getter
from permapress.ipfs.report import Problem, VerifyReport


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
    walk = dagwalk.walk([root], get)
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
    walk = dagwalk.walk(roots, store.get)
    reached = {cid.multihash for cid in walk.seen}
    extra = sum(1 for cid in store if cid.multihash not in reached)
    return VerifyReport(
        roots[0], walk.blocks, walk.size, tuple(walk.problems), extra, tuple(notes + walk.notes),
        tuple(walk.warnings),
    )
