"""CARv2 with a MultihashIndexSorted index (ipfs/carv2.py) and the read-only CAR blockstore
(ipfs/carstore.py), checked against the bytes go-car writes for its own sample CAR."""

from __future__ import annotations

import os
import random
import shutil
import struct
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from data_paths import FIXTURES

from permapress.errors import BlockNotFound, ConfigError, FormatError, IpfsError, VerifyError
from permapress.ipfs.car import car_header, car_section, read_car, write_car
from permapress.ipfs.carstore import CarBlockstore
from permapress.ipfs.carv2 import (
    DATA_OFFSET,
    INDEX_SORTED,
    MH_INDEX_SORTED,
    IndexBuilder,
    read_index,
    v2_header,
    write_carv2,
)
from permapress.ipfs.cid import CID, DAG_CBOR, IDENTITY, RAW, decode_multihash

GO_CAR_V1 = FIXTURES / "real" / "ipfs" / "sample-v1.car"
GO_CAR_UNIXFS_V2 = FIXTURES / "real" / "ipfs" / "sample-unixfs-v2.car"
GO_CAR_MH_INDEX = FIXTURES / "carv2" / "sample-multihash-index-sorted.carindex"
GO_CAR_SORTED_INDEX = FIXTURES / "carv2" / "sample-index.carindex"
# The first 51 bytes of go-car's v2/testdata/sample-wrapped-v2.car (sample-v1.car wrapped):
# pragma, zero characteristics, data offset 51, data size 479907, index offset 479958.
GO_CAR_WRAPPED_HEADER = bytes.fromhex(
    "0aa16776657273696f6e0200000000000000000000000000000000330000000000000"
    "0a352070000000000d652070000000000"
)


def sections_of(car: bytes) -> list[tuple[CID, int, bytes]]:
    """(CID, offset of the section from the start of the CARv1, block bytes), by hand."""
    from permapress.ipfs.cid import decode_varint

    length, at = decode_varint(car)
    pos = at + length
    out = []
    while pos < len(car):
        length, body = decode_varint(car, pos)
        cid, cid_end = CID.decode_prefix(car[body : body + length])
        out.append((cid, pos, car[body + cid_end : body + length]))
        pos = body + length
    return out


@pytest.fixture(scope="module")
def go_v1() -> bytes:
    return GO_CAR_V1.read_bytes()


def hashed(cids: list[tuple[CID, int, bytes]]) -> list[tuple[CID, int, bytes]]:
    return [s for s in cids if decode_multihash(s[0].multihash)[0] != IDENTITY]


# --- the index and the file, byte for byte as go-car writes them ---------------------------


def test_the_index_of_go_cars_sample_is_byte_identical_to_go_cars(go_v1: bytes) -> None:
    builder = IndexBuilder()
    for cid, offset, _data in sections_of(go_v1):
        builder.add(cid.multihash, offset)
    assert builder.encode() == GO_CAR_MH_INDEX.read_bytes()
    assert builder.count == len(hashed(sections_of(go_v1)))  # identity CIDs are not indexed


def test_write_carv2_gives_go_cars_wrapped_file(go_v1: bytes, tmp_path: Path) -> None:
    with GO_CAR_V1.open("rb") as stream:
        reader = read_car(stream)
        written = write_carv2(tmp_path / "out.car", reader.roots, iter(reader))
    expected = GO_CAR_WRAPPED_HEADER + go_v1 + GO_CAR_MH_INDEX.read_bytes()
    assert (tmp_path / "out.car").read_bytes() == expected
    assert written.size == len(expected) and written.blocks == len(sections_of(go_v1))
    assert v2_header(len(go_v1), DATA_OFFSET + len(go_v1)) == GO_CAR_WRAPPED_HEADER
    assert not (tmp_path / "out.car.part").exists()


@pytest.mark.parametrize("fixture", [GO_CAR_MH_INDEX, GO_CAR_SORTED_INDEX])
def test_go_cars_indexes_find_every_block_at_its_offset(go_v1: bytes, fixture: Path) -> None:
    index = read_index(fixture.read_bytes())
    assert index.codec == (MH_INDEX_SORTED if fixture == GO_CAR_MH_INDEX else INDEX_SORTED)
    # IndexSorted, the older index, records identity CIDs too
    blocks = hashed(sections_of(go_v1)) if index.codec == MH_INDEX_SORTED else sections_of(go_v1)
    assert len(index) == len(blocks)
    for cid, offset, _data in blocks:
        assert index.offsets(cid.multihash) == (offset,)
    assert index.offsets(CID.hash(b"not in the CAR").multihash) == ()


def test_entries_give_back_the_multihashes(go_v1: bytes) -> None:
    index = read_index(GO_CAR_MH_INDEX.read_bytes())
    got = {(mh, offset) for mh, _digest, offset in index.entries()}
    assert got == {(cid.multihash, off) for cid, off, _d in hashed(sections_of(go_v1))}


