"""Site search in a real browser (Debian's chromium through Playwright).

The demo newsroom, with an article in Chinese and one with accented words added, searched:
- at ``/`` of ``permapress serve`` from the masthead field: the server renders the results,
  with scripts on and with scripts off;
- under ``/ipfs/<root>/`` of the same server: the page's script loads the index chunks;
- from a plain static server over the ``build --out`` folder, and from that folder by file://;
- without scripts from file://: the page says search needs scripts.
The script's word forms equal ``search_words.terms`` for words in each supported language.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from permapress.site import search, search_query, search_words

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser

CHINESE = """---
title: 港口预算获得批准
date: 2025-09-20T10:00:00Z
categories: [Economy]
slug: gangkou-yusuan
---

市议会批准了新的港口预算，渔民对此表示欢迎。
"""

ACCENTED = """---
title: Café owners oppose the new façade rules
date: 2025-09-21T10:00:00Z
categories: [Culture]
slug: cafe-facade-rules
---

The owners of the Café Müller say the façade rules cost too much.
"""


@pytest.fixture
def home(demo_home: Path, cli: Callable[..., Any], tmp_path: Path) -> Path:
    for name, text in (("zh.md", CHINESE), ("accented.md", ACCENTED)):
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        assert cli("import", str(source), "--home", str(demo_home)).code == 0
    return demo_home


@pytest.fixture
def out(home: Path, cli: Callable[..., Any], tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    assert cli("build", "--home", str(home), "--out", str(folder)).code == 0
    return folder


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """A plain static web server over ``folder`` on 127.0.0.1 (no permapress involved)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(10)


def scripted_results(page: Any, url: str, query: str) -> list[str]:
    """Open the search page at ``url`` with ``query``; the headlines the script shows."""
    separator = "&" if "?" in url else "?"
    page.goto(f"{url}{separator}q={query}")
    page.wait_for_function(
        "() => document.getElementById('pp-status').hasAttribute('data-count')", timeout=15000
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#pp-results li').length > 0 || "
        "document.getElementById('pp-status').getAttribute('data-count') === '0'",
        timeout=15000,
    )
    return [h.strip() for h in page.locator("#pp-results .search__headline").all_inner_texts()]


def test_search_from_the_masthead_served_by_permapress(
    home: Path, serve: Callable[[Path], Any], browser: Any
) -> None:
    with serve(home) as (base, _root):
        for scripts in (True, False):
            context = browser.new_context(java_script_enabled=scripts)
            page = context.new_page()
            page.goto(base + "/")
            page.fill(".masthead__search input[name=q]", "flood warn")
            page.locator(".masthead__search button").click()
            page.wait_for_load_state()
            assert "/search/" in page.url and "q=flood" in page.url
            headlines = page.locator("#pp-results .search__headline").all_inner_texts()
            assert any("flood warning" in h.lower() for h in headlines), headlines
            marks = [m.lower() for m in page.locator("#pp-results mark").all_inner_texts()]
            assert "flood" in marks, marks
            assert page.input_value("#pp-q") == "flood warn"
            assert "scripts are off" not in page.inner_text("main")  # the server searched
            if scripts:
                page.screenshot(path=str(ARTIFACTS / "search-served.png"), full_page=True)
            link = page.locator("#pp-results a").first
            link.click()
            page.wait_for_load_state()
            assert "/articles/" in page.url and page.locator("h1").count() >= 1
            context.close()


def test_search_under_a_gateway_path(
    home: Path, serve: Callable[[Path], Any], browser: Any
) -> None:
    with serve(home) as (base, root):
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        prefix = f"{base}/ipfs/{root}/"
        found = scripted_results(page, prefix + "search/index.html", "flood")
        assert any("flood warning" in h.lower() for h in found), found
        # prefix of the last word: "harbour budg" finds the harbour budget first
        found = scripted_results(page, prefix + "search/index.html", "harbour budg")
        assert found and "harbour budget" in found[0].lower(), found
        marks = page.locator("#pp-results li").first.locator("mark").all_inner_texts()
        assert "budget" in [m.lower() for m in marks], marks
        found = scripted_results(page, prefix + "search/index.html", "预算")
        assert found == ["港口预算获得批准"], found
        found = scripted_results(page, prefix + "search/index.html", "cafe facade")
        assert found and "Café" in found[0], found
        page.screenshot(path=str(ARTIFACTS / "search-gateway.png"), full_page=True)
        assert scripted_results(page, prefix + "search/index.html", "zzqxv") == []
        assert "No articles match" in page.inner_text("#pp-status")
        assert page.locator("#pp-results a").count() == 0
        assert errors == []
        # the masthead on a page under the gateway path leads to the search page there
        page.goto(prefix + "archive/index.html")
        page.fill(".masthead__search input[name=q]", "seabird")
        page.locator(".masthead__search button").click()
        page.wait_for_function(
            "() => document.querySelectorAll('#pp-results li').length > 0", timeout=15000
        )
        assert page.url.startswith(prefix + "search/index.html?q=seabird")
        page.locator("#pp-results a").first.click()
        page.wait_for_load_state()
        assert page.url.startswith(prefix + "articles/")


