"""CARs of imports from disk: leaves read back from the source (raw-leaf profiles) or spooled
(dag-pb leaves) give exactly the CAR that an in-memory blockstore gives."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest

from permapress.errors import BlockNotFound, IpfsError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import dag_blocks, write_car
from permapress.ipfs.cid import CID, RAW
from permapress.ipfs.importer import import_path
from permapress.ipfs.profiles import get_profile
from permapress.ipfs.sourcecar import SourceBackedStore
from permapress.ipfs.spool import SpoolBlockstore


def tree(root: Path) -> Path:
    rng = random.Random(5)
    (root / "a" / "b").mkdir(parents=True)
    (root / "big.bin").write_bytes(rng.randbytes(2 * 1024 * 1024 + 17))  # several leaves
    (root / "a" / "copy.bin").write_bytes((root / "big.bin").read_bytes())  # same leaves again
    (root / "a" / "b" / "small.txt").write_text("hello", encoding="utf-8")
    (root / "a" / "empty").write_bytes(b"")
    (root / "a" / "b" / "ünïcode.txt").write_bytes(rng.randbytes(5000))
    for i in range(300):
        (root / "a" / f"f{i:03d}").write_bytes(rng.randbytes(rng.randint(0, 9000)))
    return root


def car_bytes(root: CID, get: object) -> bytes:
    out = io.BytesIO()
    write_car([root], dag_blocks(root, get), out)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("profile_name", ["unixfs-v1-2025", "kubo-cid-v1"])
def test_source_backed_car_equals_the_in_memory_car(tmp_path: Path, profile_name: str) -> None:
    source = tree(tmp_path / "src")
    profile = get_profile(profile_name)
    memory = MemoryBlockstore()
    expected_root = import_path(source, profile, memory.put).cid
    store = SourceBackedStore(source)
    root = import_path(source, profile, store.put).cid
    assert root == expected_root
    store.locate(root)
    try:
        assert car_bytes(root, store.get) == car_bytes(root, memory.get)
    finally:
        store.close()


def test_a_single_file_root(tmp_path: Path) -> None:
    path = tmp_path / "one.bin"
    path.write_bytes(random.Random(1).randbytes(3 * 1024 * 1024))
    profile = get_profile("unixfs-v1-2025")
    memory = MemoryBlockstore()
    store = SourceBackedStore(path)
    root = import_path(path, profile, store.put).cid
    assert root == import_path(path, profile, memory.put).cid
    store.locate(root)
    assert car_bytes(root, store.get) == car_bytes(root, memory.get)
    store.close()


def test_a_file_changed_after_the_import_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.bin"
    path.write_bytes(b"x" * 3_000_000)
    store = SourceBackedStore(path)
    root = import_path(path, get_profile("unixfs-v1-2025"), store.put).cid
    store.locate(root)
    later = store.started_ns + 5_000_000_000
    os.utime(path, ns=(later, later))
    with pytest.raises(IpfsError, match="changed while it was imported"):
        car_bytes(root, store.get)
    store.close()


def test_unknown_blocks_are_not_found(tmp_path: Path) -> None:
    store = SourceBackedStore(tmp_path)
    with pytest.raises(BlockNotFound):
        store.get(CID.hash(b"nothing", RAW))


def test_spool_keeps_large_blocks_on_disk_and_gives_them_back(tmp_path: Path) -> None:
    source = tree(tmp_path / "src")
    profile = get_profile("unixfs-v0-2015")
    memory = MemoryBlockstore()
    with SpoolBlockstore(tmp_path) as spool:
        root = import_path(source, profile, spool.put).cid
        assert root == import_path(source, profile, memory.put).cid
        assert len(spool) == len(memory)
        assert car_bytes(root, spool.get) == car_bytes(root, memory.get)
        for cid in memory:
            assert spool.has(cid) and spool.get(cid) == memory.get(cid)
