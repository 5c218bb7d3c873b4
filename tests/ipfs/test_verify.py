"""Tests for permapress/ipfs/verify.py: complete, missing, corrupt, malformed and unsupported."""

from __future__ import annotations

import dataclasses
import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import FormatError, IpfsError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import car_header, car_section, dag_blocks, write_car
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON, DAG_PB, RAW, multihash
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.importer import Imported, import_tree
from permapress.ipfs.profiles import PROFILES, Profile
from permapress.ipfs.reader import resolve_path
from permapress.ipfs.report import Problem, VerifyReport
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, SYMLINK, UnixFSData, encode_data
from permapress.ipfs.verify import verify_car, verify_dag

# small chunks and few links per node, so a few KiB give multi-level files
SMALL = dataclasses.replace(PROFILES["unixfs-v1-2025"], name="small", chunk_size=256, max_links=4)
SMALL_V0 = dataclasses.replace(PROFILES["unixfs-v0-2015"], name="small-v0", chunk_size=256,
                               max_links=4)
PAGE = random.Random(42).randbytes(2300)  # 9 distinct 256-byte chunks + 252 bytes


def newsroom_site(store: MemoryBlockstore, profile: Profile = SMALL) -> Imported:
    tree = {
        "index.html": b"<h1>News</h1>",
        "articles": {
            "x": {"index.html": PAGE, "article.md": b"# X\n", "media": {}},
            "y": {"index.html": b"<p>y</p>"},
        },
    }
    return import_tree(tree, profile, store.put)


def block_at(store: MemoryBlockstore, root: CID, path: str) -> CID:
    return resolve_path(root, path.split("/"), store.get)[0]


@pytest.mark.parametrize("profile", [SMALL, SMALL_V0], ids=lambda p: p.name)
def test_complete_dag_is_ok(profile: Profile) -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store, profile)
    report = verify_dag(site.cid, store.get)
    assert report.ok
    assert report.problems == ()
    assert report.blocks == len(store)
    assert report.bytes == store.size
    assert report.summary() == f"OK {site.cid}: {len(store)} blocks, {store.size} bytes"


def test_missing_block_is_named_by_cid_and_path() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    page = block_at(store, site.cid, "articles/x/index.html")
    leaf = [cid for cid, _ in dag_blocks(page, store.get) if cid.codec == RAW][3]
    store.delete(leaf)
    report = verify_dag(site.cid, store.get)
    assert not report.ok
    assert report.problems == (
        Problem(leaf, "articles/x/index.html", "missing", "a block of this file is not present"),
    )
    assert str(report.problems[0]).startswith(f"missing: {leaf} (articles/x/index.html)")
    assert report.summary().startswith(f"FAILED {site.cid}: 1 missing")


def test_missing_directory_is_reported_once_and_not_descended() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    x_dir = block_at(store, site.cid, "articles/x")
    store.delete(x_dir)
    report = verify_dag(site.cid, store.get)
    assert [(p.kind, p.path, p.cid) for p in report.problems] == [("missing", "articles/x", x_dir)]


def test_corrupt_block() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    target = block_at(store, site.cid, "articles/y/index.html")
    bad = MemoryBlockstore()
    for cid in store:
        bad.put(cid, b"<p>Y, edited after publication</p>" if cid == target else store.get(cid))
    report = verify_dag(site.cid, bad.get)
    assert [(p.kind, p.path, p.cid) for p in report.problems] == [
        ("corrupt", "articles/y/index.html", target)
    ]


def put(store: MemoryBlockstore, block: bytes, codec: int = DAG_PB) -> CID:
    cid = CID.hash(block, codec)
    store.put(cid, block)
    return cid


def pb(store: MemoryBlockstore, fs: UnixFSData | None, links: tuple[PBLink, ...] = ()) -> CID:
    return put(store, encode_node(PBNode(links, None if fs is None else encode_data(fs))))


def wrapped(store: MemoryBlockstore, name: str, child: CID) -> CID:
    return pb(store, UnixFSData(DIRECTORY), (PBLink(child, name, 1),))


