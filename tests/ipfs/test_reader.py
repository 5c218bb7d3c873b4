"""Tests for permapress/ipfs/reader.py: stat, paths (HAMT too), listings, file ranges, blocks."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

import pytest
from data_paths import GATEWAY_CONFORMANCE
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import BlockNotFound, FormatError, IpfsError, UnsupportedError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, RAW, identity_cid
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.hamt import build_shard
from permapress.ipfs.reader import (
    NodeInfo,
    NotADirectory,
    NotAFile,
    PathNotFound,
    file_blocks,
    list_directory,
    read_file,
    resolve_path,
    stat,
)
from permapress.ipfs.unixfs import (
    DIRECTORY,
    FILE,
    HAMT_SHARD,
    METADATA,
    SYMLINK,
    UnixFSData,
    encode_data,
)

FIXTURES = GATEWAY_CONFORMANCE


def load_fixture(relative: str) -> tuple[CID, MemoryBlockstore]:
    with (FIXTURES / relative).open("rb") as stream:
        reader = read_car(stream)
        store = MemoryBlockstore()
        store.put_many(reader)
    return reader.roots[0], store


def recording(store: MemoryBlockstore) -> tuple[Callable[[CID], bytes], list[CID]]:
    """A getter over a real store that remembers which blocks were asked for."""
    asked: list[CID] = []

    def get(cid: CID) -> bytes:
        asked.append(cid)
        return store.get(cid)

    return get, asked


# --- hand-built DAGs -------------------------------------------------------------------------


def put(store: MemoryBlockstore, block: bytes, codec: int = DAG_PB, version: int = 1) -> CID:
    cid = CID.hash(block, codec, version)
    store.put(cid, block)
    return cid


def pb(store: MemoryBlockstore, fs: UnixFSData, links: tuple[PBLink, ...] = (), v: int = 1) -> CID:
    return put(store, encode_node(PBNode(links, encode_data(fs))), DAG_PB, v)


def file_tree(store: MemoryBlockstore, data: bytes, rng: random.Random, v0: bool = False) -> CID:
    """A file DAG over ``data`` with random leaf sizes, two levels, optional inline root data."""
    cuts = sorted({0, len(data), *(rng.randrange(len(data) + 1) for _ in range(12))})
    leaves: list[tuple[CID, int]] = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        chunk = data[lo:hi]
        if v0:
            cid = pb(store, UnixFSData(FILE, data=chunk, filesize=len(chunk)), v=0)
        else:
            cid = put(store, chunk, RAW)
        leaves.append((cid, len(chunk)))
    groups = [leaves[i : i + 3] for i in range(0, len(leaves), 3)]
    middles: list[tuple[CID, int]] = []
    for group in groups:
        sizes = tuple(size for _, size in group)
        links = tuple(PBLink(cid, "", size) for cid, size in group)
        fs = UnixFSData(FILE, filesize=sum(sizes), blocksizes=sizes)
        middles.append((pb(store, fs, links, 0 if v0 else 1), sum(sizes)))
    sizes = tuple(size for _, size in middles)
    fs = UnixFSData(FILE, filesize=sum(sizes), blocksizes=sizes)
    links = tuple(PBLink(cid, "", size) for cid, size in middles)
    return pb(store, fs, links, 0 if v0 else 1)


def directory(store: MemoryBlockstore, entries: dict[str, CID]) -> CID:
    links = tuple(PBLink(cid, name, 10) for name, cid in sorted(entries.items()))
    return pb(store, UnixFSData(DIRECTORY), links)


DATA = bytes(random.Random(7).randbytes(5000))


@pytest.fixture
def site() -> tuple[MemoryBlockstore, CID, CID]:
    store = MemoryBlockstore()
    big = file_tree(store, DATA, random.Random(1))
    note = put(store, b"a small note", RAW)
    link = pb(store, UnixFSData(SYMLINK, data=b"../note.txt"))
    inner = directory(store, {"big.bin": big, "link": link})
    root = directory(store, {"articles": inner, "note.txt": note})
    return store, root, big


# --- stat --------------------------------------------------------------------------------------


def test_stat_kinds(site: tuple[MemoryBlockstore, CID, CID]) -> None:
    store, root, big = site
    assert stat(root, store.get) == NodeInfo("directory", root, None)
    assert stat(big, store.get) == NodeInfo("file", big, len(DATA))
    note = CID.hash(b"a small note")
    assert stat(note, store.get) == NodeInfo("raw", note, 12)
    link, _ = resolve_path(root, ["articles", "link"], store.get)
    assert stat(link, store.get) == NodeInfo("symlink", link, len("../note.txt"))
    cbor = put(store, dagcbor.encode({"a": 1}), DAG_CBOR)
    assert stat(cbor, store.get) == NodeInfo("other", cbor, 4)
    bare = put(store, encode_node(PBNode((), None)))
    assert stat(bare, store.get).kind == "other"
    meta = pb(store, UnixFSData(METADATA, data=b"text/plain"))
    assert stat(meta, store.get).kind == "other"
    shard, _ = build_shard([("a", note, 12)], 1, 256, store.put)
    assert stat(shard, store.get) == NodeInfo("hamt", shard, None)
    inline = identity_cid(b"inline")
    assert stat(inline, store.get) == NodeInfo("raw", inline, 6)
    nofilesize = pb(store, UnixFSData(FILE, data=b"abc"))
    assert stat(nofilesize, store.get).size == 3


# --- paths -----------------------------------------------------------------------------------


def test_resolve_path_and_traversed(site: tuple[MemoryBlockstore, CID, CID]) -> None:
    store, root, big = site
    assert resolve_path(root, [], store.get) == (root, [])
    inner, traversed = resolve_path(root, ["articles"], store.get)
    assert traversed == [root]
    found, traversed = resolve_path(root, ["articles", "big.bin"], store.get)
    assert found == big
    assert traversed == [root, inner]


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        (["nope"], "no such file or directory"),
        (["articles", "nope"], "no such file or directory"),
        (["note.txt", "x"], "has no named links"),
        (["articles", "big.bin", "x"], "is not a directory"),
        ([""], "no such file"),
    ],
)
def test_resolve_path_not_found(
    site: tuple[MemoryBlockstore, CID, CID], segments: list[str], message: str
) -> None:
    store, root, _big = site
    with pytest.raises(PathNotFound, match=message) as info:
        resolve_path(root, segments, store.get)
    assert info.value.segment == segments[-1]
    assert str(root) in str(info.value)


def test_resolve_in_hamt_fixture_reads_only_the_path() -> None:
    root, store = load_fixture("trustless_gateway_car/single-layer-hamt-with-multi-block-files.car")
    names = [name for name, _cid, _t in list_directory(root, store.get)]
    assert sorted(names) == sorted(f"{i}.txt" for i in range(1, 1001))
    shards = {cid for cid in store if cid.codec == DAG_PB and stat(cid, store.get).kind == "hamt"}
    for name in names[::37]:
        get, asked = recording(store)
        found, traversed = resolve_path(root, [name], get)
        assert traversed[0] == root
        assert set(traversed) <= shards
        assert asked == traversed  # the root and the shards on the way, nothing else
        assert stat(found, store.get).size == 1026
    with pytest.raises(PathNotFound):
        resolve_path(root, ["1001.txt"], store.get)


def test_hamt_listing_and_lookup_of_a_deep_shard() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"x", RAW)
    names = [f"article-{i:05d}.html" for i in range(4000)]
    shard, _ = build_shard([(name, leaf, 1) for name in names], 1, 256, store.put)
    listed = list(list_directory(shard, store.get))
    assert sorted(name for name, _c, _t in listed) == sorted(names)
    assert all(cid == leaf and tsize == 1 for _n, cid, tsize in listed)
    rng = random.Random(3)
    for name in rng.sample(names, 50):
        found, traversed = resolve_path(shard, [name], store.get)
        assert found == leaf
        assert 1 <= len(traversed) <= 3
    with pytest.raises(PathNotFound):
        resolve_path(shard, ["article-99999.html"], store.get)


def test_hamt_with_unknown_hash_is_unsupported() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"x", RAW)
    fs = UnixFSData(HAMT_SHARD, data=b"\x01", hash_type=0x12, fanout=256)
    shard = pb(store, fs, (PBLink(leaf, "00a", 1),))
    with pytest.raises(UnsupportedError, match="0x12"):
        resolve_path(shard, ["a"], store.get)
    with pytest.raises(UnsupportedError):
        list(list_directory(shard, store.get))


def test_hamt_bad_link_names_are_format_errors() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"x", RAW)
    fs = UnixFSData(HAMT_SHARD, data=b"\x01", hash_type=0x22, fanout=256)
    shard = pb(store, fs, (PBLink(leaf, "0", 1),))
    with pytest.raises(FormatError, match="without a prefix"):
        list(list_directory(shard, store.get))
    not_a_shard = pb(store, fs, (PBLink(leaf, "00", 1),))
    with pytest.raises(FormatError, match="not a HAMT shard"):
        list(list_directory(not_a_shard, store.get))
    bad_fanout = pb(store, UnixFSData(HAMT_SHARD, hash_type=0x22, fanout=100))
    with pytest.raises(FormatError, match="fanout 100"):
        list(list_directory(bad_fanout, store.get))


def test_dag_cbor_paths() -> None:
    root, store = load_fixture("path_gateway_dag/dag-cbor-traversal.car")
    middle, traversed = resolve_path(root, ["foo", "link"], store.get)
    assert traversed == [root]
    leaf, traversed = resolve_path(root, ["foo", "link", "bar"], store.get)
    assert traversed == [root, middle]
    assert dagcbor.decode(store.get(leaf)) == {"hello": "this is not a link"}
    with pytest.raises(UnsupportedError, match="ends inside dag-cbor block"):
        resolve_path(root, ["foo", "object", "banana"], store.get)
    with pytest.raises(UnsupportedError, match="not on a link"):
        resolve_path(root, ["foo", "link", "bar", "hello"], store.get)
    with pytest.raises(PathNotFound, match="no such field"):
        resolve_path(root, ["foo", "nope"], store.get)
    lists = put(store, dagcbor.encode({"l": [leaf, middle]}), DAG_CBOR)
    assert resolve_path(lists, ["l", "1"], store.get)[0] == middle
    with pytest.raises(PathNotFound):
        resolve_path(lists, ["l", "2"], store.get)


def test_path_into_a_cbor_link_from_unixfs() -> None:
    root, store = load_fixture("trustless_gateway_car/dir-with-dag-cbor-with-links.car")
    found, traversed = resolve_path(root, ["document", "files", "single"], store.get)
    assert b"".join(read_file(found, store.get)) == b"hello world\n"
    assert traversed[0] == root and len(traversed) == 2


# --- listings ----------------------------------------------------------------------------------


def test_list_directory(site: tuple[MemoryBlockstore, CID, CID]) -> None:
    store, root, big = site
    assert [(n, t) for n, _c, t in list_directory(root, store.get)] == [
        ("articles", 10),
        ("note.txt", 10),
    ]
    with pytest.raises(NotADirectory):
        list(list_directory(big, store.get))
    with pytest.raises(NotADirectory):
        list(list_directory(CID.hash(b"a small note"), store.get))


# --- file reading ----------------------------------------------------------------------------


def test_read_whole_files(site: tuple[MemoryBlockstore, CID, CID]) -> None:
    store, root, big = site
    assert b"".join(read_file(big, store.get)) == DATA
    note, _ = resolve_path(root, ["note.txt"], store.get)
    assert b"".join(read_file(note, store.get)) == b"a small note"
    link, _ = resolve_path(root, ["articles", "link"], store.get)
    assert b"".join(read_file(link, store.get)) == b"../note.txt"
    assert b"".join(read_file(identity_cid(b"inline"), store.get, 2)) == b"line"
    with pytest.raises(NotAFile, match="directory"):
        list(read_file(root, store.get))
    cbor = put(store, dagcbor.encode([1]), DAG_CBOR)
    with pytest.raises(NotAFile, match="dag-cbor"):
        list(read_file(cbor, store.get))
    with pytest.raises(FormatError, match="negative"):
        list(read_file(big, store.get, -1))


def test_v0_files_with_data_in_dag_pb_leaves() -> None:
    store = MemoryBlockstore()
    root = file_tree(store, DATA, random.Random(5), v0=True)
    assert root.version == 0
    assert b"".join(read_file(root, store.get)) == DATA
    assert b"".join(read_file(root, store.get, 1000, 1234)) == DATA[1000:1234]


def test_root_with_inline_data_and_children() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"world", RAW)
    fs = UnixFSData(FILE, data=b"hello ", filesize=11, blocksizes=(5,))
    root = pb(store, fs, (PBLink(leaf, "", 5),))
    assert b"".join(read_file(root, store.get)) == b"hello world"
    assert b"".join(read_file(root, store.get, 3, 8)) == b"lo wo"
    assert [c for c, _ in file_blocks(root, store.get, 0, 6)] == [root]


@given(st.integers(0, 5200), st.one_of(st.none(), st.integers(0, 5200)), st.integers(0, 50))
@settings(max_examples=150, deadline=None)
def test_ranges_match_slices_and_need_only_their_blocks(
    start: int, end: int | None, seed: int
) -> None:
    store = MemoryBlockstore()
    root = file_tree(store, DATA, random.Random(seed))
    assert b"".join(read_file(root, store.get, start, end)) == DATA[start:end]
    # the blocks for the range are enough: read again from a store holding only them
    needed = MemoryBlockstore()
    needed.put_many(file_blocks(root, store.get, start, end))
    assert b"".join(read_file(root, needed.get, start, end)) == DATA[start:end]
    blocks = [c for c, _ in file_blocks(root, store.get, start, end)]
    assert blocks[0] == root
    assert len(blocks) == len(set(blocks))
    # no leaf outside the range: the overshoot is at most the first and the last leaf
    leaves = [len(store.get(c)) for c in blocks if c.codec == RAW]
    wanted = len(DATA[start:end])
    assert (not leaves and wanted == 0) or sum(leaves) - wanted <= leaves[0] + leaves[-1]
    if end is not None and end <= start:
        assert blocks == [root]


def test_missing_block_fixture_ranges_around_the_hole() -> None:
    root, store = load_fixture("trustless_gateway_car/file-3k-and-3-blocks-missing-block.car")
    assert stat(root, store.get).size == 3072
    first = b"".join(read_file(root, store.get, 0, 1024))
    last = b"".join(read_file(root, store.get, 2048, 3072))
    assert len(first) == len(last) == 1024
    assert [c for c, _ in file_blocks(root, store.get, 2500, 2600)][0] == root
    assert len(list(file_blocks(root, store.get, 0, 10))) == 2
    with pytest.raises(BlockNotFound):
        list(read_file(root, store.get, 1000, 1100))


def test_inconsistent_file_trees_are_format_errors() -> None:
    store = MemoryBlockstore()
    leaf = put(store, b"12345", RAW)
    wrong_size = pb(store, UnixFSData(FILE, filesize=6, blocksizes=(6,)), (PBLink(leaf, "", 5),))
    with pytest.raises(FormatError, match="holds 5 bytes, its parent says 6"):
        list(read_file(wrong_size, store.get))
    missing_sizes = pb(store, UnixFSData(FILE, filesize=5), (PBLink(leaf, "", 5),))
    with pytest.raises(FormatError, match="1 links but 0 blocksizes"):
        list(read_file(missing_sizes, store.get))
    bad_total = pb(store, UnixFSData(FILE, filesize=9, blocksizes=(5,)), (PBLink(leaf, "", 5),))
    with pytest.raises(FormatError, match="9 are declared"):
        list(read_file(bad_total, store.get))
    dir_inside = directory(store, {})
    with_dir = pb(store, UnixFSData(FILE, filesize=4, blocksizes=(4,)), (PBLink(dir_inside),))
    with pytest.raises(FormatError, match="not part of a UnixFS file"):
        list(read_file(with_dir, store.get))


@given(st.binary(max_size=80), st.sampled_from([DAG_PB, RAW, DAG_CBOR, 0x0129]))
@settings(max_examples=300)
def test_random_blocks_raise_only_our_errors(block: bytes, codec: int) -> None:
    store = MemoryBlockstore()
    cid = put(store, block, codec)
    calls: list[Callable[[], object]] = [
        lambda: stat(cid, store.get),
        lambda: list(list_directory(cid, store.get)),
        lambda: list(read_file(cid, store.get, 1, 50)),
        lambda: list(file_blocks(cid, store.get)),
        lambda: resolve_path(cid, ["a", "0"], store.get),
    ]
    for call in calls:
        with contextlib.suppress(IpfsError):
            call()


def test_multiblock_file_of_a_fixture() -> None:
    root, store = load_fixture("path_gateway_unixfs/dir-with-files.car")
    found, _ = resolve_path(root, ["multiblock.txt"], store.get)
    whole = b"".join(read_file(found, store.get))
    assert len(whole) == 1026
    assert b"".join(read_file(found, store.get, 250, 520)) == whole[250:520]
    assert whole.startswith(b"Lorem ipsum")