def test_an_index_out_of_shape_is_refused_with_the_byte_offset() -> None:
    good = GO_CAR_MH_INDEX.read_bytes()
    with pytest.raises(FormatError, match="truncated"):
        read_index(good[:-5])
    with pytest.raises(FormatError, match="codec 0x402"):
        read_index(b"\x82\x08" + good[2:])
    # width 7: a record cannot hold its 8-byte offset
    builder = IndexBuilder()
    builder.add(CID.hash(b"x").multihash, 0)
    body = bytearray(builder.encode())
    struct.pack_into("<I", body, 2 + 4 + 8 + 4, 7)
    with pytest.raises(FormatError, match="width 7"):
        read_index(bytes(body))
    struct.pack_into("<I", body, 2 + 4 + 8 + 4, 40)
    struct.pack_into("<q", body, 2 + 4 + 8 + 4 + 4, 41)
    with pytest.raises(FormatError, match="not a multiple"):
        read_index(bytes(body))


def test_repeated_digests_are_all_found_in_order(tmp_path: Path) -> None:
    data = b"same bytes under two codecs"
    raw = CID.hash(data, codec=RAW)
    cbor = CID(1, DAG_CBOR, raw.multihash)
    builder = IndexBuilder()
    builder.add(raw.multihash, 500)
    builder.add(cbor.multihash, 100)
    index = read_index(builder.encode())
    assert set(index.offsets(raw.multihash)) == {100, 500}


# --- writing streams ---------------------------------------------------------------------------


def test_write_carv2_holds_one_block_at_a_time(tmp_path: Path) -> None:
    rng = random.Random(7)
    block = 256 << 10
    count = 400  # 100 MiB of blocks

    def blocks() -> Iterator[tuple[CID, bytes]]:
        for _ in range(count):
            data = rng.randbytes(block)
            yield CID.hash(data), data

    first = CID.hash(b"root")
    tracemalloc.start()
    try:
        written = write_carv2(tmp_path / "big.car", [first], blocks())
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.blocks == count
    assert peak < 8 * block  # a few blocks and the index, never the 100 MiB
    with CarBlockstore(tmp_path / "big.car") as store:
        assert store.index_source == "carv2"
        assert store.check().problems == ()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> Iterator[tuple[CID, bytes]]:
        yield CID.hash(b"a"), b"a"
        raise IpfsError("block store went away")

    with pytest.raises(IpfsError, match="went away"):
        write_carv2(tmp_path / "x.car", [CID.hash(b"a")], broken())
    assert list(tmp_path.iterdir()) == []


# --- the blockstore ------------------------------------------------------------------------


def small_car(tmp_path: Path, count: int = 20) -> tuple[Path, list[tuple[CID, bytes]]]:
    blocks = [(CID.hash(f"block {i}".encode() * (i + 1)), f"block {i}".encode() * (i + 1))
              for i in range(count)]  # fmt: skip
    path = tmp_path / "small.car"
    write_carv2(path, [blocks[0][0]], blocks)
    return path, blocks


def test_every_block_of_go_cars_carv2_is_read_and_verified() -> None:
    with GO_CAR_UNIXFS_V2.open("rb") as stream:
        reader = read_car(stream)
        expected = list(reader)
    with CarBlockstore(GO_CAR_UNIXFS_V2) as store:
        assert store.index_source == "carv2" and store.roots == reader.roots
        for cid, data in expected:
            assert store.has(cid) and store.get(cid) == data
        assert list(store) == [cid for cid, _ in expected]
        assert store.check().problems == ()


def test_a_carv1_gets_its_index_built_beside_it_once(tmp_path: Path, go_v1: bytes) -> None:
    car = tmp_path / "sample.car"
    shutil.copy(GO_CAR_V1, car)
    with CarBlockstore(car) as store:
        assert store.index_source == "built"
        for cid, _offset, data in sections_of(go_v1)[:50]:
            assert store.get(cid) == data
    side = tmp_path / "sample.car.idx"
    assert side.read_bytes() == GO_CAR_MH_INDEX.read_bytes()  # what `car index` writes
    with CarBlockstore(car) as store:
        assert store.index_source == "file"
        assert store.check().problems == ()
    # the CAR changed after its index was written: the index is built again
    os.utime(side, ns=(1, 1))
    with CarBlockstore(car) as store:
        assert store.index_source == "built"
    assert side.stat().st_mtime_ns > 1
    # an index left from another CAR (newer than this one) is not used either
    _path, blocks = small_car(tmp_path)
    shutil.copy(tmp_path / "sample.car.idx", tmp_path / "small.car.idx")
    (tmp_path / "small.car").rename(tmp_path / "small-v2.car")
    with (tmp_path / "small.car").open("wb") as out:
        write_car([blocks[0][0]], blocks, out)
    os.utime(tmp_path / "small.car", ns=(1, 1))
    with CarBlockstore(tmp_path / "small.car") as store:
        assert store.index_source == "built"
        assert store.get(blocks[3][0]) == blocks[3][1]


