"""Resolving through directories and HAMT shards decoded once (``resolve.Nodes``): the same
answers and the same errors as the reader, and a shard is not read again for the next path."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from permapress.errors import GatewayError
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.resolve import Nodes, resolve

sys.path.insert(0, str(Path(__file__).parent))
from test_served import CountingStore  # noqa: E402

# a small threshold, so a few hundred names make a HAMT with sub-shards
PROFILE = dataclasses.replace(get_profile("unixfs-v1-2025"), hamt_threshold=2000)
NAMES = [f"story-{n}" for n in range(600)]


def _site(store: CountingStore) -> CID:
    articles = {name: {"index.html": f"<p>{name}</p>".encode()} for name in NAMES}
    return import_tree({"articles": articles, "index.html": b"home"}, PROFILE, store.put).cid


def test_the_same_answers_and_errors_as_without_the_cache() -> None:
    store = CountingStore()
    root = _site(store)
    nodes = Nodes()
    assert resolve(root, ("articles",), store.get).kind == "hamt"
    paths: list[tuple[str, ...]] = [("articles", name, "index.html") for name in NAMES[:50]]
    paths += [("articles", "nobody"), ("articles", "story-1", "missing"), ("index.html", "x"),
              ("articles", "story-2", "index.html", "x"), ("articles", "story-30")]  # fmt: skip
    for path in paths:
        try:
            expected: object = resolve(root, path, store.get)
        except GatewayError as exc:
            expected = (exc.status, exc.message)
        try:
            got: object = resolve(root, path, store.get, nodes)
        except GatewayError as exc:
            got = (exc.status, exc.message)
        assert got == expected, path


def test_a_shard_is_read_once_for_many_paths() -> None:
    store = CountingStore()
    root = _site(store)
    nodes = Nodes()
    for name in NAMES:
        resolve(root, ("articles", name, "index.html"), store.get, nodes)
    shards = [cid for cid, count in store.reads.items() if count > 1]
    assert shards == [], "every directory and shard was decoded once and kept"
    store.reads.clear()
    for name in NAMES[:5]:
        resolve(root, ("articles", name, "index.html"), store.get)
    assert max(store.reads.values()) == 5, "without the cache the shards are read every time"


@pytest.mark.parametrize("max_items", [1, 2])
def test_a_small_cache_still_answers(max_items: int) -> None:
    store = CountingStore()
    root = _site(store)
    nodes = Nodes(max_items=max_items)
    for name in NAMES[::37]:
        assert resolve(root, ("articles", name, "index.html"), store.get, nodes).kind == "raw"
