"""Our importer against ipfs-unixfs-importer 17 (tests/interop/unixfs-cids.mjs), case by case.

For each profile a deterministic set of cases (files at and around every chunk boundary, the
link-count boundaries where they are cheap, random nested trees with unicode names, empty
files and folders, hidden files on disk, directories just below / at / just above the HAMT
threshold) is imported by us and by the JS importer, with one node process per profile, and
every root CID must agree. Two reduced profiles (1 KiB chunks, 3-4 links, a tiny shard
threshold) reach deep file trees and multi-level HAMTs cheaply.

Not compared here: the 1024-link boundary of unixfs-v1-2025 (1 GiB, see test_vectors),
symlinks (the JS importer has no symlink entries; see test_importer). Folders are listed as
entries before their contents, as the JS globSource lists them; without that the JS importer
leaves sub-folders out of its HAMT estimate (see test_subfolder_links_count_toward_the_threshold).
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.importer import (
    Imported,
    import_bytes,
    import_file,
    import_path,
    import_tree,
)
from permapress.ipfs.profiles import PROFILES, Profile
from permapress.ipfs.unixfs import DIRECTORY, HAMT_SHARD, decode_data

sys.path.insert(0, str(Path(__file__).parent))  # the suite runs with --import-mode=importlib
from vectors_util import ChaChaStream, chacha_bytes  # noqa: E402

INTEROP = Path(__file__).resolve().parents[1] / "interop"
SCRIPT = INTEROP / "unixfs-cids.mjs"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        shutil.which("node") is None
        or not (INTEROP / "node_modules" / "ipfs-unixfs-importer").is_dir(),
        reason="node or tests/interop/node_modules is missing (run npm ci in tests/interop)",
    ),
]

TINY_LAYOUT = Profile("tiny-layout", 1, 1024, True, 4, 262144, "block")
TINY_V0 = Profile("tiny-v0", 0, 1000, False, 3, 262144, "links")
TINY_HAMT = Profile("tiny-hamt", 1, 1024, True, 4, 700, "block")
TINY_HAMT_LINKS = Profile("tiny-hamt-links", 0, 1024, False, 4, 600, "links")

NAME_PARTS = [
    "a", "b", "Z", "0", "9", "-", "_", "~", " ", "é", "e\u0301", "ß", "ü", "中文", "ひ",
    "😀", "🎉", "\uff21", "\u00a0", "x", "report", "2024", "Ωmega", "د", "+", "=", ",",
]


@dataclass
class Case:
    """One import: ``entries`` maps a path to content (bytes, a (seed, size) ChaCha20 pair)
    or None for a folder. ``wrap`` False means a single file, True a wrapping folder."""

    name: str
    wrap: bool
    entries: dict[str, Any] = field(default_factory=dict)
    on_disk: bool = False
    hidden: bool = False


# --- case generation -------------------------------------------------------------------------


def _random_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = "".join(rng.choice(NAME_PARTS) for _ in range(rng.randint(1, 4)))
        if name not in taken:
            taken.add(name)
            return name


def _file_size(rng: random.Random, profile: Profile, big_left: list[int]) -> int:
    roll = rng.random()
    if roll < 0.15:
        return 0
    if roll < 0.6:
        return rng.randint(1, 3000)
    if roll < 0.85 or big_left[0] <= 0:
        return rng.randint(3000, 100_000)
    big_left[0] -= 1
    chunk = profile.chunk_size
    return rng.choice([chunk - 1, chunk, chunk + 1, 2 * chunk + rng.randint(-2, 2), 3 * chunk + 5])


def _random_tree(
    rng: random.Random, profile: Profile, prefix: str, depth: int, out: dict[str, Any],
    big_left: list[int],
) -> None:
    taken: set[str] = set()
    for _ in range(rng.randint(0, 5)):
        path = f"{prefix}{_random_name(rng, taken)}"
        if depth < 4 and rng.random() < 0.3:
            out[path] = None
            _random_tree(rng, profile, path + "/", depth + 1, out, big_left)
        else:
            out[path] = (f"seed:{path}", _file_size(rng, profile, big_left))


def _size_cases(profile: Profile, link_boundaries: bool) -> Iterator[Case]:
    chunk = profile.chunk_size
    sizes = {0, 1, 2, 100, chunk - 1, chunk, chunk + 1, 2 * chunk - 1, 2 * chunk, 2 * chunk + 1,
             3 * chunk + 7, 5 * chunk - 3}
    if link_boundaries:
        links = profile.max_links
        for leaves in (links, links * links, links * links * links):
            if leaves * chunk <= 64 << 20:
                sizes |= {leaves * chunk - 1, leaves * chunk, leaves * chunk + 1}
        if links * links * chunk <= 64 << 20:
            sizes |= {(links * links + links) * chunk + 1}
    for size in sorted(sizes):
        yield Case(f"file-{size}", False, {"f": (f"size-{size}", size)})


def _names_for(total: int, per_name: int, cid_len: int) -> list[int]:
    """Name lengths whose links-bytes estimate (name + CID bytes) adds up to ``total``."""
    count, rest = divmod(total, per_name + cid_len)
    lengths = [per_name] * count
    if rest:
        lengths[-1] += rest
    return lengths


def _link_size(name_len: int, cid_len: int, tsize: int) -> int:
    def varint(n: int) -> int:
        return max(1, (n.bit_length() + 6) // 7)

    inner = 1 + varint(cid_len) + cid_len + 1 + varint(name_len) + name_len + 1 + varint(tsize)
    return 1 + varint(inner) + inner


def _block_lengths(total: int, per_name: int, cid_len: int) -> list[int]:
    """Name lengths of 1-byte files whose basic-directory block is exactly ``total`` bytes."""
    body = total - 4  # the directory's Data field: 0a 02 08 01
    link = _link_size(per_name, cid_len, 1)
    count = body // link - 2
    rest = body - count * link
    for first in range(1, 120):
        for second in range(first, 120):
            if _link_size(first, cid_len, 1) + _link_size(second, cid_len, 1) == rest:
                return [per_name] * count + [first, second]
    raise AssertionError(f"no two names fill {rest} bytes")


def _lengths(profile: Profile, total: int, per_name: int, cid_len: int) -> list[int]:
    if profile.hamt_estimate == "links":
        return _names_for(total, per_name, cid_len)
    return _block_lengths(total, per_name, cid_len)


def _unique_names(lengths: list[int], rng: random.Random) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_"
    names: list[str] = []
    seen: set[str] = set()
    for length in lengths:
        while True:
            name = "".join(rng.choice(alphabet) for _ in range(length))
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
    return names


def _threshold_cases(profile: Profile, rng: random.Random) -> Iterator[Case]:
    """Flat folders of 1-byte files whose estimate is the threshold -1, +0, +1 and +400."""
    leaf_cid_len = 36 if profile.raw_leaves or profile.cid_version == 1 else 34
    threshold = profile.hamt_threshold
    per = 28 if threshold > 10_000 else 5
    for delta, label in ((-1, "below"), (0, "at"), (1, "over"), (400, "well-over")):
        names = _unique_names(_lengths(profile, threshold + delta, per, leaf_cid_len), rng)
        yield Case(f"hamt-{label}", True, {name: b"x" for name in names})
    # a folder over the threshold on its files alone, holding folders, inside a basic one
    entries: dict[str, Any] = {"big": None, "readme": b"hello", "small": None, "small/a": b"a"}
    for name in _unique_names(_lengths(profile, threshold + 50, per, leaf_cid_len), rng):
        entries[f"big/{name}"] = b"x"
    entries["big/zz-sub"] = None
    entries["big/zz-sub/inner"] = ("inner", 5000)
    entries["big/zz-empty"] = None
    yield Case("hamt-nested", True, entries)


def _disk_cases(rng: random.Random, profile: Profile) -> Iterator[Case]:
    for index in range(12):
        entries: dict[str, Any] = {}
        _random_tree(rng, profile, "", 0, entries, [1])
        entries[".hidden"] = b"secret"
        entries[".git"] = None
        entries[".git/config"] = b"[core]"
        entries["visible"] = None
        entries["visible/.env"] = b"KEY=1"
        entries["visible/page.html"] = b"<p>hi</p>"
        yield Case(f"disk-{index}", True, entries, on_disk=True, hidden=index % 4 == 3)


def cases_for(profile: Profile, *, trees: int, threshold: bool, disk: bool) -> list[Case]:
    rng = random.Random(f"permapress-{profile.name}")
    cases = list(_size_cases(profile, link_boundaries=True))
    cases.append(Case("empty-root", True, {}))
    cases.append(Case("empty-folders", True, {"a": None, "a/b": None, "c": None}))
    cases.append(Case("empty-file-in-folder", True, {"e": b""}))
    cases.append(Case("sort-order", True, {n: n.encode() for n in
                  ["a", "B", "Z", "é", "e\u0301", "😀", "\uff21", "a b", "a-b", "a_b", "aa"]}))
    for index in range(trees):
        entries: dict[str, Any] = {}
        _random_tree(rng, profile, "", 0, entries, [1])
        cases.append(Case(f"tree-{index}", True, entries))
    if threshold:
        cases.extend(_threshold_cases(profile, rng))
    if disk:
        cases.extend(_disk_cases(rng, profile))
    return cases


# --- running both sides ----------------------------------------------------------------------


def _content(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    seed, size = value
    return chacha_bytes(seed, size)


def _visible(path: str, hidden: bool) -> bool:
    return hidden or not any(part.startswith(".") for part in path.split("/"))


def _ours(case: Case, profile: Profile, tmp: Path) -> CID:
    def sink(cid: CID, block: bytes) -> None:
        pass

    if not case.wrap:
        ((_, value),) = case.entries.items()
        if isinstance(value, bytes):
            return import_bytes(value, profile, sink).cid
        return import_file(ChaChaStream(*value), profile, sink).cid
    if case.on_disk:
        root = tmp / case.name
        root.mkdir()
        for path, value in case.entries.items():
            if value is None:
                (root / path).mkdir(parents=True, exist_ok=True)
            else:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_bytes(_content(value))
        return import_path(root, profile, sink, hidden=case.hidden).cid
    tree: dict[str, Any] = {}
    for path, value in case.entries.items():
        *parents, leaf = path.split("/")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.setdefault(leaf, {})
        elif isinstance(value, tuple) and value[1] > 65536:
            node[leaf] = import_file(ChaChaStream(*value), profile, sink)  # reused as is
        else:
            node[leaf] = _content(value)
    return import_tree(tree, profile, sink).cid


def _job(profile: Profile, cases: list[Case]) -> dict[str, Any]:
    def entry(path: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {"path": path}
        if isinstance(value, bytes):
            return {"path": path, "content_base64": base64.b64encode(value).decode()}
        return {"path": path, "chacha": {"seed": value[0], "size": value[1]}}

    return {
        "cidVersion": profile.cid_version,
        "rawLeaves": profile.raw_leaves,
        "chunkSize": profile.chunk_size,
        "maxChildrenPerNode": profile.max_links,
        "shardSplitThresholdBytes": profile.hamt_threshold,
        "shardSplitStrategy": "block-bytes" if profile.hamt_estimate == "block" else "links-bytes",
        "cases": [
            {
                "name": case.name,
                "wrap": case.wrap,
                "entries": [
                    entry(path, value)
                    for path, value in case.entries.items()
                    if not case.on_disk or _visible(path, case.hidden)
                ],
            }
            for case in cases
        ],
    }


def js_cids(profile: Profile, cases: list[Case]) -> list[str]:
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(_job(profile, cases)),
        capture_output=True,
        text=True,
        cwd=INTEROP,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.split()
    assert len(lines) == len(cases)
    return lines


def _compare(profile: Profile, cases: list[Case], tmp: Path) -> None:
    expected = js_cids(profile, cases)
    mismatches = [
        f"{case.name}: ours {ours} js {theirs}"
        for case, theirs in zip(cases, expected, strict=True)
        if (ours := str(_ours(case, profile, tmp))) != theirs
    ]
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", ["unixfs-v1-2025", "kubo-cid-v1", "unixfs-v0-2015"])
def test_profile_matches_js(name: str, tmp_path: Path) -> None:
    profile = PROFILES[name]
    cases = cases_for(profile, trees=180, threshold=True, disk=True)
    assert len(cases) >= 200
    _compare(profile, cases, tmp_path)


@pytest.mark.parametrize("profile", [TINY_LAYOUT, TINY_V0], ids=lambda p: p.name)
def test_deep_file_trees_match_js(profile: Profile, tmp_path: Path) -> None:
    _compare(profile, cases_for(profile, trees=40, threshold=False, disk=False), tmp_path)


@pytest.mark.parametrize("profile", [TINY_HAMT, TINY_HAMT_LINKS], ids=lambda p: p.name)
def test_small_hamts_match_js(profile: Profile, tmp_path: Path) -> None:
    rng = random.Random(f"hamt-{profile.name}")
    cases = list(_threshold_cases(profile, rng))
    for count in (20, 60, 200, 700):
        names = _unique_names([rng.randint(3, 12) for _ in range(count)], rng)
        cases.append(Case(f"flat-{count}", True, {n: n.encode() * 3 for n in names}))
    _compare(profile, cases, tmp_path)


def test_subfolder_links_count_toward_the_threshold() -> None:
    """A folder under the threshold on its files alone but over it once its two sub-folder links
    are counted is a HAMT for us, as for kubo (its estimate covers every link of the basic
    directory it would write). ipfs-unixfs-importer 17 agrees when each folder is listed as an
    entry before its contents (as its globSource does); given only file paths, it leaves the
    not yet flushed sub-folders out of its estimate and writes a basic directory. Both are pinned
    here so a change on either side shows up."""
    profile = TINY_HAMT  # 14 one-byte files: a 662-byte block; with the two sub-folders: 758
    files: dict[str, Any] = {f"f{i:02}": b"x" for i in range(14)}
    tree: dict[str, Any] = {**files, "sub0": {"a": b"a"}, "sub1": {"b": b"b"}}
    blocks: dict[CID, bytes] = {}
    assert _unixfs_type(blocks, import_tree(files, profile, blocks.__setitem__)) == DIRECTORY
    ours = import_tree(tree, profile, blocks.__setitem__)
    assert _unixfs_type(blocks, ours) == HAMT_SHARD
    basic = import_tree(tree, replace(profile, hamt_threshold=1 << 30), blocks.__setitem__)
    listed = Case("listed", True, {**files, "sub0": None, "sub0/a": b"a", "sub1": None,
                                   "sub1/b": b"b"})
    paths_only = Case("paths-only", True, {**files, "sub0/a": b"a", "sub1/b": b"b"})
    assert js_cids(profile, [listed, paths_only]) == [str(ours.cid), str(basic.cid)]


def _unixfs_type(blocks: dict[CID, bytes], node: Imported) -> int:
    return decode_data(decode_node(blocks[node.cid]).data or b"").type
