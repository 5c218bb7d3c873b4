"""HAMT-sharded UnixFS directories: the hash, the bucket index, and shard building.

Contract:

- ``murmur3_x64_64(data) -> bytes``: the first 64-bit half (h1) of MurmurHash3 x64 128 with
  seed 0, as 8 big-endian bytes. This is what go-unixfs/boxo (``murmur3.New64`` + ``Sum``) and
  the JS importer (``murmur3128`` first 8 bytes, reversed) use to place names in a shard.
- ``hamt_index(name, depth, fanout=256) -> int``: the bucket of ``name`` at shard ``depth``:
  bits ``depth*b .. depth*b+b-1`` of that hash, most significant bit first, ``b = log2(fanout)``.
  ``UnsupportedError`` once the 64 hash bits are used up (only exact hash collisions get there).
- ``build_shard(entries, cid_version, fanout, sink) -> (CID, tsize)``: writes the shard tree for
  a directory; see its docstring for the block layout.

A shard node is a dag-pb node whose Data is UnixFS ``HAMT_SHARD`` with ``data`` = the occupancy
bitfield (big-endian without leading zero bytes, bit i set when bucket i is used),
``hash_type`` = 0x22 (murmur3-x64-64) and ``fanout``. Its links are sorted by bucket index; an
entry's link name is the bucket as uppercase hex (2 digits for fanout 256) followed by the entry
name, a sub-shard's link name is the hex alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from permapress.errors import UnsupportedError
from permapress.ipfs.cid import CID, DAG_PB
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import HAMT_SHARD, UnixFSData, encode_data

__all__ = ["MURMUR3_X64_64", "ShardCache", "build_shard", "hamt_index", "murmur3_x64_64"]

MURMUR3_X64_64: Final = 0x22

_M64: Final = (1 << 64) - 1
_C1: Final = 0x87C37B91114253D5
_C2: Final = 0x4CF5AD432745937F


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    k ^= k >> 33
    return k


def _mix_k1(k1: int) -> int:
    k1 = (k1 * _C1) & _M64
    k1 = _rotl(k1, 31)
    return (k1 * _C2) & _M64


def _mix_k2(k2: int) -> int:
    k2 = (k2 * _C2) & _M64
    k2 = _rotl(k2, 33)
    return (k2 * _C1) & _M64


def murmur3_x64_64(data: bytes) -> bytes:
    """h1 of MurmurHash3_x64_128(data, seed=0) as 8 big-endian bytes (the C library ``mmh3``
    computes the same far faster: see ``fast_murmur3_x64_64``; this is the reference)."""
    length = len(data)
    h1 = h2 = 0
    full = length - length % 16
    for off in range(0, full, 16):
        k1 = int.from_bytes(data[off : off + 8], "little")
        k2 = int.from_bytes(data[off + 8 : off + 16], "little")
        h1 ^= _mix_k1(k1)
        h1 = _rotl(h1, 27)
        h1 = (h1 + h2) & _M64
        h1 = (h1 * 5 + 0x52DCE729) & _M64
        h2 ^= _mix_k2(k2)
        h2 = _rotl(h2, 31)
        h2 = (h2 + h1) & _M64
        h2 = (h2 * 5 + 0x38495AB5) & _M64
    tail = data[full:]
    if len(tail) > 8:
        h2 ^= _mix_k2(int.from_bytes(tail[8:], "little"))
    if tail:
        h1 ^= _mix_k1(int.from_bytes(tail[:8], "little"))
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _M64
    return h1.to_bytes(8, "big")


def _mmh3_64(data: bytes) -> bytes:
    return int(mmh3.hash64(data, 0, True, signed=False)[0]).to_bytes(8, "big")


try:
    import mmh3
except ImportError:  # pragma: no cover - mmh3 is a dependency; the reference works without it
    fast_murmur3_x64_64 = murmur3_x64_64
else:
    fast_murmur3_x64_64 = _mmh3_64



def _fanout_bits(fanout: int) -> int:
    bits = fanout.bit_length() - 1
    if fanout < 2 or fanout != 1 << bits:
        raise UnsupportedError(f"HAMT fanout {fanout} is not a power of two")
    return bits


def _index_of(hashed: bytes, depth: int, bits: int) -> int:
    start = depth * bits
    if start + bits > 64:
        raise UnsupportedError(
            f"HAMT deeper than {64 // bits} levels (names with identical hashes)"
        )
    value = int.from_bytes(hashed, "big")
    return (value >> (64 - start - bits)) & ((1 << bits) - 1)


def hamt_index(name: str, depth: int, fanout: int = 256) -> int:
    """The bucket of ``name`` (UTF-8) in a shard at ``depth`` (0 = the root shard)."""
    hashed = fast_murmur3_x64_64(name.encode("utf-8", "surrogateescape"))
    return _index_of(hashed, depth, _fanout_bits(fanout))


# --- building --------------------------------------------------------------------------------

Sink = Callable[[CID, bytes], None]
# one directory entry: (name, CID, Tsize of the DAG under that CID)
Entry = tuple[str, CID, int]


def _shard_data(used: Sequence[int], fanout: int) -> bytes:
    bitfield = 0
    for index in used:
        bitfield |= 1 << index
    # minimal big-endian bytes (leading zero bytes dropped), as the go and js builders write it
    data = bitfield.to_bytes(max(1, (bitfield.bit_length() + 7) // 8), "big")
    return encode_data(
        UnixFSData(type=HAMT_SHARD, data=data, hash_type=MURMUR3_X64_64, fanout=fanout)
    )


@dataclass(slots=True)
class ShardCache:
    """Sub-shards made before, by a key of their entries, so that a directory that changed in
    one entry builds one sub-shard again, not all of them. ``known`` comes from an earlier
    build; ``used`` collects every sub-shard of this build (to keep for the next one); ``has``
    says whether a known sub-shard's block is still stored (else it is built again)."""

    known: Mapping[str, tuple[CID, int]]
    has: Callable[[CID], bool]
    used: dict[str, tuple[CID, int]] = field(default_factory=dict)


