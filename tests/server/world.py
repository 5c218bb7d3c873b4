"""Test data for the server tests (imported by conftest and the test modules).

Blocks come from real CARs: every CAR of the IPFS gateway-conformance fixtures (copied
into tests/vectors/gateway-conformance) is loaded into one MemoryBlockstore and all their roots
are published.
A small website is imported with the real UnixFS importer into the same store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from data_paths import GATEWAY_CONFORMANCE

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.served import ServedSet

FIXTURES = GATEWAY_CONFORMANCE

# 1.25 MiB of distinct 256 KiB chunks: streamed as a file (> 256 KiB) and as a CAR (> 1 MiB)
BIG_FILE = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(40960))
SITE_TREE: dict[str, object] = {
    "index.html": b"<!DOCTYPE html><html><body><h1>Home</h1></body></html>\n",
    "404.html": b"<!DOCTYPE html><html><body><h1>Lost?</h1></body></html>\n",
    "feed.xml": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>\n',
    "notes": b"plain words without an extension\n",
    "assets": {"site.css": b"body{color:#222}\n"},
    "articles": {
        "harbour-fire": {
            "index.html": b"<!DOCTYPE html><html><body><h1>Harbour fire</h1></body></html>\n",
            "harbour-fire.car": b"\x3a\xa2eroots not really a car",
        },
        "no-index": {"readme.txt": b"a directory without index.html\n"},
    },
    "media": {"big.bin": BIG_FILE},
}


@dataclass
class World:
    store: MemoryBlockstore
    served: ServedSet
    fixture_roots: dict[str, tuple[CID, ...]]
    site_root: CID
    unpublished: CID


def load_car(path: Path, store: MemoryBlockstore) -> tuple[CID, ...]:
    with path.open("rb") as stream:
        car = read_car(stream)
        for cid, data in car:
            store.put(cid, data)
        return car.roots


def build_world() -> World:
    store = MemoryBlockstore()
    roots: dict[str, tuple[CID, ...]] = {}
    for car in sorted(FIXTURES.rglob("*.car")):
        roots[car.relative_to(FIXTURES).as_posix()] = load_car(car, store)
    profile = get_profile("kubo-cid-v1")
    site = import_tree(SITE_TREE, profile, store.put)  # type: ignore[arg-type]
    # imported into the store but never published: must be invisible through the gateway
    draft = import_tree({"draft.html": b"<p>not yet</p>"}, profile, store.put)
    published = [cid for group in roots.values() for cid in group] + [site.cid]
    served = ServedSet(store.get, published)
    return World(store, served, roots, site.cid, draft.cid)


def fixture_root(world: World, name: str) -> CID:
    return world.fixture_roots[name][0]
