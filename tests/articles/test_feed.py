"""feed.py / jsonfeed.py: RSS 0.91, 1.0 and 2.0, Atom 0.3 and 1.0, JSON Feed, broken feeds."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from permapress.articles import feed
from permapress.articles.items import Failed, Item, Note, ReadOptions
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.errors import ArticleError

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"
FEEDS = FIXTURES / "feeds"
sys.path.insert(0, str(FIXTURES))
from localserver import Route, serve  # noqa: E402


def items(name: str, **kwargs: object) -> list[Item]:
    path = FEEDS / name
    return list(feed.iter_items(path.read_bytes(), feed_key="F", folder=FEEDS, **kwargs))  # type: ignore[arg-type]


def articles(name: str) -> list[Article]:
    return [i for i in items(name) if isinstance(i, Article)]


def test_rss20_full_content_guid_keys_and_an_undated_entry() -> None:
    found = items("rss20-wordpress.xml")
    first, second, third, note = found
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.source == "F#https://courier.example/?p=2211"  # the guid, not the link
    assert first.authors == ("Ines Okafor",) and first.language == "en-GB"
    assert first.categories == ("Economy",) and first.tags == ("Transport", "ferries")
    assert "**£38**" in first.body and "alert" not in first.body and "javascript" not in first.body
    assert "[subscribe](https://courier.example/subscribe/)" in first.body
    assert first.summary.startswith("The operator will hold winter fares on all six island")
    assert first.summary.endswith("crossings until April.")
    assert first.image == "https://courier.example/wp-content/uploads/2025/08/ferry.jpg"
    assert second.body.startswith("The council voted seven to four")  # summary only
    # an entry without a date is kept, dated by the channel's lastBuildDate, and says so
    assert isinstance(third, Article) and third.source == "F#https://courier.example/?p=99"
    assert third.published.isoformat() == "2025-08-27T10:40:00+00:00"
    assert third.inferred == ("published",) and first.inferred == ()
    assert isinstance(note, Note) and note.source == third.source
    assert note.message == "no date: used the feed's date, 2025-08-27 10:40 UTC"


def test_atom10_xhtml_content_authors_and_language() -> None:
    marche, brut = articles("atom10.xml")
    assert marche.headline == "Le marché couvert rouvre"  # HTML title made plain
    assert marche.authors == ("Claire Dubois", "Paul Martin")
    assert marche.categories == ("Économie",) and marche.language == "fr"
    assert marche.published.isoformat() == "2025-05-03T08:00:00+02:00"
    assert marche.modified is not None
    assert marche.modified.isoformat() == "2025-05-04T09:30:00+02:00"
    assert marche.body.count("\n\n") == 1 and marche.summary.startswith("Après dix-huit mois")
    assert brut.source == "F#tag:petitport.example,2025:brut"
    assert "<pas une balise>" in brut.body.replace("\\<", "<")  # text content stays text


@pytest.mark.parametrize(
    ("name", "headline", "published", "language"),
    [
        ("rss091.xml", "Storm closes the causeway", "2003-10-06T12:00:00+00:00", "en-US"),
        ("rss10-rdf.xml", "Neue Brücke über die Förde eröffnet", "2008-09-01T12:00:00+02:00", "de"),
        ("atom03.xml", "Keeper retires after forty years", "2004-03-01T09:00:00+00:00", "en"),
    ],
)
def test_old_feed_versions(name: str, headline: str, published: str, language: str) -> None:
    (article,) = articles(name)
    assert article.headline == headline and article.published.isoformat() == published
    assert article.language == language and article.body


def test_a_malformed_feed_imports_what_parses_and_says_so() -> None:
    found = items("malformed-bozo.xml")
    assert [a.headline for a in found if isinstance(a, Article)] == [
        "First story survives", "Second story survives too"]
    (note,) = [n for n in found if isinstance(n, Note)]
    assert "not well-formed" in note.message and "2 entries were recovered" in note.message


def test_something_that_is_not_a_feed_raises() -> None:
    with pytest.raises(ArticleError, match="not an RSS or Atom feed"):
        items("not-a-feed.rss")


def test_json_feed_items() -> None:
    found = items("feed.json", options=ReadOptions(now=NOW))
    article, undated, note = found
    assert isinstance(article, Article) and isinstance(undated, Article)
    assert article.source == "F#https://nightdesk.example/2025/07/08/curfew"
    assert article.body == "The curfew was lifted at *midnight*.\n\nShops reopened at dawn."
    assert article.categories == ("Politics",) and article.tags == ("curfew",)
    assert article.modified is not None and undated.source == "F#2"
    # no date and no feed date: the time of the import, marked and told
    assert undated.published == NOW and undated.inferred == ("published",)
    assert isinstance(note, Note)
    assert "used the time of import, 2026-01-02 03:04 UTC" in note.message


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("rss20-wordpress.xml", "feed"), ("atom10.xml", "feed"), ("rss10-rdf.xml", "feed"),
     ("rss091.xml", "feed"), ("atom03.xml", "feed"), ("feed.json", "feed")],
)
def test_detection_from_content(name: str, fmt: str) -> None:
    path = FEEDS / name
    assert detect(path, path.read_bytes()[:8192]) == fmt


def test_fetch_option_extracts_the_linked_page_and_keeps_the_entry_key() -> None:
    page = (FIXTURES / "html" / "haushalt-de-latin1-undeclared.html").read_bytes()
    with serve({"/haushalt": Route(page, "text/html")}) as server:
        rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <item><title>Kurz</title><link>{server.url('/haushalt')}</link><guid>g-1</guid>
        <pubDate>Tue, 04 Nov 2025 20:05:00 +0000</pubDate><description>kurz</description></item>
        </channel></rss>""".encode()
        (article,) = feed.iter_items(rss, feed_key="F", options=ReadOptions(fetch=True))
    assert isinstance(article, Article)
    assert article.source == "F#g-1" and "Größter Streitpunkt" in article.body
    assert article.headline == "Stadtrat beschließt Haushalt für 2026"
    assert [m.name for m in article.media] == ["source.warc.gz"]


