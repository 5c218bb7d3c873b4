"""Incomplete or damaged data: answers stay honest (404, cut-off streams, 500 with a reason)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import car_header
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from crafted import read_all, running  # noqa: E402
from world import World, fixture_root  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PROFILE = get_profile("kubo-cid-v1")
MISSING = "trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"


def test_a_car_with_a_missing_child_block_is_cut_off(client, world: World) -> None:
    root = fixture_root(world, MISSING)
    app = create_app(blocks=world.store, site_root=lambda: None, is_served=world.served.is_served)
    with running(app) as base:
        status, _headers, body, complete = read_all(f"{base}/ipfs/{root}?format=car")
    assert status == 200 and not complete, "the transfer breaks instead of ending cleanly"
    assert car_header([root]).startswith(body) or body.startswith(car_header([root]))
    whole_file = client.get(f"/ipfs/{root}")
    assert whole_file.status_code == 404
    assert "QmSNLTo6Wv9dfroVaw7MFYjLqf9ho7PKrgsjdzYDtv8h1W" in whole_file.text


def test_a_missing_block_on_a_path_is_not_remembered() -> None:
    kept = MemoryBlockstore()
    sink: dict[CID, bytes] = {}
    tree = import_tree({"a": {"b": {"page.html": b"<p>late</p>"}}}, PROFILE,
                       lambda cid, data: sink.__setitem__(cid, data))
    late = next(cid for cid, data in sink.items() if b"page.html" in data)
    for cid, data in sink.items():
        if cid != late:
            kept.put(cid, data)
    app = create_app(blocks=kept, site_root=lambda: tree.cid, is_served=lambda cid: True)
    with TestClient(app) as client:
        url = f"/ipfs/{tree.cid}/a/b/page.html"
        first = client.get(url)
        assert first.status_code == 404
        assert "cannot be followed" in first.text
        assert client.get("/a/b/page.html").status_code == 404
        kept.put(late, sink[late])
        assert client.get(url).content == b"<p>late</p>"
        assert client.get("/a/b/page.html").content == b"<p>late</p>"


def test_a_damaged_block_gives_a_reason_not_a_crash() -> None:
    store = MemoryBlockstore()
    tree = import_tree({"index.html": b"<p>ok</p>", "bad": {"x.txt": b"x"}}, PROFILE, store.put)
    sink: dict[CID, bytes] = {}
    import_tree({"x.txt": b"x"}, PROFILE, lambda c, d: sink.__setitem__(c, d))
    bad_cid = next(c for c, d in sink.items() if b"x.txt" in d)
    store.delete(bad_cid)  # the "bad" directory block is replaced by garbage
    store.put(bad_cid, b"\xff\xff not dag-pb")
    app = create_app(blocks=store, site_root=lambda: tree.cid, is_served=lambda cid: True)
    with TestClient(app) as client:
        response = client.get(f"/ipfs/{tree.cid}/bad/x.txt")
        assert response.status_code == 404
        assert "bad/x.txt" in response.text
        raw = client.get(f"/ipfs/{bad_cid}?format=raw")
        assert raw.status_code == 200 and raw.content.startswith(b"\xff\xff")
        listing = client.get(f"/ipfs/{bad_cid}/")
        assert listing.status_code == 404
        assert client.get("/").content == b"<p>ok</p>"
        site = client.get("/bad/x.txt")
        assert site.status_code == 404
