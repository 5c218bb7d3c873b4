"""The server's own HTML: listings and previews escape everything taken from content."""

from __future__ import annotations

import re
import warnings

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app
from permapress.server.pages import block_preview, directory_listing, no_site

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EVIL = '<script>alert("x")<\\script>&"\'.txt'


def test_listing_escapes_names_and_encodes_links() -> None:
    cid = CID.hash(b"x")
    page = directory_listing("bafyroot", ["a dir", "<b>"], [(EVIL, cid, 1536)]).decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;\\script&gt;&amp;&quot;&#x27;.txt" in page
    assert '/ipfs/bafyroot/a%20dir/%3Cb%3E/%3Cscript%3Ealert%28%22x%22%29' in page
    assert "1.5 KiB" in page
    assert '<a href="/ipfs/bafyroot/a%20dir/%3Cb%3E/..">..</a>' in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith("/ipfs/") for h in hrefs)


def test_preview_and_no_site_pages() -> None:
    preview = block_preview("bafyx", "dag-cbor", 42).decode()
    assert "42 bytes" in preview and "?format=dag-cbor" in preview and "</html>" in preview
    assert "&lt;i&gt;" in no_site("<i>News</i>").decode()


def test_a_hostile_file_name_cannot_inject_markup_through_the_gateway() -> None:
    store = MemoryBlockstore()
    tree = import_tree({"dir": {EVIL: b"x", "ok.txt": b"fine"}}, get_profile("kubo-cid-v1"),
                       store.put)
    app = create_app(blocks=store, site_root=lambda: None, is_served=lambda cid: True)
    with TestClient(app) as client:
        response = client.get(f"/ipfs/{tree.cid}/dir/")
        assert response.status_code == 200
        assert "<script>" not in response.text
        assert "&lt;script&gt;" in response.text
        link = re.search(r'href="(/ipfs/[^"]*%3Cscript[^"]*)"', response.text)
        assert link is not None
        followed = client.get(link.group(1).replace("&amp;", "&"))
        assert followed.status_code == 200 and followed.content == b"x"
        assert followed.headers["content-type"] == "text/plain; charset=utf-8"


def test_a_deep_path_shows_its_ends_so_the_listing_grows_with_the_path_not_its_square() -> None:
    cid = CID.hash(b"x")
    shallow = directory_listing("bafyroot", ["d"] * 16, [("f", cid, 1)]).decode()
    assert shallow.count('href="/ipfs/bafyroot/d') == 16 + 1 + 1 + 1  # crumbs, "..", f, CAR
    assert "\u2026" not in shallow
    deep_segments = ["d"] * 2000
    deep = directory_listing("bafyroot", deep_segments, [("f", cid, 1)]).decode()
    path = "/ipfs/bafyroot" + "/d" * 2000
    # 8 first crumbs, "…", 8 last crumbs (the last is the folder itself)
    assert deep.count('<a href="/ipfs/bafyroot/d') == 8 + 8 + 3
    assert "\u2026" in deep and f'<a href="{path}">d</a>' in deep
    assert f'<a href="{path}/f">f</a>' in deep and f'href="{path}/..">..</a>' in deep
    assert len(deep) < 20 * len(path)  # before: one full-path link per level, 4 MB here
