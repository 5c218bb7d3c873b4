"""The app behind a real uvicorn socket on 127.0.0.1, and a real IPFS client reading from it.

The interop test runs tests/interop/verified-fetch.mjs: @helia/verified-fetch (Node) fetches an
index.html inside a directory and a raw block through our gateway only, verifying every block
it receives against its CID, and prints what it got; we compare with what we stored.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, verify_block
from permapress.ipfs.dagpb import decode_node
from permapress.server.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from crafted import free_port  # noqa: E402
from world import BIG_FILE, SITE_TREE, World  # noqa: E402

INTEROP = Path(__file__).resolve().parents[1] / "interop"


@pytest.fixture(scope="module")
def base_url(world: World) -> Iterator[str]:
    app = create_app(blocks=world.store, site_root=lambda: world.site_root,
                     is_served=world.served.is_served, site_name="Socket Times")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def _child(world: World, cid: CID, *names: str) -> CID:
    for name in names:
        cid = next(link.cid for link in decode_node(world.store.get(cid)).links
                   if link.name == name)
    return cid


def test_site_and_gateway_over_a_real_socket(base_url: str, world: World) -> None:
    with httpx.Client(base_url=base_url) as client:
        home = client.get("/")
        assert home.status_code == 200 and home.content == SITE_TREE["index.html"]
        big = client.get("/media/big.bin")
        assert big.content == BIG_FILE
        assert big.headers["content-length"] == str(len(BIG_FILE))
        unicode_path = client.get(f"/ipfs/{world.site_root}/articles/harbour-fire/")
        assert unicode_path.status_code == 200
        car = client.get(f"/ipfs/{world.site_root}?format=car")
        assert car.status_code == 200
        reader = read_car(io.BytesIO(car.content))
        assert reader.roots == (world.site_root,)
        blocks = list(reader)
        assert all(verify_block(cid, data) for cid, data in blocks)
        assert {cid for cid, _ in blocks} >= {world.site_root}
        assert len(blocks) == len({cid for cid, _ in blocks})
        assert client.head("/ipfs/bafkqaaa").status_code == 200
        assert client.get(f"/ipfs/{world.unpublished}").status_code == 404


def test_a_streamed_car_larger_than_the_buffer(base_url: str, world: World) -> None:
    with httpx.Client(base_url=base_url) as client, client.stream(
        "GET", f"/ipfs/{world.site_root}/media?format=car"
    ) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not buffered
        body = b"".join(response.iter_bytes())
    blocks = list(read_car(io.BytesIO(body)))
    assert all(verify_block(cid, data) for cid, data in blocks)
    big = _child(world, world.site_root, "media", "big.bin")
    media = _child(world, world.site_root, "media")
    assert [cid for cid, _ in blocks][:3] == [world.site_root, media, big]
    assert sum(len(data) for cid, data in blocks if cid.codec == 0x55) == len(BIG_FILE)


@pytest.mark.interop
def test_verified_fetch_reads_from_our_gateway(base_url: str, world: World) -> None:
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "@helia" / "verified-fetch").exists():
        pytest.skip("node or tests/interop/node_modules is missing (run make node)")
    root = world.site_root
    page = _child(world, root, "articles", "harbour-fire", "index.html")
    raw_block = _child(world, root, "assets", "site.css")
    resources = [
        f"ipfs://{root}/articles/harbour-fire/index.html",
        f"ipfs://{raw_block}|application/vnd.ipld.raw",
        f"ipfs://{root}/media/big.bin",
    ]
    done = subprocess.run(
        [node, "verified-fetch.mjs", base_url, *resources],
        cwd=INTEROP, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["resource"] for r in results] == resources
    expected = [
        world.store.get(page),
        world.store.get(raw_block),
        BIG_FILE,
    ]
    for result, data in zip(results, expected, strict=True):
        assert result["status"] == 200
        assert result["length"] == len(data)
        assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert base64.b64decode(results[0]["base64"]) == SITE_TREE["articles"]["harbour-fire"][  # type: ignore[index]
        "index.html"]
    assert results[1]["contentType"] == "application/vnd.ipld.raw"


def test_a_car_missing_a_block_is_cut_off_on_the_wire(base_url: str, world: World) -> None:
    missing = world.fixture_roots["trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"]
    with httpx.Client(base_url=base_url) as client, pytest.raises(httpx.HTTPError):
        client.get(f"/ipfs/{missing[0]}?format=car")
    with httpx.Client(base_url=base_url) as client:  # the server is still fine
        assert client.get("/").status_code == 200