def _rss(entries: str, channel: str = "") -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Link Desk</title>{channel}'
            f"{entries}</channel></rss>").encode()


def _found(data: bytes) -> tuple[list[Article], list[Failed], list[Note]]:
    found = list(feed.iter_items(data, feed_key="F", options=ReadOptions(now=NOW)))
    return ([a for a in found if isinstance(a, Article)],
            [f for f in found if isinstance(f, Failed)],
            [n for n in found if isinstance(n, Note)])  # fmt: skip


def test_an_entry_without_a_title_takes_its_first_sentence_cut_at_a_word() -> None:
    text = ("The harbour master confirmed on Tuesday that the northern breakwater will be "
            "closed for repairs until the end of March. Boats use the south entrance.")
    (article,), failed, notes = _found(_rss(
        f"<item><guid>n-1</guid><pubDate>Tue, 04 Nov 2025 20:05:00 +0000</pubDate>"
        f"<description>{text}</description></item>"))  # fmt: skip
    assert not failed and article.inferred == ("headline",)
    assert article.headline == ("The harbour master confirmed on Tuesday that the northern "
                                "breakwater will be…")
    assert len(article.headline) <= 80 and article.body.startswith("The harbour master")
    expected = f"no title: used its first sentence, {article.headline!r}"
    assert [n.message for n in notes] == [expected]


