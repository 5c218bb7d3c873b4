"""The importer end to end: files, bytes, trees, folders on disk, leaves; read back with the
reader and a real blockstore. CIDs against other implementations: test_vectors and
test_importer_interop."""

from __future__ import annotations

import io
import os
import socket
import sys
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from permapress.errors import FormatError, IpfsError, UnsupportedError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.importer import (
    Imported,
    build_directory,
    file_from_leaves,
    import_bytes,
    import_file,
    import_path,
    import_tree,
)
from permapress.ipfs.profiles import PROFILES, Profile
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.ipfs.unixfs import DIRECTORY, FILE, HAMT_SHARD, SYMLINK, decode_data
from permapress.ipfs.verify import verify_dag

sys.path.insert(0, str(Path(__file__).parent))  # the suite runs with --import-mode=importlib
from vectors_util import ChaChaStream, chacha_bytes  # noqa: E402

ALL = [PROFILES[name] for name in ("unixfs-v1-2025", "kubo-cid-v1", "unixfs-v0-2015")]
SMALL = Profile("small", 1, 1000, True, 3, 262144, "block")


def _ids(profile: Profile) -> str:
    return profile.name


def _read(store: MemoryBlockstore, cid: CID) -> bytes:
    return b"".join(read_file(cid, store.get))


def _type(store: MemoryBlockstore, cid: CID) -> int:
    return decode_data(decode_node(store.get(cid)).data or b"").type


@pytest.mark.parametrize("profile", ALL, ids=_ids)
@pytest.mark.parametrize("size", [0, 1, 999, 262144, 262145, 3 * 262144 + 5, 1048577])
def test_file_round_trip(profile: Profile, size: int) -> None:
    data = chacha_bytes(f"rt-{size}", size)
    store = MemoryBlockstore()
    order: list[CID] = []

    def sink(cid: CID, block: bytes) -> None:
        order.append(cid)
        store.put(cid, block)

    result = import_file(io.BytesIO(data), profile, sink)
    assert result.size == size
    assert _read(store, result.cid) == data
    assert order[-1] == result.cid
    assert result.tsize == sum(len(store.get(cid)) for cid in set(order))
    assert import_bytes(data, profile, lambda c, b: None) == result
    if size <= profile.chunk_size:
        assert len(order) == 1  # one chunk: the leaf is the file
        assert result.cid.codec == (RAW if profile.raw_leaves else DAG_PB)


def test_leaves_arrive_in_file_order_and_parents_after_children() -> None:
    data = chacha_bytes("order", 10 * 1000 + 1)
    order: list[tuple[CID, bytes]] = []
    result = import_file(io.BytesIO(data), SMALL, lambda c, b: order.append((c, b)))
    leaves = [block for cid, block in order if cid.codec == RAW]
    assert b"".join(leaves) == data
    seen: set[CID] = set()
    for cid, block in order:
        if cid.codec == DAG_PB:
            assert all(link.cid in seen for link in decode_node(block).links)
        seen.add(cid)
    assert order[-1][0] == result.cid
    again: list[tuple[CID, bytes]] = []
    import_file(io.BytesIO(data), SMALL, lambda c, b: again.append((c, b)))
    assert again == order  # deterministic, whatever the hashing threads did


def test_progress_counts_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"y" * 2500)
    seen: list[int] = []
    import_path(path, SMALL, lambda c, b: None, progress=seen.append)
    assert seen == [1000, 1000, 500]


