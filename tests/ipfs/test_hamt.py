"""HAMT hashing and bucket selection; shard blocks are checked end to end in test_importer*."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.errors import UnsupportedError
from permapress.ipfs.cid import CID, DAG_PB, RAW
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.hamt import build_shard, hamt_index, murmur3_x64_64
from permapress.ipfs.unixfs import HAMT_SHARD, decode_data

INTEROP = Path(__file__).resolve().parents[1] / "interop"

# h1 of MurmurHash3_x64_128, seed 0, big-endian, as printed by @multiformats/murmur3
KNOWN = [
    ("", "0000000000000000"),
    ("a", "85555565f6597889"),
    ("hello", "cbd8a7b341bd9b02"),
    ("0123456789abcdef", "4be06d94cf4ad1a7"),
    ("0123456789abcdefXYZ", "99d375026c4a901d"),
    ("héllo wörld ✓ 📰 long name over thirty-two bytes", "5b016eba643789c8"),
]


@pytest.mark.parametrize(("text", "hex_digest"), KNOWN)
def test_murmur3_known_values(text: str, hex_digest: str) -> None:
    assert murmur3_x64_64(text.encode()).hex() == hex_digest


def test_index_takes_hash_bits_most_significant_first() -> None:
    digest = int.from_bytes(murmur3_x64_64(b"hello"), "big")
    assert [hamt_index("hello", d) for d in range(8)] == list(murmur3_x64_64(b"hello"))
    assert hamt_index("hello", 0, fanout=16) == digest >> 60
    assert hamt_index("hello", 1, fanout=16) == (digest >> 56) & 0xF
    assert hamt_index("hello", 15, fanout=16) == digest & 0xF


def test_index_beyond_the_hash_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="deeper"):
        hamt_index("hello", 8)
    with pytest.raises(UnsupportedError, match="power of two"):
        hamt_index("hello", 0, fanout=100)


def test_shard_blocks_place_every_name() -> None:
    leaf = CID.hash(b"x", RAW)
    names = [f"file-{i}" for i in range(600)]
    blocks: dict[CID, bytes] = {}
    root, tsize = build_shard([(n, leaf, 1) for n in names], 1, 256, blocks.__setitem__)
    assert list(blocks)[-1] == root
    assert tsize == sum(len(b) for b in blocks.values()) + len(names)
    found: list[str] = []

    def walk(cid: CID, depth: int) -> None:
        node = decode_node(blocks[cid])
        meta = decode_data(node.data or b"")
        assert (meta.type, meta.hash_type, meta.fanout) == (HAMT_SHARD, 0x22, 256)
        bitfield = int.from_bytes(meta.data or b"", "big")
        labels = [link.name or "" for link in node.links]
        assert labels == sorted(labels)
        assert bitfield == sum(1 << int(label[:2], 16) for label in labels)
        for link in node.links:
            name = link.name or ""
            if len(name) == 2:
                assert link.cid.codec == DAG_PB
                walk(link.cid, depth + 1)
            else:
                assert hamt_index(name[2:], depth) == int(name[:2], 16)
                found.append(name[2:])

    walk(root, 0)
    assert sorted(found) == sorted(names)


@pytest.mark.interop
@pytest.mark.skipif(
    shutil.which("node") is None or not (INTEROP / "node_modules" / "@multiformats").is_dir(),
    reason="node or tests/interop/node_modules is missing (run npm ci in tests/interop)",
)
def test_murmur3_matches_js_on_random_names() -> None:
    rng = random.Random(499)
    alphabet = "abcxyzé✓📰-_. 0123456789"
    names = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 70))) for _ in range(300)]
    script = """
import { murmur3128 } from '@multiformats/murmur3'
let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', async () => {
  for (const name of JSON.parse(input)) {
    const h = await murmur3128.encode(new TextEncoder().encode(name))
    console.log(Buffer.from(h.subarray(0, 8)).toString('hex'))
  }
})
"""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        cwd=INTEROP,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == [murmur3_x64_64(n.encode()).hex() for n in names]


def test_shard_cache_rebuilds_only_the_sub_shard_that_changed() -> None:
    from permapress.ipfs.cid import CID as _CID
    from permapress.ipfs.hamt import ShardCache, build_shard

    entries = [(f"entry-{i:05d}", _CID.hash(str(i).encode()), 10 + i) for i in range(3000)]
    first = ShardCache(known={}, has=lambda cid: True)
    root, tsize = build_shard(entries, 1, 256, lambda cid, block: None, first)
    assert len(first.used) > 100  # one per sub-shard

    changed = list(entries)
    changed[1234] = (changed[1234][0], _CID.hash(b"new"), 7)
    written: list[bytes] = []
    again = ShardCache(known=first.used, has=lambda cid: True)
    cached = build_shard(changed, 1, 256, lambda cid, block: written.append(block), again)
    plain = build_shard(changed, 1, 256, lambda cid, block: None)
    assert cached == plain != (root, tsize)
    assert len(written) <= 3  # the changed sub-shard(s) and the root, not the other shards

    missing = ShardCache(known=first.used, has=lambda cid: False)  # blocks gone: build again
    rewritten: list[bytes] = []
    assert build_shard(entries, 1, 256, lambda cid, block: rewritten.append(block), missing) == (
        root,
        tsize,
    )
    assert len(rewritten) == len(first.used) + 1


@given(st.binary(max_size=200))
def test_the_fast_murmur_is_the_reference_murmur(data: bytes) -> None:
    from permapress.ipfs.hamt import fast_murmur3_x64_64

    assert fast_murmur3_x64_64(data) == murmur3_x64_64(data)