def test_search_on_a_static_host_and_from_file(out: Path, browser: Any) -> None:
    with static_server(out) as base:
        page = browser.new_page()
        found = scripted_results(page, base + "/search/index.html", "rowing")
        assert any("rowing" in h.lower() for h in found), found
    page = browser.new_page()
    url = (out / "search" / "index.html").as_uri()
    found = scripted_results(page, url, "seed bank")
    assert any("seed" in h.lower() for h in found), found
    page.screenshot(path=str(ARTIFACTS / "search-file.png"), full_page=True)
    page.locator("#pp-results a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith((out / "articles").as_uri()) and page.url.endswith("index.html")
    assert page.locator("h1").count() >= 1


def test_without_scripts_the_page_says_so(out: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((out / "search" / "index.html").as_uri() + "?q=flood")
    text = page.inner_text("main")
    assert "scripts are off" in text
    assert page.locator("#pp-results li").count() == 0
    context.close()


WORDS = [
    ("en", "Cities councils flooded harbours Ferries"),
    ("de", "Wahlen Häuser Straßen Bürgermeisterin"),
    ("fr", "châteaux journaux élections façades"),
    ("es", "elecciones luces ciudades"),
    ("pt", "eleições cidadãos homens"),
    ("it", "ospedali elezioni città"),
    ("nl", "verkiezingen huizen"),
    ("en", "港口预算 한국어 日本語テキスト mixed港口words"),
]


def test_the_script_finds_the_same_terms_as_the_index(out: Path, browser: Any) -> None:
    page = browser.new_page()
    page.goto((out / "search" / "index.html").as_uri())
    for language, text in WORDS:
        rules = [list(rule) for rule in search_words.rules(language)]
        shown = page.evaluate(
            "([t, r, m]) => window.ppSearch.terms(t, r, m)", [text, rules, search_words.MIN_STEM]
        )
        assert shown == search_words.terms(text, language), (language, text)


def test_the_script_ranks_as_the_reference(out: Path, browser: Any) -> None:
    """The page's results, in order, are ``search_query.query_plan``'s for the same index files."""
    folder = out / "search"
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*.js")
        if path.name != "search.js"
    }
    page = browser.new_page()
    for query in ("harbour", "council vote", "flo", "the", "预算", "rain valley "):
        plan = search_query.query_plan(files, query)
        per = search.DOCS_PER_CHUNK
        slugs = []
        for doc_id in plan.ids:
            (path,) = [p for p in files if p.startswith(f"d/{doc_id // per}-")]
            at = doc_id % per * search.TEXT_HASH
            name = registered(files[path])[at : at + search.TEXT_HASH]
            slugs.append(registered(files[f"x/{name}/0.js"])[0])
        shown = scripted_results(page, (folder / "index.html").as_uri(), query)
        hrefs = page.eval_on_selector_all(
            "#pp-results .search__headline a",
            "els => els.map(e => decodeURIComponent(e.getAttribute('href').split('/').at(-2)))",
        )
        assert len(shown) == len(hrefs)
        assert hrefs == slugs, query


LONG = """---
title: Ferry timetable changes from May
date: 2025-09-22T10:00:00Z
categories: [Transport]
slug: ferry-timetable
---

{filler}

The night crossing to the island now leaves at half past ten.

{filler}
"""


def test_the_snippet_is_cut_around_the_match(
    home: Path, cli: Callable[..., Any], tmp_path: Path, browser: Any
) -> None:
    filler = " ".join(["The harbour board met on Tuesday to discuss the season."] * 24)
    source = tmp_path / "long.md"
    source.write_text(LONG.format(filler=filler), encoding="utf-8")
    assert cli("import", str(source), "--home", str(home)).code == 0
    folder = tmp_path / "site"
    assert cli("build", "--home", str(home), "--out", str(folder)).code == 0
    page = browser.new_page()
    found = scripted_results(page, (folder / "search" / "index.html").as_uri(), "crossing")
    assert found == ["Ferry timetable changes from May"], found
    snippet = page.inner_text("#pp-results .search__snippet")
    # far into the body: the snippet starts near the word, not at the start of the article
    assert snippet.startswith("… ") and "night crossing to the island" in snippet, snippet
    assert len(snippet) < 300
    assert page.locator("#pp-results .search__snippet mark").all_inner_texts() == ["crossing"]
    # of the article's text the page loaded only the piece holding the word, not the first
    texts = page.eval_on_selector_all(
        'script[src*="/x/"]', "els => els.map(e => e.getAttribute('src'))"
    )
    assert len(texts) == 1 and re.search(r"/x/\w+/[1-9]\d*\.js$", texts[0]), texts
    # a word only in the headline: the snippet is the start of the text, unmarked
    scripted_results(page, (folder / "search" / "index.html").as_uri(), "timetable")
    assert page.inner_text("#pp-results .search__snippet").startswith("The harbour board")


def registered(data: bytes) -> Any:
    """The data an index file registers."""
    return json.loads(data[data.index(b",", data.index(b",") + 1) + 1 : data.rindex(b");")])
