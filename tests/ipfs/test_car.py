"""Tests for permapress/ipfs/car.py: CARv1 writing, CARv1/CARv2 reading, strictness, dag_blocks."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import BlockNotFound, FormatError, IpfsError, UnsupportedError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import (
    CARV2_PRAGMA,
    MAX_SECTION,
    car_header,
    car_section,
    dag_blocks,
    read_car,
    write_car,
)
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, RAW, encode_varint, identity_cid
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.hamt import build_shard
from permapress.ipfs.unixfs import DIRECTORY, FILE, SYMLINK, UnixFSData, encode_data

ROOT = CID.parse("bafyreihyrpefhacm6kkp4ql6j6udakdit7g3dmkzfriqfykhjw6cad5lrm")


# --- small DAG builders (by hand, so these tests need only the codecs) -------------------------


def put(store: MemoryBlockstore, block: bytes, codec: int = DAG_PB) -> CID:
    cid = CID.hash(block, codec)
    store.put(cid, block)
    return cid


def raw_leaf(store: MemoryBlockstore, data: bytes) -> CID:
    return put(store, data, RAW)


def file_node(store: MemoryBlockstore, leaves: list[bytes]) -> CID:
    links = tuple(PBLink(raw_leaf(store, leaf), "", len(leaf)) for leaf in leaves)
    meta = UnixFSData(FILE, filesize=sum(map(len, leaves)), blocksizes=tuple(map(len, leaves)))
    return put(store, encode_node(PBNode(links, encode_data(meta))))


def directory(store: MemoryBlockstore, entries: dict[str, CID]) -> CID:
    links = tuple(PBLink(cid, name, 1) for name, cid in sorted(entries.items()))
    return put(store, encode_node(PBNode(links, encode_data(UnixFSData(DIRECTORY)))))


def tree(store: MemoryBlockstore) -> tuple[CID, CID, CID]:
    """root/{big.bin (3 leaves), sub/{a.txt, link -> a.txt}, dup.bin (same as a leaf)}."""
    big = file_node(store, [b"x" * 10, b"y" * 10, b"z" * 5])
    a_txt = raw_leaf(store, b"hello")
    link = put(store, encode_node(PBNode((), encode_data(UnixFSData(SYMLINK, data=b"a.txt")))))
    sub = directory(store, {"a.txt": a_txt, "link": link})
    dup = raw_leaf(store, b"x" * 10)
    root = directory(store, {"big.bin": big, "sub": sub, "dup.bin": dup})
    return root, big, sub


def car_bytes(roots: list[CID], blocks: list[tuple[CID, bytes]]) -> bytes:
    out = io.BytesIO()
    written = write_car(roots, blocks, out)
    assert written == len(out.getvalue())
    return out.getvalue()


def read_all(data: bytes) -> tuple[int, tuple[CID, ...], list[tuple[CID, bytes]]]:
    reader = read_car(io.BytesIO(data))
    return reader.version, reader.roots, list(reader)


# --- writing ---------------------------------------------------------------------------------


def test_header_is_canonical_dag_cbor() -> None:
    header = car_header([ROOT])
    body = (
        "a2" + "65" + b"roots".hex() + "81" + "d82a5825000171122"
        "0f88bc853804cf294fe417e4fa83028689fcdb1b1592c5102e1474dbc200fab8b"
        + "67" + b"version".hex() + "01"
    )
    assert header.hex() == encode_varint(len(body) // 2).hex() + body


def test_header_with_cidv0_root_and_no_roots() -> None:
    v0 = CID.parse("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn")
    assert dagcbor.decode(car_header([v0])[1:]) == {"roots": [v0], "version": 1}
    with pytest.raises(FormatError, match="root"):
        car_header([])


def test_section_layout() -> None:
    cid = CID.hash(b"abc")
    assert car_section(cid, b"abc") == encode_varint(36 + 3) + bytes(cid) + b"abc"


def test_write_then_read_roundtrip() -> None:
    store = MemoryBlockstore()
    root, _big, _sub = tree(store)
    blocks = list(dag_blocks(root, store.get))
    version, roots, read = read_all(car_bytes([root], blocks))
    assert version == 1
    assert roots == (root,)
    assert read == blocks


def test_write_many_roots_and_big_blocks() -> None:
    big = bytes(range(256)) * 4096  # 1 MiB: a multi-byte section length
    cid = CID.hash(big)
    _v, roots, blocks = read_all(car_bytes([cid, ROOT], [(cid, big)]))
    assert roots == (cid, ROOT)
    assert blocks == [(cid, big)]


# --- dag_blocks --------------------------------------------------------------------------------


def test_dag_blocks_is_preorder_dedup_in_link_order() -> None:
    store = MemoryBlockstore()
    root, big, sub = tree(store)
    order = [cid for cid, _ in dag_blocks(root, store.get)]
    x, y, z = (CID.hash(b"x" * 10), CID.hash(b"y" * 10), CID.hash(b"z" * 5))
    a_txt = CID.hash(b"hello")
    link_cid = order[-1]
    # entries sorted: big.bin, dup.bin, sub; dup.bin is the x leaf again -> emitted once
    assert order == [root, big, x, y, z, sub, a_txt, link_cid]
    assert len(set(order)) == len(order)
    for cid, data in dag_blocks(root, store.get):
        assert store.get(cid) == data


def test_dag_blocks_scopes() -> None:
    store = MemoryBlockstore()
    root, big, sub = tree(store)
    assert [c for c, _ in dag_blocks(root, store.get, scope="block")] == [root]
    assert [c for c, _ in dag_blocks(root, store.get, scope="entity")] == [root]
    assert [c for c, _ in dag_blocks(sub, store.get, scope="entity")] == [sub]
    leaves = [CID.hash(b"x" * 10), CID.hash(b"y" * 10), CID.hash(b"z" * 5)]
    assert [c for c, _ in dag_blocks(big, store.get, scope="entity")] == [big, *leaves]
    assert [c for c, _ in dag_blocks(big, store.get, scope="block")] == [big]
    leaf = leaves[0]
    assert [c for c, _ in dag_blocks(leaf, store.get, scope="entity")] == [leaf]
    with pytest.raises(FormatError, match="scope"):
        list(dag_blocks(root, store.get, scope="everything"))  # type: ignore[arg-type]


def test_entity_scope_of_a_hamt_takes_shards_not_entries() -> None:
    store = MemoryBlockstore()
    leaf = raw_leaf(store, b"same content")
    entries = [(f"entry-{i}.txt", leaf, 12) for i in range(1500)]
    shard_root, _tsize = build_shard(entries, 1, 256, store.put)
    everything = [c for c, _ in dag_blocks(shard_root, store.get)]
    entity = [c for c, _ in dag_blocks(shard_root, store.get, scope="entity")]
    assert leaf in everything and leaf not in entity
    assert entity[0] == shard_root
    assert len(entity) > 1  # 1500 names in 256 buckets: sub-shards exist
    assert set(entity) == set(everything) - {leaf}


def test_identity_cids_are_descended_but_not_emitted() -> None:
    store = MemoryBlockstore()
    leaf = raw_leaf(store, b"leaf under an inlined node")
    inline_file = encode_node(
        PBNode((PBLink(leaf, "", 26),), encode_data(UnixFSData(FILE, blocksizes=(26,))))
    )
    inline = CID(1, DAG_PB, identity_cid(inline_file).multihash)
    tiny = identity_cid(b"tiny")
    root = directory(store, {"inline": inline, "tiny": tiny})
    assert [c for c, _ in dag_blocks(root, store.get)] == [root, leaf]


def test_dag_cbor_links_are_followed() -> None:
    store = MemoryBlockstore()
    leaf = raw_leaf(store, b"cbor child")
    child = put(store, dagcbor.encode({"leaf": leaf}), DAG_CBOR)
    root = put(store, dagcbor.encode({"a": child, "b": [leaf, child]}), DAG_CBOR)
    assert [c for c, _ in dag_blocks(root, store.get)] == [root, child, leaf]
    assert [c for c, _ in dag_blocks(root, store.get, scope="entity")] == [root]


def test_missing_block_raises_block_not_found() -> None:
    store = MemoryBlockstore()
    root, big, _sub = tree(store)
    store.delete(CID.hash(b"y" * 10))
    with pytest.raises(BlockNotFound) as info:
        list(dag_blocks(root, store.get))
    assert info.value.cid == CID.hash(b"y" * 10)


# --- reading: strictness ---------------------------------------------------------------------


def sample_car() -> tuple[bytes, list[tuple[CID, bytes]]]:
    store = MemoryBlockstore()
    root, _big, _sub = tree(store)
    blocks = list(dag_blocks(root, store.get))
    return car_bytes([root], blocks), blocks


def header_of(value: dagcbor.DagValue) -> bytes:
    body = dagcbor.encode(value)
    return encode_varint(len(body)) + body


def test_every_truncation_is_an_error_or_a_section_boundary() -> None:
    data, blocks = sample_car()
    boundaries = {}
    pos = len(car_header([blocks[0][0]]))
    boundaries[pos] = 0
    for index, (cid, block) in enumerate(blocks):
        pos += len(car_section(cid, block))
        boundaries[pos] = index + 1
    for cut in range(len(data)):
        try:
            _v, _r, read = read_all(data[:cut])
        except FormatError as exc:
            assert cut not in boundaries
            assert "byte" in str(exc)
        else:
            assert read == blocks[: boundaries[cut]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00", "length 0"),
        (b"\x80\x00", "not minimally encoded"),
        (b"\xff" * 10, "longer than 9 bytes"),
        (b"\xff\xff\xff\xff\x7f", "limit"),
        (b"\x05abc", "truncated"),
        (header_of([1, 2]), "not a map"),
        (encode_varint(2) + b"\xa1\x00", "not valid DAG-CBOR"),
        (header_of({"roots": [ROOT]}), "'version'"),
        (header_of({"roots": [ROOT], "version": "1"}), "'version'"),
        (header_of({"roots": [ROOT], "version": True}), "'version'"),
        (header_of({"roots": [ROOT], "version": 3}), "version 3"),
        (header_of({"roots": [ROOT], "version": 0}), "version 0"),
        (header_of({"roots": [], "version": 1}), "zero roots"),
        (header_of({"version": 1}), "'roots'"),
        (header_of({"roots": ROOT, "version": 1}), "'roots'"),
        (header_of({"roots": [b"\x01"], "version": 1}), "not a CID"),
    ],
)
def test_bad_headers(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message) as info:
        read_car(io.BytesIO(data))
    assert "byte" in str(info.value)


def test_bad_sections() -> None:
    head = car_header([ROOT])
    at = len(head)
    cases = [
        (head + b"\x80", f"varint \\(section length\\) at byte {at} is cut off"),
        (head + b"\x81\x00", f"at byte {at} is not minimally encoded"),
        (head + encode_varint(MAX_SECTION + 1), "limit"),
        (head + encode_varint(40) + bytes(ROOT), f"section at byte {at} needs 40 bytes"),
        (head + encode_varint(3) + b"\x01\x55\x12", "bad CID"),
    ]
    for data, message in cases:
        reader = read_car(io.BytesIO(data))
        with pytest.raises(FormatError, match=message):
            list(reader)
    unknown_version = head + encode_varint(4) + b"\x03\x55\x00\x00"
    with pytest.raises(UnsupportedError, match=f"section at byte {at}"):
        list(read_car(io.BytesIO(unknown_version)))


class Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


def test_zero_length_section_ends_the_data_as_go_car_reads_it() -> None:
    block = b"before the padding"
    cid = CID.hash(block)
    body = car_header([cid]) + car_section(cid, block)
    for tail, nonzero in ((b"", False), (bytes(100), False), (b"\x00\x07" + bytes(9), True)):
        reader = read_car(io.BytesIO(body + b"\x00" + tail))
        assert list(reader) == [(cid, block)]
        assert reader.padding == 1 + len(tail)
        assert reader.padding_nonzero is nonzero
    plain = read_car(io.BytesIO(body))
    assert list(plain) == [(cid, block)] and plain.padding == 0


def test_sections_are_not_verified_by_the_reader() -> None:
    cid = CID.hash(b"the real content")
    _v, _r, blocks = read_all(car_bytes([cid], [(cid, b"something else")]))
    assert blocks == [(cid, b"something else")]


def test_reader_iterates_once() -> None:
    data, _blocks = sample_car()
    reader = read_car(io.BytesIO(data))
    list(reader)
    with pytest.raises(IpfsError, match="once"):
        list(reader)


# --- CARv2 ---------------------------------------------------------------------------------


def carv2(v1: bytes, *, padding: int = 0, trailer: bytes = b"", data_size: int | None = None,
          data_offset: int | None = None) -> bytes:
    offset = len(CARV2_PRAGMA) + 40 + padding if data_offset is None else data_offset
    size = len(v1) if data_size is None else data_size
    index_offset = offset + len(v1) if trailer else 0
    header = bytes(16) + struct.pack("<QQQ", offset, size, index_offset)
    return CARV2_PRAGMA + header + bytes(padding) + v1 + trailer


@pytest.mark.parametrize("padding", [0, 13])
def test_carv2_reads_its_payload_and_ignores_the_index(padding: int) -> None:
    v1, blocks = sample_car()
    data = carv2(v1, padding=padding, trailer=b"\x81\x08some index bytes")
    reader = read_car(io.BytesIO(data))
    assert reader.version == 2
    assert reader.roots == (blocks[0][0],)
    assert reader.data_offset == 51 + padding
    assert reader.data_size == len(v1)
    assert list(reader) == blocks


def _with_version(v1: bytes, version: int) -> bytes:
    header_len = v1[0] + 1
    assert v1[header_len - 1] == 1
    return v1[: header_len - 1] + bytes([version]) + v1[header_len:]


def test_carv2_errors() -> None:
    v1, _blocks = sample_car()
    cases = [
        (carv2(v1)[:30], "CARv2 header at byte 11 needs 40 bytes from byte 11"),
        (carv2(v1, data_offset=20), "points inside the header"),
        (carv2(v1, data_size=0), "data size is 0"),
        (carv2(v1, data_offset=10_000), "past the end"),
        (carv2(_with_version(v1, 2)), "payload header at byte 52 has version 2, not 1"),
    ]
    for data, message in cases:
        with pytest.raises(FormatError, match=message):
            list(read_car(io.BytesIO(data)))
    with pytest.raises(FormatError, match="runs past the CARv2 data end"):
        list(read_car(io.BytesIO(carv2(v1, data_size=len(v1) - 3))))
    with pytest.raises(FormatError, match="past the end of the file"):
        read_car(io.BytesIO(carv2(v1, data_size=len(v1) + 10)))
    with pytest.raises(FormatError, match="should end at byte"):  # a stream that cannot seek
        list(read_car(Unseekable(carv2(v1, data_size=len(v1) + 10))))
    pragma_plus = header_of({"roots": [ROOT], "version": 2})
    with pytest.raises(FormatError, match="pragma"):
        read_car(io.BytesIO(pragma_plus))


# --- properties --------------------------------------------------------------------------------


@given(st.binary(max_size=200))
@settings(max_examples=400)
def test_random_bytes_raise_only_our_errors(data: bytes) -> None:
    try:
        reader = read_car(io.BytesIO(data))
        for _ in reader:
            pass
    except IpfsError:
        pass


@given(st.binary(min_size=1, max_size=120), st.data())
@settings(max_examples=300)
def test_random_tails_after_a_valid_header_raise_only_our_errors(
    tail: bytes, draw: st.DataObject
) -> None:
    version = draw.draw(st.sampled_from([1, 2]))
    prefix = car_header([ROOT]) if version == 1 else CARV2_PRAGMA
    try:
        for _ in read_car(io.BytesIO(prefix + tail)):
            pass
    except IpfsError:
        pass