def test_a_title_and_link_entry_is_kept_as_a_link_to_the_original() -> None:
    # RSS 1.0 and link blogs: a title and a link, no text, often no date either
    rdf = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="https://links.example/"><title>Links</title>
      <link>https://links.example/</link><dc:date>2025-06-01T08:00:00Z</dc:date></channel>
    <item rdf:about="https://river.example/2025/floods.html">
      <title>Floods reach the old mill</title>
      <link>  https://river.example/2025/floods.html
      </link></item>
    </rdf:RDF>"""
    (article,), failed, notes = _found(rdf)
    assert not failed and article.headline == "Floods reach the old mill"
    assert article.body == "Read the original at [https://river.example/2025/floods.html]" \
        "(<https://river.example/2025/floods.html>)."  # the link trimmed of its whitespace
    assert article.inferred == ("published", "body")
    assert article.published.isoformat() == "2025-06-01T08:00:00+00:00"  # the channel's dc:date
    assert [n.message.split(",")[0] for n in notes] == ["no date: used the feed's date",
                                                        "no text: kept as a link to the original"]


def test_an_entry_with_only_a_link_gets_a_title_from_it() -> None:
    (article,), _, notes = _found(_rss(
        "<item><link>https://river.example/2025/06/mill-reopens-after-floods/</link></item>"))
    assert article.headline == "Mill reopens after floods"
    assert article.inferred == ("published", "headline", "body") and article.published == NOW
    assert any("no title: used its link" in n.message for n in notes)


def test_an_entry_with_nothing_to_show_is_refused_and_says_why() -> None:
    articles_, failed, _ = _found(_rss(
        "<item><author>desk@links.example</author></item><item><title>Kept</title></item>"))
    assert [a.headline for a in articles_] == ["Kept"] and articles_[0].body == "Kept"
    (failure,) = failed
    assert "no title, no text and no link" in failure.error


def test_a_feed_with_no_items_raises() -> None:
    with pytest.raises(ArticleError, match="a feed with no items"):
        list(feed.iter_items(_rss(""), feed_key="F"))
    empty_json = b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": []}'
    with pytest.raises(ArticleError, match="no items"):
        list(feed.iter_items(empty_json, feed_key="F"))


def test_image_urls_are_trimmed() -> None:
    (article,), _, _ = _found(_rss(
        "<item><title>T</title><description>Words.</description>"
        '<enclosure url=" https://img.example/a.jpg&#10; " type="image/jpeg" length="1"/></item>'))
    assert article.image == "https://img.example/a.jpg"


def test_fetch_that_fails_keeps_the_entry_as_the_feed_gives_it() -> None:
    with serve({}) as server:  # every path is 404
        rss = _rss(f"<item><title>Kurz</title><link>{server.url('/gone')}</link>"
                   "<pubDate>Tue, 04 Nov 2025 20:05:00 +0000</pubDate>"
                   "<description>Die Kurzfassung.</description></item>")
        found = list(feed.iter_items(rss, feed_key="F", options=ReadOptions(fetch=True)))
    article, note = found
    assert isinstance(article, Article) and article.body == "Die Kurzfassung."
    assert isinstance(note, Note) and "could not fetch" in note.message


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "feeds"  # from feedparser's test suite
REAL_OUTCOMES: dict[str, list[str] | str] = {
    # file: the headlines of its articles, or why the whole file is refused
    "amp--amp01.xml": ["&"],  # a title alone
    "atom--entry_author_email.xml": [],  # one entry holding only an author: refused, not lost
    "atom--entry_content_mode_base64.xml": ["Example Atom"],  # text without a title
    "atom--entry_id.xml": ["example.com"],  # an id that is a link
    "atom--entry_link_alternate_map_link.xml": ["www.example.com"],  # a link alone
    "base--entry_summary_xml_base_inherit_3.xml": ["Example test"],
    "json--example.json": ["post 2", "Hello, world!"],
    "namespace--atommathml.xml": ["a+b"],  # only MathML, which is not kept: its words are
    "namespace--atomthreadingwithentry.xml": ["bloffo bliff by te..."],
    "namespace--rss2.0NSwithModules.xml": ["Test Item - RSS2.0 w/ NS"],
    "rdf--rdf_item_rdf_about.xml": ["example.org"],  # RSS 1.0: rdf:about and nothing else
    "rdf--rdf_item_title.xml": ["Example title"],  # RSS 1.0: a title and rdf:about
    "rss--item_description_br_shorttag.xml": ["x"],  # markup only: its text is the title
    "rss--item_guid_isPermaLink_ValueError.xml": [],  # a guid that is not a link: nothing else
    "rss--rss_version_092.xml": "is a feed with no items",
    "sanitize--entry_title_onunload.xml": ["Untitled entry 1"],  # an image as its title
}


def test_every_real_sample_has_an_expected_outcome() -> None:
    assert sorted(p.name for p in REAL.iterdir()) == sorted(REAL_OUTCOMES)


@pytest.mark.parametrize("name", sorted(REAL_OUTCOMES))
def test_real_feeds_keep_every_entry_that_has_something_to_show(name: str) -> None:
    expected = REAL_OUTCOMES[name]
    data = (REAL / name).read_bytes()
    if isinstance(expected, str):
        with pytest.raises(ArticleError, match=expected):
            list(feed.iter_items(data, feed_key=name, options=ReadOptions(now=NOW)))
        return
    found = list(feed.iter_items(data, feed_key=name, options=ReadOptions(now=NOW)))
    assert [a.headline for a in found if isinstance(a, Article)] == expected
    failures = [f.error for f in found if isinstance(f, Failed)]
    assert all("nothing to keep" in f for f in failures) and len(failures) == (not expected)


def test_fetch_gives_an_undated_entry_the_date_of_its_page() -> None:
    page = (FIXTURES / "html" / "haushalt-de-latin1-undeclared.html").read_bytes()
    with serve({"/haushalt": Route(page, "text/html")}) as server:
        rss = _rss(f"<item><title>Kurz</title><link>{server.url('/haushalt')}</link></item>")
        found = list(feed.iter_items(rss, feed_key="F", options=ReadOptions(fetch=True, now=NOW)))
    (article,) = [a for a in found if isinstance(a, Article)]
    assert article.published != NOW and article.inferred == ()
    assert not [n for n in found if isinstance(n, Note) and n.message.startswith("no date")]


def _json_feed(*entries: dict[str, object]) -> bytes:
    import json

    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Desk",
                       "items": list(entries)}).encode()  # fmt: skip


def test_an_unreadable_json_feed_date_is_a_note_not_a_refusal() -> None:
    data = _json_feed(
        {"id": "a", "url": "https://desk.example/a", "title": "Quay",
         "content_text": "The quay reopened.", "date_published": "the day after the storm"},
        {"id": "b", "title": "Ferry", "content_text": "The ferry ran late.",
         "date_published": 20250708,
         "date_modified": "2025-07-09T10:00:00Z"},
    )  # fmt: skip
    found, failed, notes = _found(data)
    assert failed == []
    first, second = found
    assert first.published == NOW and first.inferred == ("published",)
    assert second.published == datetime(2025, 7, 9, 10, 0, tzinfo=UTC)  # its other date
    assert second.inferred == ()
    messages = [(n.source, n.message) for n in notes]
    assert ("F#a", "date_published 'the day after the storm' is not a date that can be read: "
            "ignored") in messages  # fmt: skip
    assert ("F#a", "no date: used the time of import, 2026-01-02 03:04 UTC") in messages
    assert ("F#b", "date_published '20250708' is not a date that can be read: ignored") \
        in messages


def test_an_unreadable_rss_or_atom_date_is_not_a_refusal() -> None:
    data = _rss("<item><title>Quay reopened</title><link>https://desk.example/q</link>"
                "<description>The quay reopened.</description>"
                "<pubDate>the day after the storm</pubDate></item>",
                "<pubDate>Tue, 08 Jul 2025 09:00:00 +0000</pubDate>")  # fmt: skip
    found, failed, notes = _found(data)
    assert failed == [] and len(found) == 1
    assert found[0].published == datetime(2025, 7, 8, 9, 0, tzinfo=UTC)
    assert found[0].inferred == ("published",)
    assert any(n.message.startswith("no date: used the feed's date") for n in notes)


def test_json_feed_fields_that_are_not_text_count_as_absent_with_a_note() -> None:
    data = _json_feed(
        {"id": "a", "url": "https://desk.example/quay", "title": {"x": 1},
         "content_text": "The quay reopened on Friday. Boats came back.",
         "summary": 42, "authors": [{"name": ["Ann"]}, {"name": "Ravi Patel"}],
         "date_published": "2025-07-08T09:00:00Z"},
        {"id": "b", "url": "https://desk.example/ferry", "title": ["Ferry"],
         "content_text": {"text": "no"}, "date_published": "2025-07-08T09:00:00Z"},
    )  # fmt: skip
    found, failed, notes = _found(data)
    assert failed == []
    first, second = found
    assert first.headline == "The quay reopened on Friday" and "headline" in first.inferred
    assert first.summary == "The quay reopened on Friday. Boats came back."
    assert first.authors == ("Ravi Patel",)
    assert second.headline == "Ferry" and second.inferred == ("headline", "body")
    assert second.body.startswith("Read the original at [https://desk.example/ferry]")
    assert "{" not in first.headline + first.summary + second.body
    messages = [(n.source, n.message) for n in notes]
    for expected in [("F#a", "title is an object, not text: ignored"),
                     ("F#a", "summary is a number, not text: ignored"),
                     ("F#a", "author name is a list, not text: ignored"),
                     ("F#b", "title is a list, not text: ignored"),
                     ("F#b", "content_text is an object, not text: ignored")]:  # fmt: skip
        assert expected in messages
