"""Tests for permapress/ipfs/packs.py through FileBlockstore.put_many: blocks written in batches
sit in one pack file each batch, and every reader of the store (get, has, iteration, delete)
finds them as if each had its own file."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import BlockNotFound, IpfsError
from permapress.ipfs.blockstore import PACK_MIN, FileBlockstore
from permapress.ipfs.cid import CID, DAG_PB, RAW, decode_varint, identity_cid, verify_block
from permapress.ipfs.packs import INDEX, PACKS, SUFFIX, Packs, pack_bytes


def _blocks(seed: int, count: int, size: int = 300) -> list[tuple[CID, bytes]]:
    out = []
    for i in range(count):
        data = hashlib.sha512(f"{seed}-{i}".encode()).digest() * (1 + i % (size // 64 + 1))
        out.append((CID.hash(data, RAW if i % 2 else DAG_PB), data))
    return out


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.rglob(pattern))


def _read_sections(pack: bytes) -> list[tuple[CID, bytes]]:
    """(CID, block) of each section of a pack, read without the index."""
    out = []
    pos = 0
    while pos < len(pack):
        length, pos = decode_varint(pack, pos)
        cid, after = CID.decode_prefix(pack, pos)
        out.append((cid, pack[after : pos + length]))
        pos += length
    return out


def test_a_batch_is_one_pack_and_reads_back_block_by_block(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    blocks = _blocks(1, 12)
    assert store.put_many(blocks) == 12
    assert _files(tmp_path, "*.data") == []
    packs = _files(tmp_path / "blocks" / PACKS, "*" + SUFFIX)
    assert len(packs) == 1
    body = packs[0].read_bytes()
    assert packs[0].name == hashlib.sha256(body).hexdigest()[:32] + SUFFIX
    for cid, data in blocks:
        assert store.has(cid)
        got = store.get(cid)
        assert got == data
        assert verify_block(cid, got)
        assert store.has(CID(1, RAW, cid.multihash))  # keyed by multihash, as files are
    assert {c.multihash for c in store} == {c.multihash for c, _ in blocks}
    assert len(list(store)) == 12


def test_a_pack_is_readable_without_the_index(tmp_path: Path) -> None:
    blocks = _blocks(2, 6)
    body, rows = pack_bytes(blocks)
    assert _read_sections(body) == blocks
    for (cid, data), (key, offset, length) in zip(blocks, rows, strict=True):
        assert key == cid.multihash and body[offset : offset + length] == data


def test_small_batches_and_identity_blocks_keep_one_file_per_block(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    few = _blocks(3, PACK_MIN - 1)
    store.put_many(few)
    assert len(_files(tmp_path, "*.data")) == PACK_MIN - 1
    assert not (tmp_path / "blocks" / INDEX).exists()  # nothing packed: no index either
    inline = identity_cid(b"tiny")
    store.put_many([(inline, b"tiny"), *few[:1]])
    assert store.get(inline) == b"tiny"
    assert not (tmp_path / "blocks" / PACKS).exists()


def test_deleting_a_packed_block_removes_its_bytes_and_keeps_the_others(tmp_path: Path) -> None:
    root = tmp_path / "blocks"
    store = FileBlockstore(root)
    secret = b"the purged sentence, which must leave the disk" * 3
    blocks = [*_blocks(4, 5), (CID.hash(secret), secret)]
    store.put_many(blocks)
    store.put_many(_blocks(5, 5))  # another pack, untouched
    doomed = blocks[-1][0]
    store.delete(doomed)
    assert not store.has(doomed)
    with pytest.raises(BlockNotFound):
        store.get(doomed)
    on_disk = [p for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]
    assert on_disk == []
    for cid, data in blocks[:-1] + _blocks(5, 5):
        assert store.get(cid) == data
    assert len(_files(root / PACKS, "*" + SUFFIX)) == 1  # the other batch is still one pack
    assert len(list(store)) == 10
    store.delete(doomed)  # absent: no-op


def test_the_same_block_in_two_packs_is_deleted_from_both(tmp_path: Path) -> None:
    root = tmp_path / "blocks"
    store = FileBlockstore(root)
    shared = (CID.hash(b"in both batches"), b"in both batches")
    store.put_many([*_blocks(6, 4), shared])
    store.put_many([*_blocks(7, 4), shared])
    assert [c.multihash for c in store].count(shared[0].multihash) == 1
    store.delete(shared[0])
    assert not store.has(shared[0])
    assert [
        p for p in root.rglob("*") if p.is_file() and b"in both batches" in p.read_bytes()
    ] == []


def test_a_pack_without_rows_or_rows_without_a_pack_hold_nothing(tmp_path: Path) -> None:
    """What a crash can leave: the pack written but not indexed (write), or the pack deleted
    but its rows not (remove). Either way the blocks read as absent."""
    root = tmp_path / "blocks"
    store = FileBlockstore(root)
    unindexed = _blocks(8, 5)
    body, _rows = pack_bytes(unindexed)
    (root / PACKS).mkdir()
    (root / PACKS / ("0" * 32 + SUFFIX)).write_bytes(body)
    assert not any(store.has(cid) for cid, _ in unindexed)
    gone = _blocks(9, 5)
    store.put_many(gone)
    for pack in _files(root / PACKS, "*" + SUFFIX):
        if pack.read_bytes() != body:
            pack.unlink()
    for cid, _data in gone:
        assert not store.has(cid)
        with pytest.raises(BlockNotFound):
            store.get(cid)
    assert list(store) == []
    with sqlite3.connect(root / INDEX) as conn:
        assert conn.execute("SELECT count(*) FROM blocks").fetchone()[0] == 5


def test_forked_and_spawned_processes_write_packs_the_parent_reads(tmp_path: Path) -> None:
    root = tmp_path / "blocks"
    store = FileBlockstore(root)
    store.put_many(_blocks(10, 5))  # the parent's index connection exists before the fork
    children = [
        multiprocessing.get_context("fork").Process(target=store.put_many, args=(_blocks(11, 20),)),
        multiprocessing.get_context("spawn").Process(  # the store pickled, opened anew
            target=store.put_many, args=(_blocks(12, 20),)
        ),
        multiprocessing.get_context("fork").Process(target=store.put_many, args=(_blocks(13, 20),)),
    ]
    for child in children:
        child.start()
        child.join(timeout=120)
        assert child.exitcode == 0
    for seed, count in ((10, 5), (11, 20), (12, 20), (13, 20)):
        for cid, data in _blocks(seed, count):
            assert store.get(cid) == data
    assert len(list(store)) == 65


def test_a_lock_refused_at_once_is_asked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    real = Packs._connection
    refusals = iter([True, True, False, True, False])

    def refusing(self: Packs, *, create: bool) -> sqlite3.Connection | None:
        if next(refusals, False):
            raise sqlite3.OperationalError("database is locked")
        return real(self, create=create)

    monkeypatch.setattr(Packs, "_connection", refusing)
    blocks = _blocks(14, PACK_MIN)
    store.put_many(blocks)  # refused twice, then written
    reader = FileBlockstore(tmp_path / "blocks")  # another store: opens the index anew
    assert reader.get(blocks[0][0]) == blocks[0][1]  # refused once, then read
    monkeypatch.setattr(Packs, "_connection", _broken)
    with pytest.raises(IpfsError, match="cannot use the block index"):
        FileBlockstore(tmp_path / "blocks").get(blocks[1][0])


def _broken(self: Packs, *, create: bool) -> sqlite3.Connection | None:
    raise sqlite3.DatabaseError("file is not a database")


def _put_together(store: FileBlockstore, seed: int, start: Any) -> None:
    start.wait()
    for batch in range(4):
        store.put_many(_blocks(seed * 10 + batch, PACK_MIN + 2))


def test_processes_that_open_a_new_index_at_once_all_store_their_packs(tmp_path: Path) -> None:
    """Making the index (WAL mode) takes an exclusive lock that SQLite refuses at once, not
    after the busy timeout, to the others that open it at that moment: they try again."""
    for attempt in range(3):
        store = FileBlockstore(tmp_path / f"blocks-{attempt}")
        ctx = multiprocessing.get_context("fork")
        start = ctx.Barrier(6)
        children = [
            ctx.Process(target=_put_together, args=(store, seed, start)) for seed in range(6)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=120)
        assert [child.exitcode for child in children] == [0] * 6
        for seed in range(6):
            for batch in range(4):
                for cid, data in _blocks(seed * 10 + batch, PACK_MIN + 2):
                    assert store.get(cid) == data


@settings(max_examples=30, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.binary(min_size=0, max_size=600), min_size=0, max_size=9), max_size=4
    ),
    doomed=st.integers(min_value=0, max_value=40),
)
def test_any_batches_read_back_and_delete_like_single_files(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[bytes]], doomed: int
) -> None:
    packed = FileBlockstore(tmp_path_factory.mktemp("packed"))
    single = FileBlockstore(tmp_path_factory.mktemp("single"))
    for batch in batches:
        blocks = [(CID.hash(data), data) for data in batch]
        packed.put_many(blocks)
        for cid, data in blocks:
            single.put(cid, data)
    everything = sorted({c.multihash for c in single})
    assert sorted({c.multihash for c in packed}) == everything
    assert len(list(packed)) == len(everything)
    if everything:
        victim = CID(1, RAW, everything[doomed % len(everything)])
        packed.delete(victim)
        single.delete(victim)
    for key in everything:
        cid = CID(1, RAW, key)
        assert packed.has(cid) == single.has(cid)
        if single.has(cid):
            assert packed.get(cid) == single.get(cid)
    assert sorted(c.multihash for c in packed) == sorted(c.multihash for c in single)
    assert os.path.isdir(packed.root)


def test_has_many_answers_as_has_does_for_every_kind_of_block(tmp_path: Path) -> None:
    """``has_many`` (a query for hundreds of blocks) holds what ``has`` holds, block by block:
    packed blocks (more of them than one query takes), one-file blocks, identity CIDs, blocks
    never stored, and packed blocks whose pack file is gone."""
    root = tmp_path / "blocks"
    store = FileBlockstore(root)
    packed = _blocks(20, 1200, size=64)  # past the 500 a query
    store.put_many(packed)
    single = _blocks(21, 2)
    for cid, data in single:
        store.put(cid, data)
    gone = _blocks(22, 6)
    store.put_many(gone)
    for pack in _files(root / PACKS, "*" + SUFFIX):
        if _read_sections(pack.read_bytes()) == gone:
            pack.unlink()
    absent = _blocks(23, 3)
    inline = [identity_cid(b"tiny")]
    asked = [cid for cid, _ in packed + single + gone + absent] + inline
    held = store.has_many(asked)
    assert held == {cid for cid in asked if store.has(cid)}
    assert held == {cid for cid, _ in packed + single} | set(inline)


def test_a_batch_has_many_of_its_own_blocks_and_of_the_store(tmp_path: Path) -> None:
    from permapress.ipfs.batch import BlockBatch
    from permapress.ipfs.blockstore import MemoryBlockstore

    store = FileBlockstore(tmp_path / "blocks")
    stored, kept, absent = _blocks(30, 8), _blocks(31, 2), _blocks(32, 2)
    store.put_many(stored)
    batch = BlockBatch(store)
    for cid, data in kept:
        batch.put(cid, data)
    asked = [cid for cid, _ in stored + kept + absent]
    assert batch.has_many(asked) == {cid for cid, _ in stored + kept}
    plain = MemoryBlockstore()  # a store without has_many: asked block by block
    plain.put(*stored[0])
    memory = BlockBatch(plain)
    memory.put(*kept[0])
    assert memory.has_many(asked) == {kept[0][0], stored[0][0]}
