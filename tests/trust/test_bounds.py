"""Bounds of the trust checks on hostile bundles: file reads capped from the declared size,
bundle walks capped per path and in depth, blocks under wrong CIDs never followed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from permapress.errors import IpfsError, TrustError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import car_header, car_section
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import DIRECTORY, FILE, UnixFSData, encode_data
from permapress.trust import check
from permapress.trust.verify import verify_path

DIR = encode_data(UnixFSData(DIRECTORY))


def put(store: MemoryBlockstore, block: bytes, codec: int = DAG_PB) -> CID:
    cid = CID.hash(block, codec)
    store.put(cid, block)
    return cid


def folder(store: MemoryBlockstore, links: list[tuple[str, CID]]) -> CID:
    return put(store, encode_node(PBNode(tuple(PBLink(c, n, 0) for n, c in links), DIR)))


def big_file(store: MemoryBlockstore, leaf_size: int, fanout: int) -> CID:
    leaf = put(store, bytes(leaf_size), 0x55)
    data = encode_data(UnixFSData(FILE, filesize=leaf_size * fanout,
                                  blocksizes=(leaf_size,) * fanout))
    return put(store, encode_node(PBNode(tuple(PBLink(leaf, "", leaf_size)
                                               for _ in range(fanout)), data)))


def test_read_bytes_refuses_from_the_declared_size() -> None:
    store = MemoryBlockstore()
    cid = big_file(store, 1000, 10)
    assert check.read_bytes(cid, store.get) == bytes(10_000)
    with pytest.raises(IpfsError, match="declares 10000 bytes"):
        check.read_bytes(cid, store.get, limit=9_999)


def test_tree_files_depth_and_entry_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"x", 0x55)
    cid = folder(store, [("f", leaf)])
    for _ in range(check.MAX_BUNDLE_DEPTH):
        cid = folder(store, [("d", cid)])
    with pytest.raises(TrustError, match=f"deeper than {check.MAX_BUNDLE_DEPTH} levels"):
        check.tree_files(cid, store.get)
    wide = folder(store, [(f"n{i}", leaf) for i in range(50)])
    assert len(check.tree_files(wide, store.get)) == 50
    monkeypatch.setattr(check, "MAX_BUNDLE_ENTRIES", 49)
    with pytest.raises(TrustError, match="more than 49 files and folders"):
        check.tree_files(wide, store.get)


def test_verify_of_a_car_never_follows_a_block_under_a_wrong_cid(tmp_path: Path) -> None:
    fake = CID.hash(b"never stored under its own hash", DAG_PB)
    loop = encode_node(PBNode((PBLink(fake, "again", 0),), DIR))
    out = io.BytesIO()
    out.write(car_header([fake]) + car_section(fake, loop))
    car = tmp_path / "loop.car"
    car.write_bytes(out.getvalue())
    report = verify_path(car)
    assert not report.valid
    assert any("does not match its CID" in p for p in report.problems)


def test_summary_lists_twenty_problems_then_a_count(tmp_path: Path) -> None:
    store = MemoryBlockstore()
    names = [(f"f{i}", CID.hash(f"absent {i}".encode())) for i in range(45)]
    root = folder(store, names)
    out = io.BytesIO()
    out.write(car_header([root]) + car_section(root, store.get(root)))
    car = tmp_path / "holes.car"
    car.write_bytes(out.getvalue())
    text = verify_path(car).summary()
    assert text.count("Problem: ") == 20
    assert text.splitlines()[-1].startswith("… and ") and "more problems" in text
