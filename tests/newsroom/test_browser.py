"""The demo newsroom in a real browser (Debian's chromium through Playwright) on a real socket.

Home page -> a category -> an article -> "Download IPFS": the CAR's root must be the CID the page
shows. The same site under /ipfs/<root>/ must keep its styling and every link. A hostile article
must run no script.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from permapress.ipfs.car import read_car
from permapress.ipfs.verify import verify_car

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser

HOSTILE = """---
title: Hostile markup test
date: 2025-09-09T10:00:00Z
categories: [Politics]
---

Plain text first.

<script>window.__pwned = 1</script>

<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onerror="window.__pwned = 2">

<iframe src="javascript:window.top.__pwned = 3"></iframe>

<svg onload="window.__pwned = 4"><circle r="4"/></svg>

[click me](javascript:window.__pwned=5) and <a href="JaVaScRiPt:window.__pwned=6">this</a>.
"""


@pytest.fixture
def server(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path, serve: Callable[[Path], Any]
) -> Iterator[tuple[str, str, Path]]:
    hostile = tmp_path / "hostile.md"
    hostile.write_text(HOSTILE, encoding="utf-8")
    assert cli("import", str(hostile), "--home", str(demo_home)).code == 0
    with serve(demo_home) as (base, root):
        yield base, root, demo_home


def test_reader_journey_and_download(
    server: tuple[str, str, Path], browser: Any, tmp_path: Path
) -> None:
    base, _root, _home = server
    page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page.goto(base + "/")
    assert page.locator("h1, .masthead").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    category = page.locator("a[href*='categories/']").first
    category_name = category.inner_text().strip()
    category.click()
    page.wait_for_load_state()
    assert "/categories/" in page.url
    assert category_name.lower() in page.content().lower()
    page.locator("a[href*='articles/']").first.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
    ipfs_link = page.locator("a[href^='ipfs://']").first.get_attribute("href")
    shown = ipfs_link.removeprefix("ipfs://")
    assert shown in page.inner_text("body")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download IPFS", exact=True).click()
    saved = tmp_path / "download.car"
    info.value.save_as(saved)
    reader = read_car(io.BytesIO(saved.read_bytes()))
    assert [str(r) for r in reader.roots] == [shown]
    report = verify_car(saved)
    assert report.ok, report.problems


def test_the_site_under_a_gateway_path(server: tuple[str, str, Path], browser: Any) -> None:
    base, root, _home = server
    page = browser.new_page(viewport={"width": 390, "height": 844})
    prefix = f"{base}/ipfs/{root}/"
    page.goto(prefix)
    styled = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "serif" in styled.lower(), styled
    assert page.evaluate("() => document.styleSheets.length") >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "gateway-home-phone.png"), full_page=True)
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    internal = sorted({h.split("#")[0] for h in hrefs if h.startswith(base)})
    assert internal
    for url in internal:
        assert url.startswith(prefix), f"{url} leaves the gateway path"
        response = page.request.get(url)
        assert response.status == 200, url
    page.locator("a[href*='articles/']").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(prefix + "articles/")
    car_href = page.get_by_role("link", name="Download IPFS", exact=True).get_attribute("href")
    response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + car_href)
    assert response.status == 200 and response.body()[:1] != b"<"


def test_a_hostile_article_runs_no_script(server: tuple[str, str, Path], browser: Any) -> None:
    base, _root, _home = server
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/articles/hostile-markup-test/index.html")
    assert "Plain text first." in page.inner_text("body")
    for link in page.locator("article a").all():
        href = link.get_attribute("href") or ""
        if not re.match(r"^(https?:|mailto:|ipfs:|[^:]*$)", href):
            pytest.fail(f"unsafe link survived: {href}")
    links = page.locator("article a:has-text('click me'), article a:has-text('this')").all()
    for link in links:
        link.click(no_wait_after=True)
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    assert page.locator("script:not([type='application/ld+json'])").count() == 0
    assert page.locator("iframe, svg[onload]").count() == 0
