"""htmlmeta.py and bylines.py: headline, date and author of a page, from small snippets."""

from __future__ import annotations

import json
from typing import Any

import lxml.html
import pytest

from permapress.articles.bylines import author_names, clean_authors, strip_site_name
from permapress.articles.htmlmeta import PageMeta, page_meta


def meta(head: str, body: str = "<p>Text.</p>", url: str | None = None) -> PageMeta:
    page = f"<html><head>{head}</head><body>{body}</body></html>"
    return page_meta(lxml.html.document_fromstring(page), url)


def ld(data: Any) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def tag(key: str, value: str, attr: str = "name") -> str:
    return f"<meta {attr}='{key}' content='{value}'>"


def test_structured_data_comes_first_then_meta_tags_then_the_document() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": "#site", "name": "The Coast Courier"},
            {"@type": "Person", "@id": "#ines", "name": "Ines Okafor"},
            {
                "@type": "NewsArticle",
                "headline": "Harbour gets its breakwater",
                "datePublished": "2025-03-04T08:00:00Z",
                "author": [{"@id": "#ines"}],
                "publisher": {"@type": "Organization", "name": "The Coast Courier"},
            },
        ],
    }
    head = (
        ld(graph)
        + tag("og:title", "Harbour breakwater approved | The Coast Courier", "property")
        + tag("article:published_time", "2025-03-05T09:00:00Z", "property")
        + tag("author", "Someone Else")
        + "<title>Breakwater - The Coast Courier</title>"
    )
    m = meta(head)
    assert m.headline == "Harbour gets its breakwater"
    assert m.authors == ("Ines Okafor",)
    assert m.published == "2025-03-04T08:00:00Z"
    without_ld = meta(head.replace(ld(graph), ""))
    assert without_ld.headline == "Harbour breakwater approved"
    assert without_ld.authors == ("Someone Else",)
    assert without_ld.published == "2025-03-05T09:00:00Z"
    only_title = meta("<title>Breakwater approved after two years - The Coast Courier</title>"
                      + tag("og:site_name", "The Coast Courier", "property"))  # fmt: skip
    assert only_title.headline == "Breakwater approved after two years"


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        ("Storm hits coast | The Japan Times", ("The Japan Times",), "Storm hits coast"),
        ("Storm hits coast - BBC News", ("www.bbc.co.uk", "bbc"), "Storm hits coast"),
        ("Storm hits coast – BBC News", ("bbc",), "Storm hits coast"),
        ("The Coast Courier » Storm hits coast", ("The Coast Courier",), "Storm hits coast"),
        ("Storm hits coast | Weather | Courier", ("The Coast Courier",), "Storm hits coast"),
        ("Storm hits coast | Weather", (), "Storm hits coast"),
        # not a site name: kept
        ("Trump - the man who sold the world", ("The Coast Courier",),
         "Trump - the man who sold the world"),
        ("Google unveils a phone - and a watch", ("google",),
         "Google unveils a phone - and a watch"),
        ("Q&A | Why", (), "Q&A | Why"),  # too short a head to cut
    ],
)  # fmt: skip
def test_strip_site_name(title: str, sites: tuple[str, ...], expected: str) -> None:
    assert strip_site_name(title, sites) == expected


def test_a_json_ld_headline_keeps_a_short_tail_that_is_not_the_site() -> None:
    assert strip_site_name("Budget | What changes", (), short_tail=False) == "Budget | What changes"
    m = meta(ld({"@type": "NewsArticle", "headline": "Storm &#8216;Ida&#8217; | Live updates",
                 "publisher": {"name": "The Coast Courier"}}))  # fmt: skip
    assert m.headline == "Storm ‘Ida’ | Live updates"  # HTML entities in JSON-LD decoded


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Jane Doe, John Smith and Ana Lima", ["Jane Doe", "John Smith", "Ana Lima"]),
        ("Doe, Jane", ["Doe, Jane"]),
        ("Jane Doe; John Smith", ["Jane Doe", "John Smith"]),
        ("von Anna Schmidt und Jonas Weber", ["Anna Schmidt", "Jonas Weber"]),
        ("De La Cruz", ["De La Cruz"]),  # a name, not the particle "de"
        ("von der Leyen", ["von der Leyen"]),
        ("di Mario Rossi", ["Mario Rossi"]),
        ("https://courier.example/authors/jane", []),
    ],
)
def test_author_names(byline: str, expected: list[str]) -> None:
    assert author_names(byline) == expected


def test_placeholder_authors_and_the_publisher_are_removed() -> None:
    names = ["No Author", "Staff", "admin", "Jane Doe", "The Coast Courier", "jane doe",
             "AP Sports Writer", "Jane Roe | Courier.com", "John Smith, Staff Writer",
             "Anonymous", "Metro Desk", "Ana Lima"]  # fmt: skip
    assert clean_authors(names, ("The Coast Courier",)) == (
        "Jane Doe", "Jane Roe", "John Smith", "Ana Lima")  # fmt: skip


def test_authors_from_each_kind_of_source() -> None:
    org = {"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization",
           "name": "The Coast Courier"}, "publisher": {"name": "The Coast Courier"}}  # fmt: skip
    # an organisation equal to the publisher is no author; the meta tags are asked next
    assert meta(ld(org) + tag("author", "By Jane Doe & John Smith")).authors == (
        "Jane Doe", "John Smith")  # fmt: skip
    assert meta(ld(org)).authors == ()
    citation = (tag("citation_title", "Wave heights in small harbours")
                + tag("citation_author", "Doe, Jane") + tag("citation_author", "Smith, John")
                + tag("citation_publication_date", "2024/05/02"))  # fmt: skip
    m = meta(citation)
    assert m.authors == ("Doe, Jane", "Smith, John")
    assert m.headline == "Wave heights in small harbours"
    assert m.published == "2024/05/02"
    assert meta(tag("author", "No Author")).authors == ()
    assert meta(tag("dc.creator", "Staff")).authors == ()


def test_a_leading_section_name_is_cut_from_the_headline() -> None:
    m = meta(ld({"@type": "NewsArticle", "headline": "Opinion | The budget gets it wrong",
                 "articleSection": "Opinion"}))  # fmt: skip
    assert m.headline == "The budget gets it wrong"
    kept = meta(ld({"@type": "NewsArticle", "headline": "Explainer | Why tides change",
                    "articleSection": "Science"}))  # fmt: skip
    assert kept.headline == "Explainer | Why tides change"