def only_problem(report: VerifyReport) -> Problem:
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def test_malformed_blocks() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"12345", RAW)
    cases: list[tuple[CID, str]] = [
        (put(store, b"\xff\xff not dag-pb"), "dag-pb does not decode"),
        (put(store, encode_node(PBNode((), b"\x08\x63"))), "UnixFS data does not decode"),
        (pb(store, UnixFSData(FILE, filesize=5), (PBLink(leaf, "", 5),)), "1 links but 0"),
        (pb(store, UnixFSData(FILE, filesize=7, blocksizes=(5,)), (PBLink(leaf),)), "filesize"),
        (pb(store, UnixFSData(FILE, filesize=6, blocksizes=(6,)), (PBLink(leaf),)), "says 6"),
        (pb(store, UnixFSData(DIRECTORY), (PBLink(leaf, None, 5),)), "has no name"),
        (pb(store, UnixFSData(DIRECTORY), (PBLink(leaf, "a"), PBLink(leaf, "a"))), "two entries"),
        (pb(store, UnixFSData(SYMLINK, data=b"x"), (PBLink(leaf, "a"),)), "symlink with links"),
        (put(store, b"\xa1\x00\x00", DAG_CBOR), "DAG-CBOR"),
    ]
    file_in_file = pb(store, UnixFSData(DIRECTORY))
    cases.append(
        (pb(store, UnixFSData(FILE, blocksizes=(0,)), (PBLink(file_in_file),)), "not file data")
    )
    shard = UnixFSData(HAMT_SHARD, data=b"\x01", hash_type=0x22, fanout=256)
    cases.append((pb(store, shard, (PBLink(leaf, "zz"),)), "no bucket prefix"))
    cases.append((pb(store, shard, (PBLink(leaf, "00"),)), "non-dag-pb"))
    cases.append((pb(store, shard, (PBLink(pb(store, UnixFSData(FILE)), "00"),)), "non-shard"))
    bad_fanout = dataclasses.replace(shard, fanout=10)
    cases.append((pb(store, bad_fanout), "not a power of 2"))
    for root, message in cases:
        problem = only_problem(verify_dag(wrapped(store, "item", root), store.get))
        assert problem.kind == "malformed"
        assert message in problem.message
        assert problem.path == "item"


def test_unsupported_hash_and_codec() -> None:
    store = MemoryBlockstore()
    keccak = CID(1, RAW, multihash(0x1B, bytes(32)))
    store.put(keccak, b"whatever")
    problem = only_problem(verify_dag(wrapped(store, "k", keccak), store.get))
    assert (problem.kind, problem.path) == ("unsupported", "k")
    assert "0x1b" in problem.message
    git = put(store, b"tree 0\x00", 0x78)
    problem = only_problem(verify_dag(wrapped(store, "g", git), store.get))
    assert (problem.kind, problem.path) == ("unsupported", "g")
    assert "0x78" in problem.message
    hamt = pb(store, UnixFSData(HAMT_SHARD, data=b"\x00", hash_type=0x12, fanout=256))
    assert only_problem(verify_dag(hamt, store.get)).kind == "unsupported"


def test_dag_json_is_hash_checked_not_traversed() -> None:
    store = MemoryBlockstore()
    doc = put(store, b'{"a":{"/":"bafkqaaa"}}', DAG_JSON)
    report = verify_dag(wrapped(store, "doc.json", doc), store.get)
    assert report.ok
    assert any("dag-json" in note and "not followed" in note for note in report.notes)
    bad = CID.hash(b"{}", DAG_JSON)
    store.put(bad, b"[]")
    assert only_problem(verify_dag(bad, store.get)).kind == "corrupt"


def test_dag_cbor_links_are_followed_with_field_paths() -> None:
    store = MemoryBlockstore()
    leaf = CID.hash(b"gone")
    doc = put(store, dagcbor.encode({"files": {"single": leaf}, "n": 1}), DAG_CBOR)
    problem = only_problem(verify_dag(wrapped(store, "document", doc), store.get))
    assert (problem.kind, problem.path, problem.cid) == ("missing", "document/files/single", leaf)


def test_plain_cbor_and_json_are_leaves() -> None:
    store = MemoryBlockstore()
    for codec in (0x51, 0x0200):
        cid = put(store, b"\xa0", codec)
        assert verify_dag(cid, store.get).ok


# --- verify_car ------------------------------------------------------------------------------


def car_of(store: MemoryBlockstore, root: CID, roots: list[CID] | None = None) -> bytes:
    out = io.BytesIO()
    write_car(roots or [root], dag_blocks(root, store.get), out)
    return out.getvalue()


def test_verify_car_paths_and_streams(tmp_path: Path) -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    data = car_of(store, site.cid)
    path = tmp_path / "site.car"
    path.write_bytes(data)
    for source in (path, str(path), io.BytesIO(data)):
        report = verify_car(source)
        assert report.ok and report.root == site.cid and report.blocks == len(store)
        assert report.extra == 0


