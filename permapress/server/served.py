"""Which content the gateway may serve: every block reachable from the published roots.

    served = ServedSet(get, roots=(), background=False)
                                         walk the DAGs under ``roots`` (``get`` reads a block);
                                         with ``background`` the walk runs in a thread and the
                                         set answers at once (see "Starting" below)
    served.is_served(cid) -> bool        is this block inside a published DAG?
    served.start(roots)                  the same walk as ``background`` (for an empty set)
    served.walking -> bool               is the first walk (``background``) still running?
    served.wait(timeout=None) -> bool    wait for it; False when the timeout passed first
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
links of blocks that are no longer reachable are forgotten at each ``replace``. Blocks whose
codec cannot link (raw leaves, most of a site) are never read: their CID says they have no links.

Starting (``background=True``): a 10,000-article site has some 170,000 blocks and the walk takes
tens of seconds, so a server walks in a thread and answers meanwhile. ``is_served`` is exact
during the walk: a block the walk has reached is served (it is reachable from a published root);
for any other block the caller waits until the walk has finished and gets the final answer, so
an unpublished block is never served and a published one never refused. The website (``/``)
needs no membership test at all, so pages are served from the first moment. The walk pauses
for a millisecond after every few blocks it reads, so requests are not slowed much meanwhile.

``replace`` and ``add`` build the new set aside and swap it in with one assignment, so requests
served meanwhile see either the old or the new set, never a half-built one. Concurrent
``replace``/``add`` calls are serialised by a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from permapress.errors import IpfsError
from permapress.ipfs.blockstore import identity_data
from permapress.ipfs.car import block_links
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_JSON, DAG_PB, RAW
from permapress.server import ipld

Getter = Callable[[CID], bytes]
Key = tuple[int, bytes]
_LINKING = frozenset({DAG_PB, DAG_CBOR, DAG_JSON})  # the codecs whose blocks may hold links
# A background walk pauses this long after every so many blocks read, so the thread answering
# requests is not kept waiting for the interpreter while a large site is walked.
_YIELD_EVERY = 8
_YIELD_SECONDS = 0.001


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
    def __init__(self, get: Getter, roots: Iterable[CID] = (), *, background: bool = False) -> None:
        self._get = get
        self._lock = threading.Lock()
        self._links: dict[CID, tuple[CID, ...]] = {}
        self._served: frozenset[Key] = frozenset()
        self._roots: tuple[CID, ...] = ()
        # the first walk, while it runs in a thread: the keys reached so far
        self._partial: set[Key] | None = None
        self._done = threading.Event()
        self._done.set()
        if background:
            self.start(roots)
        else:
            self.replace(roots)

    @property
    def roots(self) -> tuple[CID, ...]:
        return self._roots

    def is_served(self, cid: CID) -> bool:
        key = (cid.codec, cid.multihash)
        if key in self._served:
            return True
        partial = self._partial
        if partial is None:
            return False
        if key in partial:
            return True
        self._done.wait()  # not reached yet: only the whole walk can say it is not published
        return key in self._served

    @property
    def walking(self) -> bool:
        return not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def start(self, roots: Iterable[CID]) -> None:
        """Serve exactly the DAGs under ``roots``, walked in a thread; ``is_served`` answers
        exactly meanwhile (see "Starting" above). For a set that has not walked before."""
        roots = tuple(dict.fromkeys(roots))
        self._partial = set()
        self._done.clear()
        self._roots = roots
        threading.Thread(target=self._first_walk, args=(roots,), name="served-walk",
                         daemon=True).start()  # fmt: skip

    def _first_walk(self, roots: tuple[CID, ...]) -> None:
        try:
            with self._lock:
                reached = self._walk(roots, self._partial if self._partial is not None else set())
                self._served = frozenset(map(_key, reached))
        finally:
            # nothing reached is served if the walk failed: refusing is the safe side
            self._partial = None
            self._done.set()

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

    def _walk(self, roots: tuple[CID, ...], keys: set[Key] | None = None) -> set[CID]:
        """Every CID reachable from ``roots``; each one's key also goes into ``keys`` as it is
        reached (the first walk's partial set)."""
        reached: set[CID] = set()
        stack = list(roots)
        reads = 0
        while stack:
            cid = stack.pop()
            if cid in reached:
                continue
            reached.add(cid)
            if keys is not None:
                keys.add((cid.codec, cid.multihash))
            if cid.codec not in _LINKING:
                continue  # a raw leaf: no links, nothing to read or remember
            children = self._links.get(cid)
            if children is None:
                children = self._read_links(cid)
                reads += 1
                if keys is not None and reads % _YIELD_EVERY == 0:
                    time.sleep(_YIELD_SECONDS)  # the serving thread gets the interpreter
                if children is None:
                    continue
                self._links[cid] = children
            stack.extend(children)
        return reached

    def _read_links(self, cid: CID) -> tuple[CID, ...] | None:
        """The links of a block, or None when it is absent or undecodable (not remembered)."""
        if cid.codec not in _LINKING:
            return ()  # a raw leaf (or a codec without links): nothing to read
        try:
            data = identity_data(cid)
            if data is None:
                data = self._get(cid)
            if cid.codec == DAG_JSON:
                return tuple(ipld.links(cid, data))
            return tuple(block_links(cid, data))
        except IpfsError:
            return None
