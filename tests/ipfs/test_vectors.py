"""Every IPIP-499 vector in tests/vectors/ipip-0499/vectors.json, through our importer.

The text input comes from the vector folder; the ChaCha20 inputs it names
(``inputs/<seed>_<size>.bin``) and the large files are streamed from the ChaCha20 recipe
and the HAMT-threshold directories use kubo's deterministic file names (see vectors_util).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from data_paths import IPIP_499

from permapress.ipfs.cid import CID, DAG_PB, identity_cid
from permapress.ipfs.importer import Imported, import_bytes, import_file, import_tree
from permapress.ipfs.profiles import PROFILES, Profile

sys.path.insert(0, str(Path(__file__).parent))  # the suite runs with --import-mode=importlib
from vectors_util import ChaChaStream, deterministic_filenames  # noqa: E402

VECTORS = IPIP_499
MIB = 1 << 20
KIB256 = 256 * 1024

# Inputs that vectors.json describes only in prose, keyed by the expected CID.
GENERATED: dict[str, tuple[Any, ...]] = {
    "QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2": ("file", 174 * KIB256, "v0-seed"),
    "QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW": ("file", 174 * KIB256 + 1, "v0-seed"),
    "bafybeihmf37wcuvtx4hpu7he5zl5qaf2ineo2lqlfrapokkm5zzw7zyhvm": (
        "file", 1024 * MIB, "v1-2025-seed"),
    "bafybeibdsi225ugbkmpbdohnxioyab6jsqrmkts3twhpvfnzp77xtzpyhe": (
        "file", 1024 * MIB + 1, "v1-2025-seed"),
    "QmX5GtRk3TSSEHtdrykgqm4eqMEn3n2XhfkFAis5fjyZmN": ("dir", 4096, 30, 30, "hamt-unixfs-v0-2015"),
    "QmeMiJzmhpJAUgynAcxTQYek5PPKgdv3qEvFsdV3XpVnvP": ("dir", 4033, 31, 31, "hamt-unixfs-v0-2015"),
    "bafybeic3h7rwruealwxkacabdy45jivq2crwz6bufb5ljwupn36gicplx4": (
        "dir", 4766, 11, 21, "hamt-unixfs-v1-2025"),
    "bafybeiegvuterwurhdtkikfhbxcldohmxp566vpjdofhzmnhv6o4freidu": (
        "dir", 4766, 11, 22, "hamt-unixfs-v1-2025"),
}


def _params() -> list[Any]:
    params = []
    for vector in json.loads((VECTORS / "vectors.json").read_text())["vectors"]:
        marks: list[Any] = []
        if vector["profile"] == "layout":
            marks.append(pytest.mark.skip(reason="no input upstream"))
        expected = vector["expected"]
        recipe = GENERATED.get(expected) if isinstance(expected, str) else None
        if recipe and recipe[0] == "file" and recipe[1] > 256 * MIB:
            marks.append(pytest.mark.slow)
        name = f"{vector['profile']}: {vector['case']}"
        params.append(pytest.param(vector, marks=marks, id=name))
    return params


class Counter:
    """A sink that keeps only what the test checks: block count, bytes and the last CID."""

    def __init__(self) -> None:
        self.blocks = 0
        self.bytes = 0
        self.last: CID | None = None

    def __call__(self, cid: CID, block: bytes) -> None:
        self.blocks += 1
        self.bytes += len(block)
        self.last = cid


def _import_profile_vector(vector: dict[str, Any], profile: Profile) -> tuple[Imported, Counter]:
    sink = Counter()
    if (vector.get("input") or "").endswith(".bin"):  # ChaCha20 bytes: seed, size in the name
        seed, size = Path(vector["input"]).stem.rsplit("_", 1)
        return import_file(ChaChaStream(seed, int(size)), profile, sink), sink
    if vector.get("input"):
        with open(VECTORS / vector["input"], "rb") as handle:
            return import_file(handle, profile, sink), sink
    recipe = GENERATED[vector["expected"]]
    if recipe[0] == "file":
        _, size, seed = recipe
        result = import_file(ChaChaStream(seed, size), profile, sink)
        assert result.size == size
        return result, sink
    _, count, length, last_length, seed = recipe
    names = deterministic_filenames(count, length, last_length, seed)
    assert len(set(names)) == count
    return import_tree(dict.fromkeys(names, b"x"), profile, sink), sink


def _custom(cid_version: int, raw_leaves: bool) -> Profile:
    base = PROFILES["unixfs-v1-2025"]
    return Profile("custom", cid_version, base.chunk_size, raw_leaves, 1024, 262144, "block")


def _check_any(vector: dict[str, Any]) -> None:
    expected: dict[str, str] = vector["expected"]
    case = vector["case"]
    for form, cid_text in expected.items():
        version = 0 if form == "v0" else 1
        blocks: dict[CID, bytes] = {}
        if case == "empty directory":
            result = import_tree({}, _custom(version, False), blocks.__setitem__)
        elif case == "empty dag-pb file":
            result = import_bytes(b"", _custom(version, False), blocks.__setitem__)
        elif case == "empty raw block":
            result = import_bytes(b"", _custom(1, True), blocks.__setitem__)
        else:
            pytest.fail(f"no recipe for the 'any' vector {case!r}")
        if form == "inlined":
            assert str(identity_cid(blocks[result.cid], result.cid.codec)) == cid_text
        else:
            assert str(result.cid) == cid_text
            assert result.tsize == len(blocks[result.cid])


@pytest.mark.parametrize("vector", _params())
def test_vector(vector: dict[str, Any]) -> None:
    if vector["profile"] == "any":
        _check_any(vector)
        return
    profile = PROFILES[vector["profile"]]
    result, sink = _import_profile_vector(vector, profile)
    assert str(result.cid) == vector["expected"]
    assert sink.last == result.cid  # the root is the last block handed out
    assert result.tsize == sink.bytes  # every block once, so Tsize is the sum of all blocks
    if result.cid.codec == DAG_PB:
        assert result.cid.version == profile.cid_version
