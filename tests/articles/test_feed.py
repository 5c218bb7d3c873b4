"""feed.py / jsonfeed.py: RSS 0.91, 1.0 and 2.0, Atom 0.3 and 1.0, JSON Feed, broken feeds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from permapress.articles import feed
from permapress.articles.items import Failed, Item, Note, ReadOptions
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.errors import ArticleError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"
FEEDS = FIXTURES / "feeds"
sys.path.insert(0, str(FIXTURES))
from localserver import Route, serve  # noqa: E402


def items(name: str, **kwargs: object) -> list[Item]:
    path = FEEDS / name
    return list(feed.iter_items(path.read_bytes(), feed_key="F", folder=FEEDS, **kwargs))  # type: ignore[arg-type]


def articles(name: str) -> list[Article]:
    return [i for i in items(name) if isinstance(i, Article)]


def test_rss20_full_content_guid_keys_and_failures() -> None:
    found = items("rss20-wordpress.xml")
    first, second, third = found
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
    assert isinstance(third, Failed) and "has no date" in third.error
    assert third.source == "F#https://courier.example/?p=99"


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
    found = items("feed.json")
    article, failed = found
    assert isinstance(article, Article) and isinstance(failed, Failed)
    assert article.source == "F#https://nightdesk.example/2025/07/08/curfew"
    assert article.body == "The curfew was lifted at *midnight*.\n\nShops reopened at dawn."
    assert article.categories == ("Politics",) and article.tags == ("curfew",)
    assert article.modified is not None and failed.source == "F#2"


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