def _level_key(entries: list[tuple[bytes, Entry]], depth: int, bits: int, version: int) -> str:
    digest = hashlib.sha256(f"{depth}:{bits}:{version}".encode())
    for _hash, (name, cid, tsize) in sorted(entries, key=lambda item: item[1][0]):
        digest.update(f"\0{name}\0{tsize}\0".encode("utf-8", "surrogateescape") + bytes(cid))
    return digest.hexdigest()


def _build_level(
    entries: list[tuple[bytes, Entry]],
    depth: int,
    bits: int,
    cid_version: int,
    sink: Sink,
    cache: ShardCache | None = None,
) -> tuple[CID, int]:
    key = ""
    if cache is not None and depth > 0:
        key = _level_key(entries, depth, bits, cid_version)
        hit = cache.known.get(key)
        if hit is not None and cache.has(hit[0]):
            cache.used[key] = hit
            return hit
    fanout = 1 << bits
    width = len(f"{fanout - 1:X}")
    buckets: dict[int, list[tuple[bytes, Entry]]] = {}
    for item in entries:
        buckets.setdefault(_index_of(item[0], depth, bits), []).append(item)
    links: list[PBLink] = []
    total = 0
    for index in sorted(buckets):
        members = buckets[index]
        label = f"{index:0{width}X}"
        if len(members) == 1:
            name, cid, tsize = members[0][1]
            links.append(PBLink(cid, label + name, tsize))
            total += tsize
        else:
            cid, tsize = _build_level(members, depth + 1, bits, cid_version, sink, cache)
            links.append(PBLink(cid, label, tsize))
            total += tsize
    block = encode_node(PBNode(tuple(links), _shard_data(sorted(buckets), fanout)))
    cid = CID.hash(block, DAG_PB, cid_version)
    sink(cid, block)
    if cache is not None and key:
        cache.used[key] = (cid, total + len(block))
    return cid, total + len(block)


def build_shard(
    entries: Sequence[Entry],
    cid_version: int,
    fanout: int,
    sink: Sink,
    cache: ShardCache | None = None,
) -> tuple[CID, int]:
    """Write the HAMT for ``entries`` (names unique) and return (root CID, cumulative Tsize).

    Sub-shards reach the sink before the shard that links them; the root comes last.
    """
    bits = _fanout_bits(fanout)
    hashed = [
        (fast_murmur3_x64_64(entry[0].encode("utf-8", "surrogateescape")), entry)
        for entry in entries
    ]
    return _build_level(hashed, 0, bits, cid_version, sink, cache)
