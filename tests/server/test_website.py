"""The website at ``/``: the newest site root's files, directories, 404 page and headers."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from world import BIG_FILE, SITE_TREE, World  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def file_cid(world: World, root: CID, *names: str) -> CID:
    cid = root
    for name in names:
        node = decode_node(world.store.get(cid))
        cid = next(link.cid for link in node.links if link.name == name)
    return cid


@pytest.mark.parametrize(
    ("path", "names", "content_type"),
    [
        ("/", ("index.html",), "text/html; charset=utf-8"),
        ("/index.html", ("index.html",), "text/html; charset=utf-8"),
        ("/articles/harbour-fire/", ("articles", "harbour-fire", "index.html"),
         "text/html; charset=utf-8"),
        ("/assets/site.css", ("assets", "site.css"), "text/css; charset=utf-8"),
        ("/feed.xml", ("feed.xml",), "application/xml; charset=utf-8"),
        ("/notes", ("notes",), "text/plain; charset=utf-8"),
        ("/articles/harbour-fire/harbour-fire.car", ("articles", "harbour-fire",
                                                     "harbour-fire.car"),
         "application/vnd.ipld.car"),
    ],
)
def test_site_files(client, world: World, path: str, names: tuple[str, ...],
                    content_type: str) -> None:
    expected: object = SITE_TREE
    for name in names:
        expected = expected[name]  # type: ignore[index]
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == expected
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["etag"] == f'"{file_cid(world, world.site_root, *names)}"'
    assert response.headers["x-ipfs-path"].startswith(f"/ipfs/{world.site_root}/")


def test_directory_without_slash_redirects(client) -> None:
    response = client.get("/articles/harbour-fire?ref=feed", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/articles/harbour-fire/?ref=feed"


@pytest.mark.parametrize("path", ["/nope", "/articles/missing/", "/articles/no-index/",
                                  "/notes/inside", "/%ff"])
def test_unknown_paths_get_the_site_404_page(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.content == SITE_TREE["404.html"]
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_conditional_and_head_requests(client) -> None:
    first = client.get("/")
    again = client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


def test_ranges_on_a_large_site_file(client) -> None:
    response = client.get("/media/big.bin", headers={"Range": "bytes=-10"})
    assert response.status_code == 206
    assert response.content == BIG_FILE[-10:]
    whole = client.get("/media/big.bin")
    assert whole.content == BIG_FILE


def _client(world: World, holder: list[CID | None]) -> TestClient:
    app = create_app(blocks=world.store, site_root=lambda: holder[0],
                     is_served=world.served.is_served, site_name="Harbour <Times>")
    return TestClient(app)


def test_no_site_yet_says_how_to_build_one(world: World) -> None:
    with _client(world, [None]) as client:
        response = client.get("/")
        assert response.status_code == 503
        assert "permapress build" in response.text
        assert "Harbour &lt;Times&gt;" in response.text
        assert response.headers["cache-control"] == "no-store"
        assert client.get("/articles/x/").status_code == 503
        assert client.get("/ipfs/bafkqaaa").status_code == 200


def test_a_new_build_is_served_at_once(world: World) -> None:
    profile = get_profile("kubo-cid-v1")
    second = import_tree({"index.html": b"<p>second edition</p>", "café.html": b"<p>menu</p>"},
                         profile, world.store.put)
    holder: list[CID | None] = [world.site_root]
    with _client(world, holder) as client:
        assert client.get("/").content == SITE_TREE["index.html"]
        holder[0] = second.cid
        assert client.get("/").content == b"<p>second edition</p>"
        assert client.get("/caf%C3%A9.html").content == b"<p>menu</p>"
        missing = client.get("/feed.xml")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "text/plain; charset=utf-8"
        assert "/feed.xml is not on this site" in missing.text
