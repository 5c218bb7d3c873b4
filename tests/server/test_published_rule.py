"""Property: whatever DAG an attacker writes into an identity CID, and whatever path and format
they ask for, every block the gateway sends is inside the published DAG (or inside the URL).

Random identity directories (nested up to three deep) link to a draft, an old site root, the
published site, parts of it and other identity nodes; random requests name them with random
paths and formats. For each answer: no hidden words; a CAR holds only published blocks; a raw
block is published or bytes the URL itself carried.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, DAG_PB, RAW, identity_cid
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app
from permapress.server.served import ServedSet

sys.path.insert(0, str(Path(__file__).parent))
from crafted import directory  # noqa: E402

PROFILE = get_profile("unixfs-v1-2025")
HIDDEN = (b"HIDDEN-DRAFT", b"HIDDEN-PURGED")
STORE = MemoryBlockstore()
DRAFT = import_tree({"d.html": b"<p>HIDDEN-DRAFT</p>", "sub": {"x.txt": b"HIDDEN-DRAFT x"}},
                    PROFILE, STORE.put).cid
OLD = import_tree({"index.html": b"<p>old</p>", "gone.html": b"HIDDEN-PURGED words"},
                  PROFILE, STORE.put).cid
SITE = import_tree({"index.html": b"<p>today</p>", "a": {"p.html": b"<p>public</p>"}},
                   PROFILE, STORE.put).cid
SERVED = ServedSet(STORE.get, [SITE])
APP = create_app(blocks=STORE, site_root=lambda: SITE, is_served=SERVED.is_served)
NAMES = ["d.html", "sub", "x.txt", "gone.html", "index.html", "a", "p.html", "n", "m"]

targets = st.sampled_from([DRAFT, OLD, SITE, CID.hash(b"<p>public</p>", RAW),
                           identity_cid(b"tiny"), identity_cid(b"<h1>fake</h1>")])


def _inline(children: list[tuple[str, CID]]) -> CID:
    return identity_cid(directory(children), DAG_PB)


nodes = st.recursive(
    targets,
    lambda inner: st.lists(st.tuples(st.sampled_from(NAMES), inner), min_size=1, max_size=2)
    .map(_inline),
    max_leaves=4,
)
paths = st.lists(st.sampled_from([*NAMES, "..", "."]), max_size=4).map("/".join)
queries = st.sampled_from(["", "?format=raw", "?format=car", "?format=car&car-dups=y",
                           "?format=car&dag-scope=entity", "?format=dag-json",
                           "?filename=x.html", "?format=car&entity-bytes=0:*"])


def _published(cid: CID) -> bool:
    return SERVED.is_served(cid)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=nodes, path=paths, query=queries)
def test_only_published_blocks_leave_the_gateway(root: CID, path: str, query: str) -> None:
    text = str(root)
    with TestClient(APP) as client:
        response = client.get(f"/ipfs/{text}/{path}{query}")
    assert response.status_code < 500
    body = response.content
    assert not any(word in body for word in HIDDEN), (text, path, query)
    if response.status_code != 200:
        return
    media_type = response.headers.get("content-type", "")
    if media_type.startswith("application/vnd.ipld.car"):
        car = read_car(io.BytesIO(body))
        for cid, _data in car:
            assert _published(cid), (text, path, query, cid)
    elif media_type == "application/vnd.ipld.raw":
        inside_the_url = body in root.multihash  # an identity node's bytes, sent in the URL
        published = any(STORE.get(cid) == body for cid in STORE if _published(cid))
        assert inside_the_url or published, (text, path, query)