def test_memory_stays_bounded_for_a_large_stream() -> None:
    profile = PROFILES["unixfs-v1-2025"]
    blocks = 0

    def sink(cid: CID, block: bytes) -> None:
        nonlocal blocks
        blocks += 1

    tracemalloc.start()
    try:
        result = import_file(ChaChaStream("memory", 96 << 20), profile, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.size == 96 << 20 and blocks == 97
    assert peak < 16 << 20  # a few chunks in flight, not the 96 MiB file


def test_file_from_leaves_of_varying_sizes() -> None:
    store = MemoryBlockstore()
    pieces = [chacha_bytes(f"leaf-{i}", 100 + 37 * i) for i in range(11)]
    leaves = []
    for piece in pieces:
        cid = CID.hash(piece, RAW)
        store.put(cid, piece)
        leaves.append(Imported(cid, len(piece), len(piece)))
    result = file_from_leaves(leaves, SMALL, store.put)
    assert result.size == sum(map(len, pieces))
    assert _read(store, result.cid) == b"".join(pieces)
    assert b"".join(read_file(result.cid, store.get, 150, 700)) == b"".join(pieces)[150:700]
    root = decode_data(decode_node(store.get(result.cid)).data or b"")
    assert root.type == FILE and len(root.blocksizes) <= SMALL.max_links
    assert file_from_leaves(leaves[:1], SMALL, store.put) == leaves[0]
    with pytest.raises(IpfsError, match="at least one leaf"):
        file_from_leaves([], SMALL, store.put)


def test_tree_with_reused_node_and_sorted_links() -> None:
    store = MemoryBlockstore()
    profile = PROFILES["unixfs-v1-2025"]
    shared = import_bytes(b"shared bytes", profile, store.put)
    emitted: list[CID] = []

    def sink(cid: CID, block: bytes) -> None:
        emitted.append(cid)
        store.put(cid, block)

    tree = {"b": b"2", "a": b"1", "é": {"x": shared}, "Z": {}, "\U0001f600": b"", "\uff21": b"w"}
    root = import_tree(tree, profile, sink)
    assert shared.cid not in emitted  # linked, not imported again
    names = [name for name, _, _ in list_directory(root.cid, store.get)]
    assert names == sorted(tree, key=lambda n: n.encode())  # UTF-8 byte order: Z a b é Ａ 😀
    assert names[-2:] == ["\uff21", "\U0001f600"]
    assert stat(root.cid, store.get).kind == "directory"
    (_, sub, _), = [e for e in list_directory(root.cid, store.get) if e[0] == "é"]
    assert [(n, c) for n, c, _ in list_directory(sub, store.get)] == [("x", shared.cid)]
    assert root.tsize == sum(len(store.get(cid)) for cid in set(emitted) | {shared.cid})


@pytest.mark.parametrize(
    "name", ["", ".", "..", "a/b", "nul\x00"], ids=["empty", "dot", "dotdot", "slash", "nul"]
)
def test_bad_entry_names(name: str) -> None:
    with pytest.raises(FormatError, match="rename"):
        import_tree({name: b"x"}, SMALL, lambda c, b: None)


def test_names_with_the_same_bytes_collide() -> None:
    leaf = import_bytes(b"x", SMALL, lambda c, b: None)
    with pytest.raises(FormatError, match="both named"):
        build_directory({"é": leaf, "\udcc3\udca9": leaf}, SMALL, lambda c, b: None)


def test_tree_values_must_be_bytes_mappings_or_nodes() -> None:
    with pytest.raises(FormatError, match="'n' is a int"):
        import_tree({"n": 5}, SMALL, lambda c, b: None)  # type: ignore[dict-item]


@pytest.mark.parametrize("profile", ALL, ids=_ids)
def test_hamt_switch_is_strictly_greater(profile: Profile) -> None:
    """Folders sized to exactly the threshold, and one byte more, by each profile's estimate."""
    store = MemoryBlockstore()
    leaf = import_bytes(b"x", profile, store.put)
    never = replace(profile, hamt_threshold=1 << 40)

    def link_bytes(name: str) -> int:
        if profile.hamt_estimate == "links":
            return len(name.encode()) + len(bytes(leaf.cid))
        return len(store.get(build_directory({name: leaf}, never, store.put).cid)) - 4

    def entries(total: int) -> dict[str, Imported]:
        body = total - (4 if profile.hamt_estimate == "block" else 0)  # Data field 0a 02 08 01
        width = link_bytes("0" * 40)
        count = body // width - 2
        names = [f"{i:040d}" for i in range(count)]
        rest = body - count * width
        for a in range(1, 90):
            b = next((b for b in range(1, 90) if link_bytes("y" * a) + link_bytes("z" * b) == rest),
                     None)
            if b is not None:
                return dict.fromkeys([*names, "y" * a, "z" * b], leaf)
        raise AssertionError(f"cannot fill {rest} bytes")

    at = entries(profile.hamt_threshold)
    if profile.hamt_estimate == "block":
        assert len(store.get(build_directory(at, never, store.put).cid)) == profile.hamt_threshold
    else:
        assert sum(len(n) + len(bytes(leaf.cid)) for n in at) == profile.hamt_threshold
    assert _type(store, build_directory(at, profile, store.put).cid) == DIRECTORY
    over = entries(profile.hamt_threshold + 1)
    result = build_directory(over, profile, store.put)
    assert _type(store, result.cid) == HAMT_SHARD
    assert sorted(n for n, _, _ in list_directory(result.cid, store.get)) == sorted(over)


def _write_tree(root: Path) -> None:
    (root / "docs" / "empty").mkdir(parents=True)
    (root / "docs" / "a.txt").write_bytes(b"alpha")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_bytes(b"ref")
    (root / ".env").write_bytes(b"SECRET=1")
    (root / "docs" / ".hidden").write_bytes(b"h")
    (root / "caf\u00e9 \U0001f600.md").write_bytes(b"unicode")
    os.symlink("docs/a.txt", root / "link")
    os.symlink("docs", root / "dirlink")


def test_import_path_folder(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    _write_tree(root)
    store = MemoryBlockstore()
    profile = PROFILES["unixfs-v1-2025"]
    result = import_path(root, profile, store.put)
    listing = {name: cid for name, cid, _ in list_directory(result.cid, store.get)}
    assert sorted(listing) == ["caf\u00e9 \U0001f600.md", "dirlink", "docs", "link"]
    docs = {name: cid for name, cid, _ in list_directory(listing["docs"], store.get)}
    assert sorted(docs) == ["a.txt", "empty"]  # hidden file skipped, empty folder kept
    assert list(list_directory(docs["empty"], store.get)) == []
    for name, target in (("link", b"docs/a.txt"), ("dirlink", b"docs")):
        meta = decode_data(decode_node(store.get(listing[name])).data or b"")
        assert (meta.type, meta.data, meta.filesize) == (SYMLINK, target, None)
    expected = import_tree(
        {"caf\u00e9 \U0001f600.md": b"unicode", "docs": {"a.txt": b"alpha", "empty": {}},
         "link": import_path(root / "link", profile, store.put),
         "dirlink": import_path(root / "dirlink", profile, store.put)},
        profile, store.put,
    )
    assert expected == result
    with_hidden = import_path(root, profile, store.put, hidden=True)
    names = [name for name, _, _ in list_directory(with_hidden.cid, store.get)]
    assert ".env" in names and ".git" in names


def test_import_path_single_file_and_hidden_root(tmp_path: Path) -> None:
    path = tmp_path / ".notes"
    path.write_bytes(b"hello world")
    result = import_path(path, PROFILES["unixfs-v0-2015"], lambda c, b: None)
    assert str(result.cid) == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"


def test_import_path_keeps_non_utf8_name_bytes(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"caf\xe9"), "wb") as handle:
        handle.write(b"latin-1 name")
    store = MemoryBlockstore()
    result = import_path(root, SMALL, store.put)
    block = store.get(result.cid)
    assert b"caf\xe9" in block and "café".encode() not in block


def test_import_path_errors(tmp_path: Path) -> None:
    with pytest.raises(IpfsError, match="missing"):
        import_path(tmp_path / "missing", SMALL, lambda c, b: None)
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(UnsupportedError, match="s.sock"):
            import_path(tmp_path, SMALL, lambda c, b: None)


def test_a_folder_1500_levels_deep_imports_without_recursion(tmp_path: Path) -> None:
    top = tmp_path / "deep"
    folders = [top]
    for _ in range(1500):
        folders.append(folders[-1] / "d")
    for folder in folders:  # one by one: Path.mkdir(parents=True) itself recurses
        folder.mkdir()
    (folders[-1] / "f.txt").write_bytes(b"bottom")
    profile = PROFILES["unixfs-v1-2025"]
    store = MemoryBlockstore()
    try:
        imported = import_path(top, profile, store.put)
    finally:  # remove it from the bottom up (shutil.rmtree would recurse 1500 levels)
        (folders[-1] / "f.txt").unlink()
        for folder in reversed(folders):
            folder.rmdir()
    expected = import_bytes(b"bottom", profile, lambda c, b: None)
    node = build_directory({"f.txt": expected}, profile, lambda c, b: None)
    for _ in range(1500):
        node = build_directory({"d": node}, profile, lambda c, b: None)
    assert imported.cid == node.cid
    report = verify_dag(imported.cid, store.get)
    assert report.ok and report.blocks == 1502
