"""In a real browser (Debian's chromium through Playwright): a ``<meta http-equiv=refresh>`` in
stored markup cannot send a reader elsewhere from our origin, and our pages refuse framing.

A control page outside the app (same HTML, no headers of ours) shows the browser does follow
the refresh, so the checks below can fail.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import identity_cid
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import get_profile
from permapress.server.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from crafted import running  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REFRESH = b'<!doctype html><meta http-equiv="refresh" content="0;url=/landed-here"><p>stored</p>'
FRAMER = '<!doctype html><iframe id="f" src="{}"></iframe>'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield launched
        launched.close()


def _app() -> tuple[Any, dict[str, str]]:
    store = MemoryBlockstore()
    root = import_tree(
        {"index.html": b"<p>home</p>",
         "articles": {"a": {"index.html": REFRESH, "media": {"source.html": REFRESH}}}},
        get_profile("unixfs-v1-2025"), store.put,
    ).cid
    app = create_app(blocks=store, site_root=lambda: root, is_served=lambda cid: True)

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path == "/control":
            await HTMLResponse(REFRESH)(scope, receive, send)
        elif scope["type"] == "http" and path == "/plain":
            await HTMLResponse("<p>plain</p>")(scope, receive, send)
        elif scope["type"] == "http" and path.startswith("/framer"):
            target = "/plain" if path == "/framer-control" else "/"
            await HTMLResponse(FRAMER.format(target))(scope, receive, send)
        else:
            await app(scope, receive, send)

    urls = {
        "site page": "/articles/a/",
        "gateway page": f"/ipfs/{root}/articles/a/",
        "kept original": "/articles/a/media/source.html?download=false",
        "identity page": f"/ipfs/{identity_cid(REFRESH)}?filename=x.html",
    }
    return outer, urls


def _landed(browser: Any, url: str) -> bool:
    page = browser.new_page(accept_downloads=True)
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    with contextlib.suppress(Exception):  # an attachment aborts the navigation: fine
        page.goto(url)
    time.sleep(1.0)  # a refresh of 0 s would have happened by now
    page.close()
    return any(u.endswith("/landed-here") for u in seen)


def test_meta_refresh_in_stored_markup_goes_nowhere(browser: Any) -> None:
    app, urls = _app()
    with running(app) as base:
        assert _landed(browser, base + "/control"), "the browser follows a plain meta refresh"
        for what, url in urls.items():
            assert not _landed(browser, base + url), what


def test_our_pages_cannot_be_framed(browser: Any) -> None:
    app, _urls = _app()
    with running(app) as base:
        for framer, text in (("/framer-control", "plain"), ("/framer", "home")):
            page = browser.new_page()
            page.goto(base + framer)
            time.sleep(0.5)
            frame = page.frames[-1]
            shown = frame.evaluate("document.body ? document.body.innerText : ''")
            assert (text in shown) is (framer == "/framer-control"), (framer, shown[:200])
            page.close()
