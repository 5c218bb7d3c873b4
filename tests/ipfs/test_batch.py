"""Tests for permapress/ipfs/batch.py: blocks put through a batch are readable at once, stored in
one pack when flushed (or when the byte limit is reached), and a build's blocks end up packed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.errors import BlockNotFound
from permapress.ipfs.batch import BlockBatch
from permapress.ipfs.blockstore import FileBlockstore, MemoryBlockstore
from permapress.ipfs.cid import CID, RAW, identity_cid


def _block(i: int, size: int = 200) -> tuple[CID, bytes]:
    data = (hashlib.sha256(str(i).encode()).digest() * (size // 32 + 1))[:size]
    return CID.hash(data, RAW), data


def _packs(root: Path) -> list[Path]:
    return sorted((root / "packs").glob("*.pack"))


def test_kept_blocks_read_through_the_batch_and_land_in_one_pack(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    batch = BlockBatch(store)
    blocks = [_block(i) for i in range(10)]
    for cid, data in blocks:
        batch.put(cid, data)
    assert len(batch) == 10
    for cid, data in blocks:
        assert batch.has(cid) and batch.get(cid) == data
        assert not store.has(cid)  # nothing is on disk before the flush
    batch.flush()
    assert len(batch) == 0
    assert len(_packs(tmp_path / "blocks")) == 1
    assert not list((tmp_path / "blocks").rglob("*.data"))  # no block got a file of its own
    for cid, data in blocks:
        assert store.get(cid) == data


def test_the_byte_limit_flushes_as_blocks_come(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    batch = BlockBatch(store, limit=1000)
    for i in range(20):
        batch.put(*_block(i, 300))
    assert len(batch) < 4  # every fourth block (1,200 bytes) filled the batch
    assert len(_packs(tmp_path / "blocks")) == 5
    batch.flush()
    for i in range(20):
        cid, data = _block(i, 300)
        assert store.get(cid) == data


def test_identity_and_repeated_blocks_are_not_kept_twice() -> None:
    store = MemoryBlockstore()
    batch = BlockBatch(store)
    inline = identity_cid(b"tiny")
    batch.put(inline, b"tiny")
    cid, data = _block(1)
    batch.put(cid, data)
    batch.put(cid, data)
    assert len(batch) == 1
    assert batch.get(inline) == b"tiny"
    batch.flush()
    assert store.get(cid) == data


def test_a_missing_block_is_still_missing() -> None:
    batch = BlockBatch(MemoryBlockstore())
    cid, _ = _block(7)
    assert not batch.has(cid)
    try:
        batch.get(cid)
    except BlockNotFound:
        pass
    else:
        raise AssertionError("a block never put was found")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=60), st.integers(1, 4000))
def test_after_a_flush_the_store_holds_exactly_what_was_put(puts: list[int], limit: int) -> None:
    store = MemoryBlockstore()
    batch = BlockBatch(store, limit=limit)
    for i in puts:
        batch.put(*_block(i, 100))
    batch.flush()
    assert {c.multihash for c in store} == {_block(i, 100)[0].multihash for i in set(puts)}
