"""Tests for permapress/site/carfile.py: a bundle's "Download IPFS" file, assembled from the
blocks just built (``own=True``, links read by ``dagpb.link_cids``) or by walking the DAG, is
the same file, and reading it gives the CARv1 of the bundle."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.ipfs.car import dag_blocks, write_car
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import PROFILES
from permapress.ipfs.reader import read_file
from permapress.site.carfile import car_file, own_blocks

# small chunks and few links a node: files of several leaves and parents of several levels
SMALL = replace(PROFILES["unixfs-v1-2025"], chunk_size=4096 + 512, max_links=3)

names = st.text(
    st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=12
).filter(lambda name: name not in (".", ".."))  # at every level: no directory takes them
files = st.one_of(
    st.binary(max_size=64),
    st.integers(0, 40_000).map(lambda n: bytes(i % 251 for i in range(n))),
    st.sampled_from([b"the same bytes twice", b"x" * 5000]),  # repeated blocks: listed once
)
trees: Any = st.recursive(
    files, lambda inner: st.dictionaries(names, inner, min_size=1, max_size=4), max_leaves=10
).filter(lambda tree: isinstance(tree, dict))


@settings(max_examples=60, deadline=None)
@given(trees)
def test_own_blocks_walk_like_dag_blocks_and_the_car_file_is_the_same(tree: Any) -> None:
    built: dict[CID, bytes] = {}
    root = import_tree(tree, SMALL, built.__setitem__)
    assert list(own_blocks(root.cid, built.__getitem__)) == list(
        dag_blocks(root.cid, built.__getitem__)
    )
    walked: dict[CID, bytes] = {}
    own: dict[CID, bytes] = {}
    plain = car_file(root.cid, built.__getitem__, SMALL, walked.__setitem__)
    fast = car_file(root.cid, built.__getitem__, SMALL, own.__setitem__, own=True)
    assert fast == plain
    assert own == walked
    out = io.BytesIO()
    write_car([root.cid], dag_blocks(root.cid, built.__getitem__), out)
    store = {**built, **own}
    assert b"".join(read_file(fast.cid, store.__getitem__)) == out.getvalue()
