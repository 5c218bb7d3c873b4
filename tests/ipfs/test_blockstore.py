"""Tests for permapress/ipfs/blockstore.py: memory and flatfs stores, concurrency, identity CIDs."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from permapress.errors import BlockNotFound, ConfigError
from permapress.ipfs.blockstore import (
    SHARDING,
    Blockstore,
    FileBlockstore,
    MemoryBlockstore,
    block_key,
    shard_of,
)
from permapress.ipfs.cid import CID, DAG_PB, RAW, identity_cid

# The empty UnixFS directory (dag-pb bytes 0a 02 08 01) that every kubo repo holds at this path.
EMPTY_DIR = bytes.fromhex("0a020801")
EMPTY_DIR_CID = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
EMPTY_DIR_FILE = "X3/CIQFTFEEHEDF6KLBT32BFAGLXEZL4UWFNWM4LFTLMXQBCERZ6CMLX3Y.data"


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Blockstore:
    if request.param == "memory":
        return MemoryBlockstore()
    return FileBlockstore(tmp_path / "blocks")


def test_put_get_has_delete(store: Blockstore) -> None:
    data = b"hello permapress"
    cid = CID.hash(data)
    assert not store.has(cid)
    with pytest.raises(BlockNotFound) as info:
        store.get(cid)
    assert info.value.cid == cid
    assert str(cid) in str(info.value)
    store.put(cid, data)
    assert store.has(cid)
    assert store.get(cid) == data
    store.put(cid, data)  # again: no-op
    assert list(store) == [CID(1, RAW, cid.multihash)] or list(store) == [cid]
    store.delete(cid)
    assert not store.has(cid)
    store.delete(cid)  # absent: no-op
    assert list(store) == []


def test_same_multihash_under_other_codec_is_one_block(store: Blockstore) -> None:
    v0 = CID.parse(EMPTY_DIR_CID)
    store.put(v0, EMPTY_DIR)
    assert store.has(v0.to_v1())
    assert store.get(CID(1, RAW, v0.multihash)) == EMPTY_DIR
    assert len(list(store)) == 1


def test_identity_cids_are_answered_from_the_cid(store: Blockstore) -> None:
    cid = identity_cid(b"inline bytes")
    assert store.has(cid)
    assert store.get(cid) == b"inline bytes"
    store.put(cid, b"inline bytes")
    store.delete(cid)
    assert list(store) == []
    assert store.get(identity_cid(b"")) == b""


def test_iteration_lists_every_block(store: Blockstore) -> None:
    blocks = {CID.hash(bytes([i]) * i): bytes([i]) * i for i in range(50)}
    for cid, data in blocks.items():
        store.put(cid, data)
    assert {c.multihash for c in store} == {c.multihash for c in blocks}


def test_flatfs_layout_matches_kubo(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path)
    cid = CID.parse(EMPTY_DIR_CID)
    store.put(cid, EMPTY_DIR)
    assert (tmp_path / EMPTY_DIR_FILE).read_bytes() == EMPTY_DIR
    assert (tmp_path / "SHARDING").read_text() == SHARDING + "\n"
    assert block_key(cid) == "CIQFTFEEHEDF6KLBT32BFAGLXEZL4UWFNWM4LFTLMXQBCERZ6CMLX3Y"
    # flatfs loses the codec: iteration gives CIDv1 raw of the same multihash
    assert list(store) == [CID(1, RAW, cid.multihash)]
    assert list(FileBlockstore(tmp_path)) == [CID(1, RAW, cid.multihash)]
    assert store.path_of(cid) == tmp_path / EMPTY_DIR_FILE


def test_shard_of_short_keys_is_padded() -> None:
    assert shard_of("ABCDEF") == "DE"
    assert shard_of("AB") == "_A"
    assert shard_of("A") == "__"


def test_iteration_skips_temp_and_foreign_files(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path)
    cid = CID.hash(b"x")
    store.put(cid, b"x")
    folder = store.path_of(cid).parent
    (folder / ".tmp-123.part").write_bytes(b"half")
    (folder / "notes.txt").write_text("hi")
    (folder / "NOTBASE32!.data").write_text("hi")
    (tmp_path / "ZZ").mkdir()
    # a valid key in the wrong shard folder is not a block of this layout
    (tmp_path / "ZZ" / store.path_of(cid).name).write_bytes(b"x")
    assert list(store) == [CID(1, RAW, cid.multihash)]


def test_put_writes_no_temp_files_left(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path, fsync=True)
    for i in range(20):
        data = os.urandom(100 + i)
        store.put(CID.hash(data), data)
    leftovers = [p for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []
    assert len(list(store)) == 20


def test_sharding_mismatch_is_refused(tmp_path: Path) -> None:
    (tmp_path / "SHARDING").write_text("/repo/flatfs/shard/v1/prefix/2\n")
    with pytest.raises(ConfigError, match="prefix/2"):
        FileBlockstore(tmp_path)


def test_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "blocks"
    target.write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file"):
        FileBlockstore(target)


def test_get_of_unreadable_block_is_our_error(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path)
    cid = CID.hash(b"dir instead of file")
    store.path_of(cid).parent.mkdir(parents=True, exist_ok=True)
    store.path_of(cid).mkdir()
    from permapress.errors import IpfsError

    with pytest.raises(IpfsError, match=str(cid)):
        store.get(cid)


def test_put_many_and_memory_helpers() -> None:
    store = MemoryBlockstore()
    blocks = [(CID.hash(bytes([i])), bytes([i])) for i in range(5)]
    assert store.put_many(blocks + blocks) == 10
    assert len(store) == 5
    assert blocks[0][0] in store
    assert store.size == 5
    v0 = CID.parse(EMPTY_DIR_CID)
    store.put(v0, EMPTY_DIR)
    assert v0 in list(store)  # memory keeps the CID the block was put under
    assert CID(1, DAG_PB, v0.multihash) in store


def blocks_for(seed: int, count: int) -> list[tuple[CID, bytes]]:
    """Blocks every writer shares, interleaved with blocks only this writer has."""
    out: list[tuple[CID, bytes]] = []
    for i in range(count):
        shared = f"shared block {i}".encode() * 50
        own = f"process {seed} block {i}".encode() * 50
        out += [(CID.hash(shared), shared), (CID.hash(own), own)]
    return out


def test_two_processes_write_same_and_different_blocks(tmp_path: Path) -> None:
    count = 300
    # spawn: each child imports permapress afresh and runs FileBlockstore.put_many
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=FileBlockstore(tmp_path).put_many, args=(blocks_for(seed, count),))
        for seed in (1, 2)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    store = FileBlockstore(tmp_path)
    expected = dict(blocks_for(1, count) + blocks_for(2, count))
    assert len(expected) == 3 * count
    assert {c.multihash for c in store} == {c.multihash for c in expected}
    for cid, data in expected.items():
        assert store.get(cid) == data
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_put_falls_back_to_a_renamed_temp_file_where_unnamed_files_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from permapress.ipfs import blockstore

    def unsupported(self: FileBlockstore, path: object, data: bytes) -> None:
        raise OSError(errno.EOPNOTSUPP, "no O_TMPFILE here")

    monkeypatch.setattr(blockstore.FileBlockstore, "_write_unnamed", unsupported)
    store = FileBlockstore(tmp_path)
    for i in range(5):
        data = os.urandom(50 + i)
        store.put(CID.hash(data), data)
        assert store.get(CID.hash(data)) == data
    assert store._unnamed is False  # asked once, then not again
    assert list(tmp_path.rglob(".tmp-*")) == [] and len(list(store)) == 5


def test_a_block_written_twice_is_stored_once(tmp_path: Path) -> None:
    store = FileBlockstore(tmp_path)
    data = b"the same block"
    path = store.path_of(CID.hash(data))
    store.put(CID.hash(data), data)
    path.unlink()
    other = FileBlockstore(tmp_path)
    other.put(CID.hash(data), data)
    store._write_atomic(path, data)  # the name exists now: the second writer keeps the first
    assert path.read_bytes() == data and len(list(store)) == 1


def test_new_shard_folders_do_not_turn_unnamed_writes_off(tmp_path: Path) -> None:
    from permapress.ipfs import blockstore

    if not blockstore._UNNAMED_FILES:
        pytest.skip("this system has no unnamed files (O_TMPFILE and /proc): nothing to keep on")
    store = FileBlockstore(tmp_path / "fresh")
    for i in range(40):  # most of these land in a shard folder that does not exist yet
        data = f"block {i}".encode()
        store.put(CID.hash(data), data)
    assert store._unnamed is True
    assert len(list(store)) == 40 and list(tmp_path.rglob(".tmp-*")) == []
