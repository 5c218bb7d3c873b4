"""The verifier page and article pages run our scripts and nothing else; article CARs are readable
by the article page's badge (whose sandbox gives it an opaque origin)."""

from __future__ import annotations

import warnings
from typing import Any

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app
from permapress.site.verifier import SCRIPT_HASH

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

HOSTILE = b"<!doctype html><script>document.title='pwned'</script>"


def _rules(policy: str) -> dict[str, str]:
    return dict((rule.strip() + " ").split(" ", 1) for rule in policy.split(";"))


def test_each_page_gets_the_scripts_it_needs_and_no_more() -> None:
    blocks = MemoryBlockstore()
    tree: dict[str, Any] = {
        "index.html": b"<p>site</p>",
        "verify": {"index.html": b"<p>verifier</p>"},
        "articles": {"x": {"index.html": b"<p>article</p>", "x.car": b"car bytes",
                           "media": {"index.html": HOSTILE, "verify": {"index.html": HOSTILE}}},
                     "y": {"index.html": b'<meta HTTP-EQUIV="re&#102;resh" content="0;url=/z">'}},
    }
    root = import_tree(tree, get_profile("unixfs-v1-2025"), blocks.put).cid
    app = create_app(blocks=blocks, site_root=lambda: root, is_served=lambda cid: True)
    with TestClient(app) as client:
        for prefix in ("", f"/ipfs/{root}"):
            verifier = _rules(client.get(prefix + "/verify/").headers["content-security-policy"])
            assert verifier["script-src"].strip() == SCRIPT_HASH  # not 'self', not inline at large
            assert verifier["connect-src"].strip() == "'none'"
            assert "allow-same-origin" not in verifier["sandbox"]
            article = _rules(client.get(prefix + "/articles/x/").headers["content-security-policy"])
            assert article["script-src"].strip() == "'self'"
            assert article["connect-src"].strip() == "'self'"
            assert "allow-same-origin" not in article["sandbox"]
            # a stored refresh would work in a sandbox that allows scripts: none for that page
            refresh = _rules(client.get(prefix + "/articles/y/").headers["content-security-policy"])
            assert refresh["script-src"].strip() == "'none'"
            assert "allow-scripts" not in refresh["sandbox"]
            home = _rules(client.get(prefix + "/").headers["content-security-policy"])
            assert home["script-src"].strip() == "'none'"
            car = client.get(prefix + "/articles/x/x.car")
            assert car.content == b"car bytes"
            assert car.headers["access-control-allow-origin"] == "*"
            assert car.headers.get_list("access-control-allow-origin") == ["*"]
            for hostile in ("/articles/x/media/index.html", "/articles/x/media/verify/index.html"):
                response = client.get(prefix + hostile)
                assert response.headers["content-security-policy"] == (
                    "default-src 'none'; frame-ancestors 'none'; sandbox"
                ), hostile
                assert response.headers["content-disposition"].startswith("attachment;")
