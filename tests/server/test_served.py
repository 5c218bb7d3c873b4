"""ServedSet: what the gateway may serve is what is reachable from the published roots."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import CID, DAG_PB, identity_cid
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.served import ServedSet, self_contained

sys.path.insert(0, str(Path(__file__).parent))
from crafted import directory, hashed, inline_directory  # noqa: E402
from world import FIXTURES, load_car  # noqa: E402

PROFILE = get_profile("unixfs-v1-2025")


class CountingStore(MemoryBlockstore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[CID] = Counter()

    def get(self, cid: CID) -> bytes:
        self.reads[cid] += 1
        return super().get(cid)


def test_every_block_of_a_published_dag_is_served_and_nothing_else() -> None:
    store = CountingStore()
    site = import_tree({"a.html": b"a", "sub": {"b.html": b"b" * 10}}, PROFILE, store.put)
    draft = import_tree({"draft.html": b"secret"}, PROFILE, store.put)
    served = ServedSet(store.get, [site.cid])
    assert len(served) == 4
    unpublished = {draft.cid.multihash, CID.hash(b"secret").multihash}
    for cid in store:
        assert served.is_served(cid) is (cid.multihash not in unpublished)
    assert not served.is_served(draft.cid)
    assert not served.is_served(CID.hash(b"secret"))
    assert served.is_served(site.cid.to_v1()) and site.cid in served
    assert not served.is_served(identity_cid(b"anything inline")), "published only by a link"
    assert self_contained(identity_cid(b"anything inline"))
    assert not served.is_served(CID(1, 0x70, CID.hash(b"b" * 10).multihash)), "codec counts"
    assert "not a cid" not in served
    assert served.roots == (site.cid,)


def test_replace_and_add_and_blocks_are_read_once() -> None:
    store = CountingStore()
    first = import_tree({"index.html": b"one", "shared": {"x": b"x"}}, PROFILE, store.put)
    shared = import_tree({"x": b"x"}, PROFILE, store.put)
    second = import_tree({"index.html": b"two", "shared": shared}, PROFILE, store.put)
    served = ServedSet(store.get, [first.cid])
    assert served.is_served(CID.hash(b"one"))
    served.replace([second.cid])
    assert served.is_served(CID.hash(b"two"))
    assert not served.is_served(CID.hash(b"one")), "a replaced build is no longer served"
    assert served.is_served(shared.cid)
    assert max(store.reads.values()) == 1, "links of known blocks are remembered"
    served.add(first.cid)
    assert served.is_served(CID.hash(b"one")) and served.is_served(CID.hash(b"two"))
    served.add(first.cid)
    assert served.roots == (second.cid, first.cid)
    served.replace([])
    assert len(served) == 0 and not served.is_served(second.cid)


def test_missing_and_undecodable_blocks_do_not_stop_the_walk() -> None:
    store = MemoryBlockstore()
    missing_car = FIXTURES / "trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"
    (root,) = load_car(missing_car, store)
    garbage = CID(1, 0x70, CID.hash(b"not dag-pb").multihash)
    store.put(garbage, b"not dag-pb")
    served = ServedSet(store.get, [root, garbage])
    absent = CID.parse("QmSNLTo6Wv9dfroVaw7MFYjLqf9ho7PKrgsjdzYDtv8h1W")
    assert not store.has(absent)
    assert served.is_served(root) and served.is_served(absent) and served.is_served(garbage)
    assert len(served) == 5


def test_links_in_dag_cbor_and_dag_json_are_followed() -> None:
    store = MemoryBlockstore()
    roots: list[CID] = []
    for name in ("dag-json-traversal.car", "dag-cbor-traversal.car"):
        roots += load_car(FIXTURES / "path_gateway_dag" / name, store)
    served = ServedSet(store.get, roots)
    assert len(served) == 6
    assert all(served.is_served(cid) for cid in store)


def test_identity_cids_are_served_only_when_published_or_self_contained() -> None:
    store = MemoryBlockstore()
    draft = import_tree({"draft.html": b"secret"}, PROFILE, store.put)
    site = import_tree({"a.html": b"a"}, PROFILE, store.put)
    served = ServedSet(store.get, [site.cid])
    # a self-made identity directory: its bytes are in the CID, what it links to is not
    sneaky = inline_directory([("x", draft.cid)])
    nested = inline_directory([("y", sneaky)])
    harmless = inline_directory([("t", identity_cid(b"tiny"))])
    assert not self_contained(sneaky) and not self_contained(nested)
    assert self_contained(harmless) and self_contained(identity_cid(b""))
    assert not self_contained(site.cid), "a hashed CID is never self-contained"
    assert not self_contained(identity_cid(b"\xff not dag-pb", DAG_PB)), "unreadable links"
    for cid in (sneaky, nested, draft.cid, harmless):
        assert not served.is_served(cid)
    # linked from a published DAG, the identity directory and what it links to are published
    linked = hashed(store, directory([("a.html", CID.hash(b"a")), ("zz", nested)]))
    served.replace([linked])
    assert served.is_served(nested) and served.is_served(sneaky)
    assert served.is_served(draft.cid)


class GatedStore(CountingStore):
    """A store whose reads wait for ``gate``: the walk can be held in the middle."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.gate = threading.Event()
        self.reading = threading.Event()

    def get(self, cid: CID) -> bytes:
        self.reading.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().get(cid)


def test_a_background_walk_answers_exactly_while_it_runs() -> None:
    import threading

    store = GatedStore()
    site = import_tree({"a.html": b"a" * 300, "sub": {"b.html": b"published"}}, PROFILE,
                       store.put)  # fmt: skip
    draft = import_tree({"draft.html": b"secret"}, PROFILE, store.put)
    served = ServedSet(store.get, [site.cid], background=True)
    assert store.reading.wait(30)
    assert served.walking
    # reached already (the root): answered at once, while the walk is held
    assert served.is_served(site.cid)
    # not reached yet: the answer waits for the whole walk, then is exact
    answers: dict[str, bool] = {}

    def ask(name: str, cid: CID) -> None:
        answers[name] = served.is_served(cid)

    askers = [threading.Thread(target=ask, args=("published", CID.hash(b"published"))),
              threading.Thread(target=ask, args=("draft", draft.cid)),
              threading.Thread(target=ask, args=("secret", CID.hash(b"secret")))]  # fmt: skip
    for thread in askers:
        thread.start()
    assert served.walking and not answers, "nobody is answered before the walk can tell"
    store.gate.set()
    for thread in askers:
        thread.join(30)
    assert answers == {"published": True, "draft": False, "secret": False}
    assert not served.walking and served.wait(0)
    assert len(served) == 4


def test_raw_leaves_are_never_read_by_the_walk() -> None:
    store = CountingStore()
    site = import_tree({"a.html": b"a", "sub": {"b.html": b"b", "c.html": b"c"}}, PROFILE,
                       store.put)  # fmt: skip
    served = ServedSet(store.get, [site.cid])
    assert served.is_served(CID.hash(b"c"))
    assert set(store.reads) == {site.cid, *(c for c in store if c.codec == DAG_PB)}
    assert all(cid.codec == DAG_PB for cid in store.reads)