def test_no_index_file_keeps_the_index_in_memory(tmp_path: Path, go_v1: bytes) -> None:
    car = tmp_path / "sample.car"
    shutil.copy(GO_CAR_V1, car)
    with CarBlockstore(car, index_file=False) as store:
        assert store.index_source == "memory"
        cid, _offset, data = sections_of(go_v1)[-1]
        assert store.get(cid) == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.car"]


def test_a_folder_it_cannot_write_to_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(GO_CAR_V1, folder / "sample.car")
    (folder / "sample.car.idx.part").mkdir()  # makes the index write fail for any user
    with pytest.raises(ConfigError, match="--no-index-file"):
        CarBlockstore(folder / "sample.car")


def test_a_damaged_block_is_never_returned(tmp_path: Path) -> None:
    path, blocks = small_car(tmp_path)
    raw = bytearray(path.read_bytes())
    victim, data = blocks[7]
    at = bytes(raw).index(bytes(victim) + data) + len(bytes(victim))
    raw[at + 3] ^= 0x01
    path.write_bytes(bytes(raw))
    with CarBlockstore(path) as store:
        with pytest.raises(VerifyError, match="does not match its CID"):
            store.get(victim)
        assert store.get(blocks[8][0]) == blocks[8][1]
        problems = store.check().problems
    assert len(problems) == 1 and str(victim) in problems[0]


def test_a_forged_first_copy_of_a_repeated_cid_is_skipped(tmp_path: Path) -> None:
    good = b"the real block"
    cid = CID.hash(good)
    other = CID.hash(b"other")
    path = tmp_path / "dup.car"
    write_carv2(path, [cid], [(cid, b"a forged block"), (other, b"other"), (cid, good)])
    with CarBlockstore(path) as store:
        assert store.get(cid) == good


def test_an_index_that_points_elsewhere_is_caught(tmp_path: Path) -> None:
    path, blocks = small_car(tmp_path, 3)
    raw = bytearray(path.read_bytes())
    with CarBlockstore(path) as store:
        index_at = len(raw) - len(store.index) * 40  # one bucket of 40-byte records, last
    # swap the offsets of the first two records
    first, second = index_at + 32, index_at + 40 + 32
    one, two = raw[first : first + 8], raw[second : second + 8]
    raw[first : first + 8], raw[second : second + 8] = two, one
    path.write_bytes(bytes(raw))
    with CarBlockstore(path) as store:
        wrong = [cid for cid, _ in blocks if not _reads(store, cid)]
        assert len(wrong) == 2
        assert any("no record" in p for p in store.check().problems)


def _reads(store: CarBlockstore, cid: CID) -> bool:
    try:
        store.get(cid)
    except VerifyError:
        return False
    return True


def test_read_only_and_absent_blocks(tmp_path: Path) -> None:
    path, blocks = small_car(tmp_path, 2)
    with CarBlockstore(path) as store:
        absent = CID.hash(b"absent")
        assert not store.has(absent) and absent not in store
        with pytest.raises(BlockNotFound):
            store.get(absent)
        with pytest.raises(IpfsError, match="read-only"):
            store.put(absent, b"absent")
        with pytest.raises(IpfsError, match="read-only"):
            store.delete(blocks[0][0])
        assert store.get(blocks[0][0]) == blocks[0][1]


def test_a_carv1_with_zero_padding_is_read_to_its_end(tmp_path: Path) -> None:
    data = b"padded"
    cid = CID.hash(data)
    path = tmp_path / "padded.car"
    path.write_bytes(car_header([cid]) + car_section(cid, data) + b"\x00" * 64)
    with CarBlockstore(path, index_file=False) as store:
        assert list(store) == [cid] and store.get(cid) == data


def test_the_carv2_index_offset_must_follow_the_data(tmp_path: Path) -> None:
    path, _blocks = small_car(tmp_path, 2)
    raw = bytearray(path.read_bytes())
    struct.pack_into("<Q", raw, 11 + 32, 20)
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="index offset 20"):
        CarBlockstore(path)


def test_a_carv1_written_by_write_car_reads_the_same(tmp_path: Path) -> None:
    path, blocks = small_car(tmp_path, 5)
    v1 = tmp_path / "v1.car"
    with v1.open("wb") as out:
        write_car([blocks[0][0]], blocks, out)
    with CarBlockstore(v1, index_file=False) as a, CarBlockstore(path) as b:
        assert [a.get(c) for c, _ in blocks] == [b.get(c) for c, _ in blocks]
