"""Files the server sends never run scripts on our origin (e.g. an imported page's source.html)."""

from __future__ import annotations

from starlette.testclient import TestClient

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app

HOSTILE = (
    b"<!doctype html><p>original</p><script>document.title='pwned'</script><form action=x></form>"
)


def test_pages_run_nothing_and_kept_originals_are_attachments() -> None:
    blocks = MemoryBlockstore()
    root = import_tree(
        {"index.html": b"<p>site</p>", "articles": {"x": {"media": {"source.html": HOSTILE}}}},
        get_profile("unixfs-v1-2025"),
        blocks.put,
    ).cid
    app = create_app(blocks=blocks, site_root=lambda: root, is_served=lambda cid: True)
    with TestClient(app) as client:
        for url in ("/", f"/ipfs/{root}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            policy = response.headers["content-security-policy"]
            for directive in ("script-src 'none'", "form-action 'self'", "frame-src 'none'",
                              "object-src 'none'", "frame-ancestors 'none'", "sandbox "):
                assert directive in policy, (url, policy)
            assert "allow-scripts" not in policy
            assert "content-disposition" not in response.headers
        for url in ("/articles/x/media/source.html",
                    "/articles/x/media/source.html?download=false&filename=x.html",
                    f"/ipfs/{root}/articles/x/media/source.html"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["content-disposition"].startswith("attachment;"), url
            assert response.headers["content-security-policy"] == (
                "default-src 'none'; frame-ancestors 'none'; sandbox"
            )
            assert response.content == HOSTILE  # kept byte for byte
