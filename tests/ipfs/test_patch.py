"""patch_tree must give the very DAG a build from scratch gives, or refuse."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.importer import Imported, import_bytes, import_tree
from permapress.ipfs.patch import NotPatchable, patch_tree
from permapress.ipfs.profiles import PROFILES, Profile

# Small thresholds, so that folders of a few dozen entries are sharded (fanout 16: deep shards).
SMALL = [replace(PROFILES[name], hamt_threshold=900, fanout=16) for name in sorted(PROFILES)] + [
    PROFILES["unixfs-v1-2025"]
]


def _tree(names: list[str], depth: int, seed: int) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for index, name in enumerate(names):
        if depth > 0 and index % 7 == 3:
            tree[name] = _tree(names[: len(names) // 2], depth - 1, seed + index)
        else:
            tree[name] = f"{name} {seed} {index}".encode()
    return tree


def _files(tree: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for name, value in tree.items():
        if isinstance(value, dict):
            paths.append(prefix + name)
            paths += _files(value, prefix + name + "/")
        else:
            paths.append(prefix + name)
    return paths


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split("/")
    for part in parts[:-1]:
        tree = tree[part]
    tree[parts[-1]] = value


names = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789é", min_size=1, max_size=12),
    min_size=1,
    max_size=60,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(names=names, seed=st.integers(0, 1000), picks=st.lists(st.integers(0, 10_000), max_size=5))
@pytest.mark.parametrize("profile", SMALL, ids=lambda p: f"{p.name}-{p.hamt_threshold}")
def test_patching_equals_building_the_changed_tree(
    profile: Profile, names: list[str], seed: int, picks: list[int]
) -> None:
    store = MemoryBlockstore()
    tree = _tree(names, 2, seed)
    root = import_tree(tree, profile, store.put)
    paths = _files(tree)
    changes: dict[str, Imported] = {}
    for pick in picks:
        path = paths[pick % len(paths)]
        if any(path.startswith(other + "/") or other.startswith(path + "/") for other in changes):
            continue
        data = f"changed {pick} {path}".encode() * (1 + pick % 3)
        changes[path] = import_bytes(data, profile, store.put)
        _set(tree, path, data)
    if not changes:
        return
    expected = import_tree(tree, profile, MemoryBlockstore().put)
    try:
        patched = patch_tree(root.cid, changes, profile, store.get, store.put)
    except NotPatchable:
        # allowed only where a from-scratch build might shape a folder otherwise
        assert profile.hamt_estimate == "block"
        return
    assert patched == expected


def test_a_name_that_is_not_there_is_not_patchable() -> None:
    profile = PROFILES["unixfs-v1-2025"]
    store = MemoryBlockstore()
    root = import_tree({"a": b"1", "b": {"c": b"2"}}, profile, store.put)
    new = import_bytes(b"3", profile, store.put)
    with pytest.raises(NotPatchable, match="'d'"):
        patch_tree(root.cid, {"b/d": new}, profile, store.get, store.put)
    with pytest.raises(NotPatchable):
        patch_tree(root.cid, {}, profile, store.get, store.put)


def test_a_big_sharded_folder_changes_only_the_shards_on_the_way() -> None:
    profile = PROFILES["unixfs-v1-2025"]
    store = MemoryBlockstore()
    tree: dict[str, Any] = {
        "articles": {f"story-{n:05d}": f"story {n}".encode() for n in range(6000)}
    }
    tree["index.html"] = b"front page"
    root = import_tree(tree, profile, store.put)
    written: list[bytes] = []

    def sink(cid: Any, data: bytes) -> None:
        written.append(data)
        store.put(cid, data)

    changes = {
        "articles/story-00042": import_bytes(b"story 42, corrected", profile, store.put),
        "index.html": import_bytes(b"front page, again", profile, store.put),
    }
    patched = patch_tree(root.cid, changes, profile, store.get, sink)
    tree["articles"]["story-00042"] = b"story 42, corrected"
    tree["index.html"] = b"front page, again"
    assert patched == import_tree(tree, profile, MemoryBlockstore().put)
    assert len(written) <= 4  # the root shard, one sub-shard, the articles folder, the root


@pytest.mark.parametrize("profile", [PROFILES[name] for name in sorted(PROFILES)], ids=str)
def test_a_big_flat_folder_is_patched_in_its_bytes(profile: Profile) -> None:
    """A folder of thousands of article folders that is not sharded: the changed entry's link
    is written again, the others are copied, and the result is the folder built from scratch."""
    store = MemoryBlockstore()
    tree: dict[str, Any] = {
        "articles": {f"story-{n:05d}": {"index.html": f"story {n}".encode()} for n in range(3000)},
        "index.html": b"front page",
    }
    root = import_tree(tree, profile, store.put)
    changes = {
        "articles/story-00042/index.html": import_bytes(b"corrected", profile, store.put),
        "articles/story-02999": import_tree({"index.html": b"last"}, profile, store.put),
    }
    patched = patch_tree(root.cid, changes, profile, store.get, store.put)
    tree["articles"]["story-00042"]["index.html"] = b"corrected"
    tree["articles"]["story-02999"] = {"index.html": b"last"}
    assert patched == import_tree(tree, profile, MemoryBlockstore().put)
    with pytest.raises(NotPatchable, match="'story-03000'"):
        patch_tree(root.cid, {"articles/story-03000": changes["articles/story-02999"]},
                   profile, store.get, store.put)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    names=names,
    seed=st.integers(0, 1000),
    picks=st.lists(st.integers(0, 10_000), max_size=5),
    fresh=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789é", min_size=1,
                           max_size=12), max_size=4),  # fmt: skip
)
@pytest.mark.parametrize("profile", SMALL, ids=lambda p: f"{p.name}-{p.hamt_threshold}")
def test_new_and_removed_names_equal_building_the_changed_tree(
    profile: Profile, names: list[str], seed: int, picks: list[int], fresh: list[str]
) -> None:
    """With ``new_names`` a basic directory takes new entries and loses removed ones; the result
    is the tree built from scratch, or NotPatchable where a folder is (or would become) a shard."""
    store = MemoryBlockstore()
    tree = _tree(names, 2, seed)
    root = import_tree(tree, profile, store.put)
    folders = [""] + [p + "/" for p in _files(tree) if isinstance(_get(tree, p), dict)]
    changes: dict[str, Imported] = {}
    removed: list[str] = []
    files = [p for p in _files(tree) if not isinstance(_get(tree, p), dict)]
    for pick in picks[:2]:
        path = files[pick % len(files)]
        if path not in removed and _parent(tree, path) is not None and len(_parent(tree, path)) > 1:
            removed.append(path)
            del _parent(tree, path)[path.split("/")[-1]]
    for index, name in enumerate(fresh):
        folder = folders[(picks[index] if index < len(picks) else index) % len(folders)]
        inside = _get(tree, folder.rstrip("/")) if folder else tree
        if name in inside or folder + name in removed:
            continue
        data = f"new {name} {index}".encode()
        changes[folder + name] = import_bytes(data, profile, store.put)
        inside[name] = data
    if not changes and not removed:
        return
    expected = import_tree(tree, profile, MemoryBlockstore().put)
    try:
        patched = patch_tree(root.cid, changes, profile, store.get, store.put, removed=removed,
                             new_names=True)  # fmt: skip
    except NotPatchable:
        return  # a shard on the way, or a folder that may change shape: built the ordinary way
    assert patched == expected


def _get(tree: dict[str, Any], path: str) -> Any:
    for part in path.split("/"):
        tree = tree[part]
    return tree


def _parent(tree: dict[str, Any], path: str) -> Any:
    parts = path.split("/")
    return _get(tree, "/".join(parts[:-1])) if len(parts) > 1 else tree


def test_a_big_flat_folder_takes_a_new_name_and_loses_one_in_its_bytes() -> None:
    profile = PROFILES["unixfs-v1-2025"]
    store = MemoryBlockstore()
    tree: dict[str, Any] = {"x": {f"t{n:05d}": f"text {n}".encode() for n in range(0, 6000, 2)}}
    root = import_tree(tree, profile, store.put)
    new = import_bytes(b"text 43", profile, store.put)
    patched = patch_tree(root.cid, {"x/t00043": new}, profile, store.get, store.put,
                         removed=["x/t00042"], new_names=True)  # fmt: skip
    del tree["x"]["t00042"]
    tree["x"]["t00043"] = b"text 43"
    assert patched == import_tree(tree, profile, MemoryBlockstore().put)
    with pytest.raises(NotPatchable, match="'t00045'"):  # a new name only when asked for
        patch_tree(root.cid, {"x/t00045": new}, profile, store.get, store.put)


hexnames = st.lists(st.text(alphabet="abcdef0123", min_size=8, max_size=8), min_size=20,
                    max_size=150, unique=True)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(names=hexnames, seed=st.integers(0, 10_000), count=st.integers(1, 3),
       extra=st.booleans())  # fmt: skip
@pytest.mark.parametrize(
    "profile",
    [replace(PROFILES[name], hamt_threshold=900, fanout=fanout)
     for name in sorted(PROFILES) for fanout in (4, 16)],
    ids=lambda p: f"{p.name}-{p.fanout}",
)  # fmt: skip
def test_a_sharded_folder_takes_new_names_for_removed_ones(
    profile: Profile, names: list[str], seed: int, count: int, extra: bool
) -> None:
    """Names of the same length swapped in a HAMT (a search index's text folders renamed):
    buckets gain sub-shards where names meet and lose them where one entry is left, as the
    builder shapes them; a patch that changes the folder's weight is refused."""
    store = MemoryBlockstore()
    tree: dict[str, Any] = {"x": {name: name.encode() for name in names}}
    root = import_tree(tree, profile, store.put)
    gone = [names[(seed + i * 7) % len(names)] for i in range(count)]
    gone = list(dict.fromkeys(gone))
    for name in gone:
        del tree["x"][name]
    fresh = [f"{(seed * 31 + i * 977) % 10**8:08d}" for i in range(len(gone) + extra)]
    fresh = [name for name in dict.fromkeys(fresh) if name not in tree["x"]]
    changes = {}
    for name in fresh:
        changes[f"x/{name}"] = import_bytes(name.encode(), profile, store.put)
        tree["x"][name] = name.encode()
    expected = import_tree(tree, profile, MemoryBlockstore().put)
    try:
        patched = patch_tree(root.cid, changes, profile, store.get, store.put,
                             removed=[f"x/{name}" for name in gone], new_names=True)  # fmt: skip
    except NotPatchable:
        assert len(fresh) != len(gone)  # only a change of weight is refused
        return
    assert patched == expected