def test_verify_car_with_a_root_inside() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    data = car_of(store, site.cid)
    x_dir = block_at(store, site.cid, "articles/x")
    report = verify_car(io.BytesIO(data), x_dir)
    assert report.ok and report.root == x_dir
    assert report.extra > 0
    stranger = CID.hash(b"not in this CAR", DAG_PB)
    problem = only_problem(verify_car(io.BytesIO(data), stranger))
    assert problem.kind == "missing"
    assert "neither a root of this CAR" in problem.message


def test_verify_car_many_roots_extra_and_repeats() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    y_page = block_at(store, site.cid, "articles/y/index.html")
    lonely = put(store, b"not linked from anything", RAW)
    blocks = list(dag_blocks(site.cid, store.get))
    out = io.BytesIO()
    write_car([site.cid, y_page], [*blocks, (lonely, b"not linked from anything"), blocks[0]], out)
    report = verify_car(io.BytesIO(out.getvalue()))
    assert report.ok
    assert report.extra == 1
    assert any("2 roots" in note for note in report.notes)
    assert any("twice" in note for note in report.notes)


def test_verify_car_incomplete_car() -> None:
    store = MemoryBlockstore()
    site = newsroom_site(store)
    blocks = list(dag_blocks(site.cid, store.get))
    dropped = blocks[5][0]
    data = car_header([site.cid]) + b"".join(car_section(c, d) for c, d in blocks if c != dropped)
    problem = only_problem(verify_car(io.BytesIO(data)))
    assert (problem.kind, problem.cid) == ("missing", dropped)


def test_verify_car_bad_input(tmp_path: Path) -> None:
    with pytest.raises(IpfsError, match="cannot open CAR file"):
        verify_car(tmp_path / "nope.car")
    with pytest.raises(IpfsError, match="cannot open CAR file"):
        verify_car(tmp_path)
    (tmp_path / "junk.car").write_bytes(b"this is not a CAR file at all")
    with pytest.raises(FormatError):
        verify_car(tmp_path / "junk.car")


def _sample_car() -> tuple[bytes, list[tuple[int, int]]]:
    """A CAR of the small site and the (start, end) of each block's data inside it."""
    store = MemoryBlockstore()
    site = newsroom_site(store)
    data = bytearray(car_header([site.cid]))
    spans = []
    for cid, block in dag_blocks(site.cid, store.get):
        section = car_section(cid, block)
        start = len(data) + len(section) - len(block)
        data += section
        spans.append((start, start + len(block)))
    return bytes(data), spans


SAMPLE_CAR, SAMPLE_SPANS = _sample_car()


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_any_flipped_bit_in_any_block_fails(draw: st.DataObject) -> None:
    block = draw.draw(st.sampled_from(SAMPLE_SPANS))
    start, end = block
    if start == end:
        return
    position = draw.draw(st.integers(start, end - 1))
    bit = draw.draw(st.integers(0, 7))
    flipped = bytearray(SAMPLE_CAR)
    flipped[position] ^= 1 << bit
    report = verify_car(io.BytesIO(bytes(flipped)))
    assert not report.ok
    assert any(p.kind == "corrupt" for p in report.problems)


@given(st.integers(0, len(SAMPLE_CAR) - 1), st.integers(0, 7))
@settings(max_examples=200, deadline=None)
def test_any_flipped_bit_anywhere_is_caught_or_harmless(position: int, bit: int) -> None:
    flipped = bytearray(SAMPLE_CAR)
    flipped[position] ^= 1 << bit
    try:
        report = verify_car(io.BytesIO(bytes(flipped)))
    except IpfsError:
        return
    if report.ok:
        # only a section's CID label can change harmlessly: blocks are found by multihash,
        # so a flipped codec or version byte still finds the same, intact bytes
        assert not any(start <= position < end for start, end in SAMPLE_SPANS)


def test_link_paths_of_a_huge_list_cost_memory_for_the_links_only() -> None:
    import tracemalloc

    from permapress.ipfs.dagwalk import cbor_links

    link = CID.hash(b"x")
    value: dagcbor.DagValue = {"big": [0] * 500_000 + [link], "n": {"x": [[link]]}}
    tracemalloc.start()
    try:
        found = list(cbor_links(value))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [("big/500000", link), ("n/x/0/0", link)]
    assert peak < 1_000_000  # no path string or stack entry per list element (was ~100 MB)


def test_a_bad_copy_before_the_good_one_does_not_hide_it() -> None:
    block = b"the real content"
    cid = CID.hash(block)
    for sections in ([(cid, b"forged"), (cid, block)], [(cid, block), (cid, b"forged")]):
        out = io.BytesIO()
        write_car([cid], sections, out)
        report = verify_car(io.BytesIO(out.getvalue()))
        assert report.ok, report.problems
        assert any("hold different bytes" in note for note in report.notes)
