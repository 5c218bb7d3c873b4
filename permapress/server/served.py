"""Which content the gateway may serve: every block reachable from the published roots.

    served = ServedSet(get, roots=())    walk the DAGs under ``roots`` (``get`` reads a block)
    served.is_served(cid) -> bool        is this block inside a published DAG?
    served.replace(roots)                the published roots changed (new build, a purge)
    served.add(root)                     one more root (e.g. a newly published version)
    cid in served, len(served), served.roots
    self_contained(cid) -> bool          an identity CID whose whole DAG is inside the CID

Membership is by codec and multihash, so the CIDv0 and CIDv1 spellings of a published block
are both served, but the same bytes asked for under another codec are not: a published raw
block whose bytes happen to decode as dag-pb must not become a directory linking to anything
in the blockstore. Identity CIDs are members only when a published DAG links to them: their
bytes are in the CID, but a self-made identity directory may link to a draft, an old site root
or purged content, and everything below a served root is served.

``self_contained`` is the one exception the gateway makes: an identity CID that links to nothing
but other self-contained identity CIDs (``bafkqaaa``, the probe clients send) names no block of
this gateway, so answering it reveals nothing. An identity block whose links cannot be read is
not self-contained.

The walk follows links the way ``car.block_links`` reads them (dag-pb and dag-cbor; DAG-JSON
links through ``ipld.links``) and is
tolerant: a block missing from the blockstore or one that does not decode is recorded as served
(its CID is reachable, so a request for it may be answered with 404 later) but not descended
into, so one bad block never hides the rest of a site. Each block is read once per process: the
links of every block seen are remembered, so after a new build only the new blocks are read;
links of blocks that are no longer reachable are forgotten at each ``replace``.

``replace`` and ``add`` build the new set aside and swap it in with one assignment, so requests
served meanwhile see either the old or the new set, never a half-built one. Concurrent
``replace``/``add`` calls are serialised by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import lru_cache

from permapress.errors import IpfsError
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import block_links
from permapress.ipfs.cid import CID, DAG_JSON, RAW
from permapress.server import ipld

Getter = Callable[[CID], bytes]
Key = tuple[int, bytes]


def _key(cid: CID) -> Key:
    return cid.codec, cid.multihash


@lru_cache(maxsize=4096)
def self_contained(cid: CID) -> bool:
    """Is ``cid`` an identity CID whose whole DAG is inlined (see the module docstring)?"""
    stack = [cid]
    while stack:
        current = stack.pop()
        data = identity_data(current)
        if data is None:
            return False
        if current.codec == RAW:
            continue
        try:
            if current.codec == DAG_JSON:
                stack.extend(ipld.links(current, data))
            else:
                stack.extend(block_links(current, data))
        except IpfsError:
            return False
    return True


class ServedSet:
    def __init__(self, get: Getter, roots: Iterable[CID] = ()) -> None:
        self._get = get
        self._lock = threading.Lock()
        self._links: dict[CID, tuple[CID, ...]] = {}
        self._served: frozenset[Key] = frozenset()
        self._roots: tuple[CID, ...] = ()
        self.replace(roots)

    @property
    def roots(self) -> tuple[CID, ...]:
        return self._roots

    def is_served(self, cid: CID) -> bool:
        return (cid.codec, cid.multihash) in self._served

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.is_served(cid)

    def __len__(self) -> int:
        return len(self._served)

    def replace(self, roots: Iterable[CID]) -> None:
        """Serve exactly the DAGs under ``roots`` from now on."""
        new_roots = tuple(dict.fromkeys(roots))
        with self._lock:
            reached = self._walk(new_roots)
            self._links = {cid: self._links[cid] for cid in reached if cid in self._links}
            self._served = frozenset(map(_key, reached))
            self._roots = new_roots

    def add(self, root: CID) -> None:
        """Serve the DAG under ``root`` as well as what is served already."""
        with self._lock:
            if root in self._roots:
                return
            reached = self._walk((root,))
            self._served = self._served | frozenset(map(_key, reached))
            self._roots = (*self._roots, root)

    def _walk(self, roots: tuple[CID, ...]) -> set[CID]:
        reached: set[CID] = set()
        stack = list(roots)
        while stack:
            cid = stack.pop()
            if cid in reached:
                continue
            reached.add(cid)
            children = self._links.get(cid)
            if children is None:
                children = self._read_links(cid)
                if children is None:
                    continue
                self._links[cid] = children
            stack.extend(children)
        return reached

    def _read_links(self, cid: CID) -> tuple[CID, ...] | None:
        """The links of a block, or None when it is absent or undecodable (not remembered)."""
        try:
            data = identity_data(cid)
            if data is None:
                data = self._get(cid)
            if cid.codec == DAG_JSON:
                return tuple(ipld.links(cid, data))
            return tuple(block_links(cid, data))
        except IpfsError:
            return None
