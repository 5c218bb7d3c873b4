"""Tests for Packs.reindex (the command is tested in test_cli_ipfs.py): the pack index is made
again from the pack files alone, after the index is lost or damaged or a crash left a pack
without rows; a damaged pack is named and its good blocks are still found."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import BlockNotFound
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.packfile import read_sections
from permapress.ipfs.packs import INDEX, PACKS, SUFFIX, pack_bytes


def _blocks(seed: int, count: int) -> list[tuple[CID, bytes]]:
    out = []
    for i in range(count):
        data = hashlib.sha512(f"{seed}-{i}".encode()).digest() * (1 + i % 5)
        out.append((CID.hash(data, RAW if i % 2 else DAG_PB), data))
    return out


def _store(tmp_path: Path, batches: int = 3) -> tuple[FileBlockstore, list[tuple[CID, bytes]]]:
    store = FileBlockstore(tmp_path / "blocks")
    every = []
    for seed in range(batches):
        blocks = _blocks(seed, 6)
        store.put_many(blocks)
        every += blocks
    return store, every


def _packs(store: FileBlockstore) -> list[Path]:
    return sorted((store.root / PACKS).glob("*" + SUFFIX))


def _all_found(store: FileBlockstore, blocks: list[tuple[CID, bytes]]) -> bool:
    fresh = FileBlockstore(store.root)  # a new process's view: nothing cached
    return all(fresh.has(cid) and fresh.get(cid) == data for cid, data in blocks)


@given(st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=12))
def test_sections_read_without_the_index_are_the_packed_blocks(datas: list[bytes]) -> None:
    blocks = [(CID.hash(data, RAW), data) for data in datas]
    body, rows = pack_bytes(blocks)
    sections, complete = read_sections(body)
    assert complete
    assert [(c, body[o : o + n]) for c, o, n in sections] == blocks
    assert [(c.multihash, o, n) for c, o, n in sections] == rows
    if len(body) > 1:
        cut, whole = read_sections(body[:-1])
        assert not whole and len(cut) == len(blocks) - 1


def test_a_lost_index_is_made_again(tmp_path: Path) -> None:
    store, blocks = _store(tmp_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store.root / INDEX}{suffix}").unlink(missing_ok=True)
    assert not _all_found(store, blocks)
    done = FileBlockstore(store.root).reindex()
    assert (done.packs, done.blocks, done.added, done.dropped) == (3, 18, 3, 0)
    assert done.damaged == {} and not done.set_aside
    assert _all_found(store, blocks)


def test_a_pack_left_without_rows_is_taken_in(tmp_path: Path) -> None:
    store, blocks = _store(tmp_path, batches=1)
    orphan = _blocks(99, 5)
    body, _rows = pack_bytes(orphan)
    name = hashlib.sha256(body).hexdigest()[:32]
    (store.root / PACKS / (name + SUFFIX)).write_bytes(body)  # a crash before its rows
    assert not FileBlockstore(store.root).has(orphan[0][0])
    done = store.reindex()
    assert done.added == 1 and done.blocks == 11
    assert _all_found(store, blocks + orphan)


def test_rows_of_a_missing_pack_are_dropped(tmp_path: Path) -> None:
    store, _blocks_ = _store(tmp_path)
    gone = _packs(store)[0]
    count = len(read_sections(gone.read_bytes())[0])
    gone.unlink()
    done = store.reindex()
    assert done.dropped == count and done.packs == 2


def test_a_damaged_pack_is_named_and_its_good_blocks_are_kept(tmp_path: Path) -> None:
    store, blocks = _store(tmp_path, batches=1)
    (pack,) = _packs(store)
    sections, _ = read_sections(pack.read_bytes())
    cid, offset, _length = sections[2]
    body = bytearray(pack.read_bytes())
    body[offset] ^= 0xFF  # one byte of the third block
    pack.write_bytes(bytes(body))
    done = store.reindex()
    assert list(done.damaged) == [pack.name[: -len(SUFFIX)]]
    assert "1 block(s) do not match" in done.damaged[pack.name[: -len(SUFFIX)]]
    fresh = FileBlockstore(store.root)
    with pytest.raises(BlockNotFound):
        fresh.get(cid)
    assert _all_found(store, [b for b in blocks if b[0] != cid])


def test_a_pack_cut_short_keeps_the_blocks_before_the_cut(tmp_path: Path) -> None:
    store, blocks = _store(tmp_path, batches=1)
    (pack,) = _packs(store)
    pack.write_bytes(pack.read_bytes()[:-10])
    done = store.reindex()
    assert "ends inside a block" in next(iter(done.damaged.values()))
    assert _all_found(store, blocks[:-1])


def test_an_index_sqlite_cannot_read_is_set_aside(tmp_path: Path) -> None:
    store, blocks = _store(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{store.root / INDEX}{suffix}").unlink(missing_ok=True)
    (store.root / INDEX).write_bytes(b"this is not a database" * 100)
    done = FileBlockstore(store.root).reindex()
    assert done.set_aside and done.blocks == 18
    assert (store.root / (INDEX + ".damaged")).is_file()
    assert _all_found(store, blocks)
