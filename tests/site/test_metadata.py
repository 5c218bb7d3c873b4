"""JSON-LD, Open Graph and IPTC ninjs 3.1 produced for an article."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles.model import Article, Media
from permapress.articles.slug import article_uri
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import SiteError
from permapress.site.metadata import (
    news_article_jsonld,
    ninjs,
    ninjs_document,
    open_graph,
)
from permapress.site.views import ArticleEntry, SiteInfo, VersionInfo

CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
SITE = SiteInfo("The Harbour Ledger", "Independent news", "en", "https://news.example.org/")

# The property names ninjs 3.1 allows at the top level (from the IPTC schema's ninjsType).
NINJS_31_PROPERTIES = {
    "altIds",
    "associations",
    "bodies",
    "by",
    "contentCreated",
    "copyrightHolder",
    "copyrightNotice",
    "descriptions",
    "digitalSourceType",
    "edNote",
    "embargoedUntil",
    "eventDetails",
    "events",
    "expires",
    "firstCreated",
    "genres",
    "headlines",
    "infoSources",
    "language",
    "located",
    "objects",
    "organisations",
    "people",
    "places",
    "plannedCoverage",
    "profile",
    "pubStatus",
    "renditions",
    "representationType",
    "rightsInfo",
    "slugline",
    "standard",
    "subjects",
    "title",
    "trustIndicators",
    "type",
    "urgency",
    "uri",
    "usageTerms",
    "version",
    "versionCreated",
}
SUBJECT_PROPERTIES = {"name", "rel", "uri", "literal", "creator", "relevance", "confidence"}
BODY_PROPERTIES = {"role", "contentType", "charCount", "wordCount", "value"}
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


def article(**changes: object) -> Article:
    base = Article(
        headline="Harbour budget passes after all-night session",
        slug="harbour-budget",
        published=datetime(2025, 7, 8, 9, 30, tzinfo=UTC),
        modified=datetime(2025, 7, 9, 12, 0, tzinfo=UTC),
        authors=("Maya Cohen", "Sam Ortiz", "Lea Brun"),
        categories=("Politics & Government", "Harbour life"),
        tags=("budget", "council"),
        summary="The council approved the budget at 4 a.m.",
        language="en",
        body="The council *approved* the budget.\n\n![Council](media/council.png)",
        media=(Media("council.png", b"\x89PNG\r\n\x1a\n1234", "image/png"),),
        image="council.png",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def entry(art: Article, versions: int = 3) -> ArticleEntry:
    infos = tuple(
        VersionInfo(n, CID, art.published + timedelta(days=n - 1), f"note {n}")
        for n in range(1, versions + 1)
    )
    return ArticleEntry(art, CID, infos)


# --- ninjs ------------------------------------------------------------------------------------


def test_ninjs_is_canonical_json() -> None:
    data = ninjs(article(), version=2, taxonomy=Taxonomy())
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    doc = json.loads(data)
    assert data.decode() == json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert ninjs(article(), version=2, taxonomy=Taxonomy()) == data


def test_ninjs_uses_only_ninjs_31_properties() -> None:
    doc = ninjs_document(article(), version=2, taxonomy=Taxonomy())
    assert set(doc) <= NINJS_31_PROPERTIES
    for subject in doc["subjects"]:
        assert set(subject) <= SUBJECT_PROPERTIES
    for body in doc["bodies"]:
        assert set(body) <= BODY_PROPERTIES and "value" in body
    for headline in doc["headlines"]:
        assert set(headline) <= {"role", "contentType", "value"}
    assert doc["type"] == "text"
    assert doc["standard"]["name"] == "ninjs" and doc["standard"]["version"].startswith("3.")


def test_ninjs_fields() -> None:
    doc = ninjs_document(article(), version=2, taxonomy=Taxonomy())
    assert doc["uri"] == article_uri("harbour-budget") == "urn:permapress:article:harbour-budget"
    assert doc["version"] == "2"
    assert doc["headlines"] == [{"role": "main", "value": article().headline}]
    assert doc["firstCreated"] == "2025-07-08T09:30:00Z"
    assert doc["versionCreated"] == "2025-07-09T12:00:00Z"
    assert DATE_TIME.fullmatch(doc["firstCreated"])
    assert doc["language"] == "en"
    assert doc["by"] == "Maya Cohen, Sam Ortiz and Lea Brun"
    assert doc["descriptions"] == [{"role": "summary", "value": article().summary}]
    markdown, html = doc["bodies"]
    assert markdown == {"role": "main", "contentType": "text/markdown", "value": article().body}
    assert html["contentType"] == "text/html" and "<em>approved</em>" in html["value"]
    assert '<img src="media/council.png"' in html["value"]
    rendition = doc["associations"][0]["renditions"][0]
    assert rendition == {
        "name": "original",
        "href": "media/council.png",
        "contentType": "image/png",
        "sizeInBytes": 12,
    }


def test_ninjs_subjects_from_the_taxonomy() -> None:
    taxonomy = Taxonomy()
    doc = ninjs_document(article(), version=1, taxonomy=taxonomy)
    politics = taxonomy.topic("Politics & Government")
    assert politics is not None
    assert politics.uri.startswith("http://cv.iptc.org/newscodes/mediatopic/")
    subjects = doc["subjects"]
    assert subjects[0] == {
        "name": politics.label,
        "literal": "Politics & Government",
        "rel": "about",
        "uri": politics.uri,
    }
    # a category the taxonomy does not know keeps its name and gets no URI
    if taxonomy.topic("Harbour life") is None:
        assert subjects[1] == {"name": "Harbour life", "literal": "Harbour life", "rel": "about"}
    assert subjects[2:] == [
        {"name": "budget", "rel": "keyword"},
        {"name": "council", "rel": "keyword"},
    ]


def test_ninjs_minimal_article() -> None:
    art = article(
        authors=(), categories=(), tags=(), summary="", media=(), image=None, modified=None
    )
    doc = ninjs_document(art, version=1, taxonomy=Taxonomy())
    for absent in ("by", "subjects", "descriptions", "associations"):
        assert absent not in doc
    assert doc["versionCreated"] == doc["firstCreated"]


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=60), st.text(max_size=60))
def test_ninjs_roundtrips_any_text(headline: str, summary: str) -> None:
    art = article(headline=headline, summary=summary)
    doc = json.loads(ninjs(art, version=1, taxonomy=Taxonomy()))
    assert doc["headlines"][0]["value"] == headline
    assert doc.get("descriptions", [{"value": ""}])[0]["value"] == summary


# --- JSON-LD and Open Graph -------------------------------------------------------------------


def test_news_article_jsonld() -> None:
    data = news_article_jsonld(
        entry(article()), SITE, url="https://news.example.org/articles/harbour-budget/"
    )
    assert data["@type"] == "NewsArticle"
    assert data["dateModified"] == "2025-07-10T09:30:00Z"  # the newest correction wins
    assert data["publisher"] == {
        "@type": "NewsMediaOrganization",
        "name": SITE.name,
        "url": SITE.base_url,
    }
    assert [c["text"] for c in data["correction"]] == ["note 2", "note 3"]
    assert all(c["@type"] == "CorrectionComment" for c in data["correction"])
    assert data["version"] == "3"
    assert data["isAccessibleForFree"] is True
    json.dumps(data)  # serialisable as it is


def test_jsonld_without_base_url_uses_page_relative_image() -> None:
    site = replace(SITE, base_url=None)
    data = news_article_jsonld(entry(article(), versions=1), site, url=None)
    assert data["image"] == ["v/1/media/council.png"]
    assert "url" not in data and "mainEntityOfPage" not in data and "correction" not in data


def test_open_graph_order_is_fixed() -> None:
    tags = open_graph(entry(article()), SITE)
    assert [k for k, _ in tags] == [
        "og:type",
        "og:site_name",
        "og:title",
        "og:description",
        "og:url",
        "og:image",
        "og:image:alt",
        "article:published_time",
        "article:modified_time",
        "article:section",
        "article:tag",
        "article:tag",
    ]
    assert open_graph(entry(article()), SITE) == tags


def test_naive_dates_are_refused() -> None:
    with pytest.raises(SiteError, match="no timezone"):
        ninjs(article(published=datetime(2025, 1, 1)), version=1, taxonomy=Taxonomy())


# --- the reader's indicators (type of work, sources, methods, authors, policies) -------------


def test_type_of_work_sources_methods_and_location_in_jsonld_and_ninjs() -> None:
    art = replace(
        article(),
        genre="opinion",
        sources=("Council minutes, 3 March https://council.example/m", "Interview with the mayor"),
        methods="We read the minutes and asked every councillor.",
        location="Harbourtown",
    )
    data = news_article_jsonld(entry(art), SITE, url=None)
    assert data["@type"] == "OpinionNewsArticle" and data["genre"] == "Opinion"
    assert data["citation"] == [
        {"@type": "CreativeWork", "name": "Council minutes, 3 March",
         "url": "https://council.example/m"},
        {"@type": "CreativeWork", "name": "Interview with the mayor"},
    ]  # fmt: skip
    assert data["backstory"].startswith("We read")
    assert data["locationCreated"] == {"@type": "Place", "name": "Harbourtown"}
    doc = ninjs_document(art, version=1, taxonomy=Taxonomy())
    assert doc["genres"] == [{"name": "Opinion", "uri": "http://cv.iptc.org/newscodes/genre/Opinion"}]
    assert doc["infoSources"][0] == {"name": "Council minutes, 3 March", "uri": "https://council.example/m"}
    assert doc["places"] == [{"name": "Harbourtown"}]
    assert set(doc) <= NINJS_31_PROPERTIES
    for genre, kind in (("analysis", "AnalysisNewsArticle"), ("review", "ReviewNewsArticle"),
                        ("sponsored", "AdvertiserContentArticle")):  # fmt: skip
        typed = news_article_jsonld(entry(replace(art, genre=genre)), SITE, url=None)
        assert typed["@type"] == kind


def test_plain_article_metadata_has_no_indicators_it_does_not_hold() -> None:
    data = news_article_jsonld(entry(article()), SITE, url=None)
    assert not {"genre", "citation", "backstory", "locationCreated"} & set(data)
    doc = ninjs_document(article(), version=1, taxonomy=Taxonomy())
    assert not {"genres", "infoSources", "places"} & set(doc)


def test_authors_with_a_page_and_the_newsroom_policies() -> None:
    from permapress.config import Author
    from permapress.site.trustinfo import NewsroomPage, page_policies

    site = replace(
        SITE,
        authors=(Author("maya-cohen", art_author(), "Courts reporter", "Covers the courts.",
                        None, ("https://social.example/@maya",)),),  # fmt: skip
        pages=(
            NewsroomPage("ethics", "Ethics", "articles/ethics/index.html",
                         page_policies("ethics")),  # fmt: skip
            NewsroomPage("corrections-policy", "Corrections", "articles/corrections-policy/"
                         "index.html", page_policies("corrections-policy")),  # fmt: skip
            NewsroomPage("contact", "Contact", "articles/contact/index.html",
                         page_policies("contact")),  # fmt: skip
            NewsroomPage("about", "About", "articles/about/index.html", page_policies("about")),
        ),
    )
    data = news_article_jsonld(entry(article()), site, url=None)
    person = data["author"][0]
    assert person["url"] == "https://news.example.org/authors/maya-cohen/"
    assert person["jobTitle"] == "Courts reporter"
    assert person["sameAs"] == ["https://social.example/@maya"]
    org = data["publisher"]
    base = "https://news.example.org/articles/"
    assert org["correctionsPolicy"] == base + "corrections-policy/index.html"
    assert org["ethicsPolicy"] == org["publishingPrinciples"] == base + "ethics/index.html"
    assert org["actionableFeedbackPolicy"] == base + "contact/index.html"
    assert org["masthead"] == base + "about/index.html"


def art_author() -> str:
    return article().authors[0]
