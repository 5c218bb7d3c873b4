"""A pack file read without its index: the blocks it holds and whether they are whole.

    read_sections(pack) -> ([(CID, offset, length)], complete)
        every block of a pack's bytes (``complete`` is false when the bytes end inside a
        section or a section cannot be read; the sections before it are still given)
    pack_rows(path, name) -> ([(multihash, offset, length)], problem)
        the index rows of the pack file at ``path`` whose blocks hash to their CIDs, and what
        is wrong with it ("" when nothing is: every section whole and its bytes hashing to
        ``name``)
    Reindexed                        what ``Packs.reindex`` found (``packs.py``)

A pack is a run of CAR sections (varint of the CID's and the block's length, the binary CID,
the block), written by ``packs.pack_bytes``. Pure functions over bytes, but ``pack_rows``,
which reads one file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from permapress.errors import FormatError, UnsupportedError
from permapress.ipfs.cid import CID, decode_varint, verify_block


def read_sections(pack: bytes) -> tuple[list[tuple[CID, int, int]], bool]:
    """Every (CID, offset of the block, length) of a pack read from its bytes alone, and whether
    the bytes ended where a section ends (a section cut short or unreadable stops the reading;
    the sections before it are still given)."""
    found: list[tuple[CID, int, int]] = []
    pos, end = 0, len(pack)
    view = memoryview(pack)
    while pos < end:
        try:
            length, start = decode_varint(view, pos)
            cid, after = CID.decode_prefix(view, start)
        except FormatError:
            return found, False
        if length < after - start or start + length > end:
            return found, False
        found.append((cid, after, start + length - after))
        pos = start + length
    return found, True


@dataclass(frozen=True, slots=True)
class Reindexed:
    """What ``Packs.reindex`` found: packs and blocks indexed, packs that had no rows before
    (an interrupted write), rows dropped because their pack is gone, the damaged packs
    (name -> what is wrong; their good blocks are indexed all the same), and whether an index
    SQLite could not open was moved aside first."""

    packs: int
    blocks: int
    added: int
    dropped: int
    damaged: dict[str, str]
    set_aside: bool = False


def pack_rows(path: str, name: str) -> tuple[list[tuple[bytes, int, int]], str]:
    """The index rows of the pack at ``path`` whose blocks hash to their CIDs, and what is wrong
    with the pack ("" when nothing is)."""
    try:
        with open(path, "rb") as handle:
            body = handle.read()
    except OSError as exc:
        return [], f"cannot be read: {exc.strerror}"
    sections, complete = read_sections(body)
    rows, bad = [], 0
    for cid, offset, length in sections:
        try:
            good = verify_block(cid, body[offset : offset + length])
        except (UnsupportedError, FormatError):
            good = False
        if good:
            rows.append((cid.multihash, offset, length))
        else:
            bad += 1
    problems = []
    if not complete:
        problems.append("it ends inside a block")
    if bad:
        problems.append(f"{bad} block(s) do not match their CID")
    if not problems and hashlib.sha256(body).hexdigest()[:32] != name:
        problems.append("its bytes do not match its name")
    return rows, "; ".join(problems)
