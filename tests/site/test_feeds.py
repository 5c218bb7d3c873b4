"""Atom, RSS and JSON Feed output, checked with feedparser, lxml and json."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from permapress.articles.model import Article, Media
from permapress.site.feeds import FEED_SIZE, atom_feed, json_feed, rfc822, rss_feed
from permapress.site.views import ArticleEntry, SiteInfo, VersionInfo

CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
WEB = SiteInfo("The Harbour Ledger", "Independent news", "en", "https://news.example.org/")
LOCAL = replace(WEB, base_url=None)
START = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def make(i: int, versions: int = 1, **changes: object) -> ArticleEntry:
    art = Article(
        headline=f"Story {i}: ferry fares & tolls",
        slug=f"story-{i}",
        published=START + timedelta(hours=i),
        modified=None,
        authors=("Maya Cohen",) if i % 2 else ("Maya Cohen", "Sam Ortiz"),
        categories=("Harbour",),
        tags=("ferries",),
        summary=f"Summary {i}.",
        language="en",
        body=f"Paragraph of story {i}.\n\n![Ferry](media/ferry.png)",
        media=(Media("ferry.png", b"\x89PNG\r\n\x1a\n", "image/png"),),
        image="ferry.png",
    )
    art = replace(art, **changes)  # type: ignore[arg-type]
    infos = tuple(
        VersionInfo(n, CID, art.published + timedelta(days=n - 1), f"note {n}")
        for n in range(1, versions + 1)
    )
    return ArticleEntry(art, CID, infos)


JSON_FEED_TOP = {
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
}
JSON_FEED_ITEM = {
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "tags",
    "language",
    "attachments",
}
ENTRIES = [make(i, versions=1 + (i == 1)) for i in range(3)]


def parsed(data: bytes) -> feedparser.FeedParserDict:
    result = feedparser.parse(data)
    assert not result.bozo, result.get("bozo_exception")
    return result


def check_json_feed(doc: dict[str, object]) -> None:
    """The JSON Feed 1.1 rules (feedparser 6.0 does not read JSON Feed): required members,
    string ids, some content, RFC 3339 dates, authors as objects."""
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(doc["title"], str) and isinstance(doc["items"], list)
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for key in ("date_published", "date_modified"):
            if key in item:
                datetime.fromisoformat(item[key].replace("Z", "+00:00"))
        for author in item.get("authors", []):
            assert set(author) <= {"name", "url", "avatar"}
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        assert all(k in JSON_FEED_ITEM or k.startswith("_") for k in item)
    assert all(k in JSON_FEED_TOP or k.startswith("_") for k in doc)


def test_atom_feed() -> None:
    data = atom_feed(WEB, ENTRIES, title="The Harbour Ledger", self_path="feed.xml")
    root = etree.fromstring(data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    feed = parsed(data)
    assert feed.version == "atom10"
    assert feed.feed.title == "The Harbour Ledger"
    assert feed.feed.id == "urn:permapress:feed:feed.xml"
    # newest modification: story 1 was corrected a day after it was published
    assert feed.feed.updated == "2025-07-02T09:00:00Z"
    assert [e.title for e in feed.entries] == [
        "Story 2: ferry fares & tolls",
        "Story 1: ferry fares & tolls",
        "Story 0: ferry fares & tolls",
    ]
    first = feed.entries[1]
    assert first.id == "urn:permapress:article:story-1"
    assert first.link == "https://news.example.org/articles/story-1/"
    assert first.published == "2025-07-01T09:00:00Z"
    assert first.updated == "2025-07-02T09:00:00Z"
    assert [a.name for a in feed.entries[0].authors] == ["Maya Cohen", "Sam Ortiz"]
    assert {t.term for t in first.tags} == {"Harbour", "ferries"}
    assert first.summary == "Summary 1."
    content = first.content[0]
    assert content.type == "text/html"
    assert 'src="https://news.example.org/articles/story-1/v/2/media/ferry.png"' in content.value
    assert any(link.href == f"ipfs://{CID}" for link in first.links)


def test_rss_feed() -> None:
    data = rss_feed(WEB, ENTRIES, title="The Harbour Ledger", self_path="rss.xml")
    feed = parsed(data)
    assert feed.version == "rss20"
    assert feed.feed.link == "https://news.example.org/"
    item = feed.entries[0]
    assert item.id == "urn:permapress:article:story-2"
    assert item.guidislink is False
    assert item.link == "https://news.example.org/articles/story-2/"
    assert item.author == "Maya Cohen and Sam Ortiz"
    assert {t.term for t in item.tags} == {"Harbour", "ferries"}
    root = etree.fromstring(data)
    guid = root.find("channel/item/guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    pub = root.findtext("channel/item/pubDate")
    assert pub == "Tue, 01 Jul 2025 10:00:00 +0000"
    assert parsedate_to_datetime(pub) == START + timedelta(hours=2)
    self_link = root.find("channel/{http://www.w3.org/2005/Atom}link")
    assert self_link is not None and self_link.get("href") == "https://news.example.org/rss.xml"


def test_json_feed() -> None:
    data = json_feed(WEB, ENTRIES, title="The Harbour Ledger", self_path="feed.json")
    doc = json.loads(data)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["home_page_url"] == "https://news.example.org/"
    assert doc["feed_url"] == "https://news.example.org/feed.json"
    assert doc["language"] == "en"
    item = doc["items"][1]
    assert item["id"] == "urn:permapress:article:story-1"
    assert item["url"] == "https://news.example.org/articles/story-1/"
    assert item["title"] == "Story 1: ferry fares & tolls"
    assert item["summary"] == "Summary 1."
    assert item["date_published"] == "2025-07-01T09:00:00Z"
    assert item["date_modified"] == "2025-07-02T09:00:00Z"
    assert item["authors"] == [{"name": "Maya Cohen"}]
    assert item["tags"] == ["Harbour", "ferries"]
    assert item["image"] == "https://news.example.org/articles/story-1/v/2/media/ferry.png"
    assert item["_permapress"] == {"cid": CID, "version": 2}
    assert "<p>Paragraph of story 1.</p>" in item["content_html"]
    assert "_permapress" not in doc
    assert data.endswith(b"}\n")
    check_json_feed(doc)


def test_without_base_url_links_are_relative_to_the_feed() -> None:
    atom = atom_feed(LOCAL, ENTRIES, title="Harbour", self_path="categories/harbour/feed.xml")
    assert b"base_url" in atom.split(b"<feed", 1)[0]  # the comment says why
    root = etree.fromstring(atom)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    hrefs = root.xpath("//a:entry/a:link[@rel='alternate']/@href", namespaces=ns)
    assert hrefs[0] == "../../articles/story-2/"
    assert root.xpath("/a:feed/a:link[@rel='alternate']/@href", namespaces=ns) == ["../../"]
    assert root.findtext("a:id", namespaces=ns) == "urn:permapress:feed:categories/harbour/feed.xml"
    rss = rss_feed(LOCAL, ENTRIES, title="Harbour", self_path="rss.xml")
    assert b"http" not in rss.replace(b"http://www.w3.org/2005/Atom", b"").replace(
        b"http://purl.org/", b""
    )
    doc = json.loads(json_feed(LOCAL, ENTRIES, title="Harbour", self_path="feed.json"))
    check_json_feed(doc)
    assert doc["home_page_url"] == "./" and doc["feed_url"] == "feed.json"
    assert doc["items"][0]["url"] == "articles/story-2/"
    assert doc["_permapress"]["relative_urls"] is True


def test_ids_do_not_depend_on_the_base_url() -> None:
    web = parsed(atom_feed(WEB, ENTRIES, title="t", self_path="feed.xml"))
    local = parsed(atom_feed(LOCAL, ENTRIES, title="t", self_path="feed.xml"))
    assert [e.id for e in web.entries] == [e.id for e in local.entries]
    assert web.feed.id == local.feed.id


def test_at_most_fifty_newest_in_a_stable_order() -> None:
    entries = [make(i) for i in range(60)]
    shuffled = entries[::2] + entries[1::2]
    data = atom_feed(WEB, shuffled, title="t", self_path="feed.xml")
    feed = parsed(data)
    assert len(feed.entries) == FEED_SIZE == 50
    assert feed.entries[0].id.endswith("story-59") and feed.entries[-1].id.endswith("story-10")
    assert data == atom_feed(WEB, list(reversed(entries)), title="t", self_path="feed.xml")
    assert (
        len(json.loads(json_feed(WEB, shuffled, title="t", self_path="feed.json"))["items"]) == 50
    )
    assert len(parsed(rss_feed(WEB, shuffled, title="t", self_path="rss.xml")).entries) == 50


def test_empty_feeds_are_valid() -> None:
    assert parsed(atom_feed(WEB, [], title="t", self_path="feed.xml")).entries == []
    assert parsed(rss_feed(WEB, [], title="t", self_path="rss.xml")).entries == []
    assert json.loads(json_feed(WEB, [], title="t", self_path="feed.json"))["items"] == []


def test_rfc822_keeps_the_offset() -> None:
    moment = datetime(2025, 12, 24, 23, 5, 9, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert rfc822(moment) == "Wed, 24 Dec 2025 23:05:09 +0530"
    assert parsedate_to_datetime(rfc822(moment)) == moment


# Characters XML 1.0 cannot carry at all are dropped; everything else must come back intact.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s)


@settings(max_examples=40, deadline=None)
@given(TEXT, TEXT)
def test_any_headline_and_author_make_well_formed_feeds(headline: str, author: str) -> None:
    item = make(1, headline=headline, authors=(author,))
    allowed = "".join(
        c for c in headline if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff")
    )
    root = etree.fromstring(atom_feed(WEB, [item], title=headline, self_path="feed.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.findtext("a:entry/a:title", namespaces=ns) == allowed
    rss = etree.fromstring(rss_feed(WEB, [item], title=headline, self_path="rss.xml"))
    assert rss.findtext("channel/item/title") == allowed
    doc = json.loads(json_feed(WEB, [item], title=headline, self_path="feed.json"))
    assert doc["items"][0]["title"] == headline
