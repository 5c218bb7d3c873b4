"""Fuzzing the article readers: mutated real sources give articles or an ArticleError.

Each target starts from real files (tests/fixtures, the demo newsroom, the seed page), mutates
them (fuzzkit.mutated) and reads the result through ``read_source`` as the import command does,
with the format named and with the format detected, within the watchdog and without network.
Every article that comes back must pass ``validate`` unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from data_paths import FIXTURES, SEED_ARTICLE
from fuzzkit import FUZZ, mutated, ours_or_success, replay, tree_mutated, xml_mutated
from htmldate.extractors import get_external_parser
from hypothesis import given

from permapress.articles import frontmatter, wxr
from permapress.articles.bylines import strip_site_name
from permapress.articles.items import ReadOptions
from permapress.articles.model import Article, validate
from permapress.articles.sources import read_source
from permapress.demo import demo_articles_path

IMPORTERS = FIXTURES / "importers"


def _files(folder: Path, *patterns: str) -> list[bytes]:
    found = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    assert found, f"no seed files in {folder} for {patterns}"
    return [p.read_bytes() for p in found]


MARKDOWN_SEEDS = _files(demo_articles_path(), "*.md") + [
    b'+++\ntitle = "Ferry fares"\ndate = 2025-07-08T09:30:00+02:00\ntags = ["a", "b"]\n'
    b'draft = false\n+++\n\nThe ferry fares rose.\n',
    b"Title: Pelican post\nDate: 2025-07-08 10:20\nCategory: Politics\nStatus: draft\n\nText.\n",
    b"---\ntitle: x\ndate: 2025-07-08\nimage: img/a.jpg\nmedia: [a.png]\n---\n![a](b.jpg)\n",
]
PAGE_SEEDS = [SEED_ARTICLE.read_bytes()]
HTML_SEEDS = _files(IMPORTERS / "html", "*.html")
FEED_SEEDS = _files(IMPORTERS / "feeds", "*.xml", "*.json", "*.rss")
WXR_SEEDS = _files(IMPORTERS / "wxr", "*.xml")
NINJS_SEEDS = _files(IMPORTERS / "ninjs", "*.json")
ALL_SEEDS = MARKDOWN_SEEDS + PAGE_SEEDS + HTML_SEEDS + FEED_SEEDS + WXR_SEEDS + NINJS_SEEDS

YAML_TOKENS = (
    b"---\n", b"+++\n", b"&a [*a, *a, *a]", b"*a", b"!!python/object:os.system", b"!!binary",
    b"? ", b": ", b"- ", b"'", b'"', b"|\n", b">-\n", b"{", b"[", b"~", b"title: ", b"date: ",
    b"date: 0000-00-00", b"date: 99999-12-31T25:61:00", b"date: 2025-02-30", b"tags: {a: 1}",
    b"draft: maybe", b"image: ../../etc/passwd", b"image: /etc/passwd", b"slug: ../x",
    b"lang: \xff", b"<<: *a", b"%YAML 9.9\n", b"title = [", b"date = 1979-05-27T07:32:00Z",
)  # fmt: skip
MARKUP_TOKENS = (
    b"<", b">", b"</", b"<![CDATA[", b"]]>", b"<!--", b"-->", b"&amp;", b"&#0;", b"&#x110000;",
    b"&#99999999999;", b"&nbsp;", b'<!DOCTYPE x [<!ENTITY e "eeeeeeeeee">]>', b"&e;",
    b"<?xml version='1.0' encoding='utf-16'?>", b'encoding="x-nonsense"', b'<meta charset="x">',
    b'<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    b'<img src="../../../etc/passwd">', b'<img src="file:///etc/passwd">', b"<script>",
    b'<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"x"}</script>',
    b"<div>" * 50, b"<table><tr><td>", b"<item>", b"</item>", b"<entry>", b"</entry>",
    b"<title>", b"</title>", b"<pubDate>Thu, 31 Feb 99999 25:61:61 +9999</pubDate>",
    b"<wp:status>draft</wp:status>", b"<wp:post_type>page</wp:post_type>",
    b"<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>", b"<dc:creator>",
    b'<media:content url="https://x.example/a.jpg"/>', b'xmlns:x="', b"<x:y>",
)  # fmt: skip
JSON_TOKENS = (
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"null", b"true", b"[]", b"{}", b"1e99999",
    b"-0", b'"\\ud800"', b'"\\u0000"', b"[" * 2000, b'"headline"', b'"body_html"',
    b'"firstCreated": "99999-01-01"', b'"renditions": [{"href": "../../x.jpg"}]',
    b'"version": "https://jsonfeed.org/version/1.1"', b'"items": [{}]', b'"content_html": ',
)  # fmt: skip
NOW = datetime(2025, 9, 30, 12, 0, tzinfo=UTC)


def _front_matter(document: bytes) -> tuple[object, bytes]:
    _, head, body = document.split(b"---\n", 2)
    return yaml.safe_load(head), body


FRONT_MATTERS = [_front_matter(d) for d in MARKDOWN_SEEDS if d.startswith(b"---\n")]
JSON_FEEDS = [json.loads(d) for d in FEED_SEEDS if d.lstrip().startswith(b"{")]
NINJS_ITEMS = [json.loads(d) for d in NINJS_SEEDS]
XML_FEEDS = [d for d in FEED_SEEDS if d.lstrip().startswith(b"<")]
assert FRONT_MATTERS and JSON_FEEDS and NINJS_ITEMS and XML_FEEDS


def _as_json(tree: object) -> bytes:
    return json.dumps(tree).encode("utf-8")


def _as_markdown(tree: object) -> bytes:
    head = yaml.safe_dump(tree, allow_unicode=True).encode("utf-8")
    return b"---\n" + head + b"---\n" + FRONT_MATTERS[0][1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One-time cost, not a hang: the first date string in no known language makes dateparser
    # (through trafilatura's date search) compile the patterns of every locale, seconds of CPU
    # once per process. Pay it here, outside the watchdog.
    get_external_parser().get_date_data("xyzzy 12 abc")
    return tmp_path_factory.mktemp("fuzz-articles")


def _check(articles: object) -> None:
    if isinstance(articles, list):
        for article in articles:
            assert isinstance(article, Article)
            assert validate(article) == article


def _read(workdir: Path, name: str, data: bytes, fmt: str | None) -> None:
    path = workdir / name
    path.write_bytes(data)
    _check(ours_or_success(lambda: read_source(path, fmt=fmt)))


@FUZZ
@replay("markdown")
@given(mutated(MARKDOWN_SEEDS, YAML_TOKENS))
def test_markdown(workdir: Path, data: bytes) -> None:
    _read(workdir, "story.md", data, "markdown")
    _read(workdir, "story.md", data, None)


@FUZZ
@replay("frontmatter")
@given(mutated(MARKDOWN_SEEDS, YAML_TOKENS))
def test_front_matter(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    ours_or_success(lambda: frontmatter.split(text, "story.md"))


@FUZZ
@replay("page")
@given(mutated(PAGE_SEEDS, (b"## ", b"July 8, 2025\n", b"\xe2\x80\x94 Categories: ", b"By ")))
def test_page(workdir: Path, data: bytes) -> None:
    _read(workdir, "story.txt", data, "page")
    _read(workdir, "story.txt", data, None)


@FUZZ
@replay("html")
@given(mutated(HTML_SEEDS, MARKUP_TOKENS))
def test_html(workdir: Path, data: bytes) -> None:
    _read(workdir, "page.html", data, "html")


@FUZZ
@replay("feed")
@given(mutated(FEED_SEEDS, MARKUP_TOKENS + JSON_TOKENS))
def test_feed(workdir: Path, data: bytes) -> None:
    _read(workdir, "feed.xml", data, "feed")
    _read(workdir, "feed.json", data, None)


@FUZZ
@replay("wxr")
@given(mutated(WXR_SEEDS, MARKUP_TOKENS))
def test_wxr(workdir: Path, data: bytes) -> None:
    _read(workdir, "export.xml", data, "wxr")
    path = workdir / "export.xml"
    options = ReadOptions(drafts=True, private=True, pages=True, now=NOW)
    _check(ours_or_success(lambda: wxr.read(path, options=options)))


@FUZZ
@replay("ninjs")
@given(mutated(NINJS_SEEDS, JSON_TOKENS))
def test_ninjs(workdir: Path, data: bytes) -> None:
    _read(workdir, "item.json", data, "ninjs")
    _read(workdir, "item.json", data, None)


@FUZZ
@replay("detect")
@given(mutated(ALL_SEEDS, YAML_TOKENS + MARKUP_TOKENS + JSON_TOKENS))
def test_any_source_with_its_format_detected(workdir: Path, data: bytes) -> None:
    for name in ("source.txt", "source.html", "source.md", "source"):
        _read(workdir, name, data, None)


@FUZZ
@replay("markdown-shapes")
@given(tree_mutated([fm for fm, _ in FRONT_MATTERS]).map(_as_markdown))
def test_markdown_front_matter_of_any_shape(workdir: Path, data: bytes) -> None:
    _read(workdir, "story.md", data, "markdown")


@FUZZ
@replay("json-feed-shapes")
@given(tree_mutated(JSON_FEEDS).map(_as_json))
def test_json_feed_of_any_shape(workdir: Path, data: bytes) -> None:
    _read(workdir, "feed.json", data, "feed")


@FUZZ
@replay("ninjs-shapes")
@given(tree_mutated(NINJS_ITEMS).map(_as_json))
def test_ninjs_of_any_shape(workdir: Path, data: bytes) -> None:
    _read(workdir, "item.json", data, "ninjs")


@FUZZ
@replay("wxr-shapes")
@given(xml_mutated(WXR_SEEDS))
def test_wxr_of_any_shape(workdir: Path, data: bytes) -> None:
    path = workdir / "shapes.wxr"
    path.write_bytes(data)
    options = ReadOptions(drafts=True, private=True, pages=True, now=NOW)
    _check(ours_or_success(lambda: wxr.read(path, options=options)))


@FUZZ
@replay("xml-feed-shapes")
@given(xml_mutated(XML_FEEDS))
def test_xml_feed_of_any_shape(workdir: Path, data: bytes) -> None:
    _read(workdir, "shapes.rss", data, "feed")


def test_a_feed_with_a_reference_to_no_character_still_reads(workdir: Path) -> None:
    """Crasher (feedparser's fallback parser raised OverflowError / ValueError): references
    to no character become U+FFFD and the feed reads."""
    rss = (IMPORTERS / "feeds" / "rss20-wordpress.xml").read_bytes()
    for ref in (b"&#99999999999;", b"&#x110000;", b"&#xD800;", b"&#" + b"9" * 5000 + b";"):
        old = b"<title>Ferry operator freezes fares for island routes</title>"
        new = b"<title>Ferry operator " + ref + b" freezes fares</title>"
        path = workdir / "refs.xml"
        path.write_bytes(rss.replace(old, new))
        headlines = [a.headline for a in read_source(path, fmt="feed")]
        assert "Ferry operator \ufffd freezes fares" in headlines


def test_a_title_in_three_parts_loses_its_short_tail() -> None:
    """Crasher (zip(strict=True) of parts and separators off by one: ValueError)."""
    title = "Ferry fares rise sharply this week | Transport | Harbour Courier"
    assert strip_site_name(title) == "Ferry fares rise sharply this week | Transport"
