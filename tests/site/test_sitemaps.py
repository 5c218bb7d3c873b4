"""sitemap.xml, news-sitemap.xml and robots.txt."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from permapress.articles.model import Article
from permapress.errors import SiteError
from permapress.site.sitemaps import (
    NEWS_LIMIT,
    NEWS_NS,
    SITEMAP_NS,
    XmlOut,
    news_sitemap_xml,
    robots_txt,
    sitemap_xml,
)
from permapress.site.views import ArticleEntry, SiteInfo, VersionInfo

WEB = SiteInfo("The Harbour Ledger & Co", "News", "en", "https://news.example.org/")
LOCAL = replace(WEB, base_url=None)
NS = {"s": SITEMAP_NS, "n": NEWS_NS}
START = datetime(2025, 1, 1, tzinfo=UTC)


def make(i: int, language: str = "en") -> ArticleEntry:
    art = Article(
        headline=f"Headline <{i}>",
        slug=f"a-{i}",
        published=START + timedelta(hours=i),
        modified=None,
        authors=(),
        categories=(),
        tags=(),
        summary="",
        language=language,
        body="Body.",
    )
    return ArticleEntry(art, "bafkqaaa", (VersionInfo(1, "bafkqaaa", art.published, ""),))


def test_sitemap_with_base_url() -> None:
    data = sitemap_xml(WEB, [("", None), ("articles/a-1/", START), ("categories/x/", None)])
    root = etree.fromstring(data)
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    assert root.xpath("//s:loc/text()", namespaces=NS) == [
        "https://news.example.org/",
        "https://news.example.org/articles/a-1/",
        "https://news.example.org/categories/x/",
    ]
    assert root.xpath("//s:lastmod/text()", namespaces=NS) == ["2025-01-01T00:00:00Z"]
    assert b"<!--" not in data
    assert data == sitemap_xml(WEB, [("", None), ("articles/a-1/", START), ("categories/x/", None)])


def test_sitemap_without_base_url_says_why_urls_are_relative() -> None:
    data = sitemap_xml(LOCAL, [("", None), ("articles/a-1/", None)])
    comment = data.split(b"<urlset", 1)[0]
    assert b"base_url" in comment and b"relative" in comment
    root = etree.fromstring(data)
    assert root.xpath("//s:loc/text()", namespaces=NS) == ["./", "articles/a-1/"]


def test_news_sitemap() -> None:
    data = news_sitemap_xml(WEB, [make(1), make(2, "pt-BR")])
    root = etree.fromstring(data)
    urls = root.xpath("/s:urlset/s:url", namespaces=NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [
        "https://news.example.org/articles/a-2/",
        "https://news.example.org/articles/a-1/",
    ]
    news = urls[0].find("n:news", NS)
    assert news.findtext("n:publication/n:name", namespaces=NS) == "The Harbour Ledger & Co"
    assert news.findtext("n:publication/n:language", namespaces=NS) == "pt-br"
    assert news.findtext("n:publication_date", namespaces=NS) == "2025-01-01T02:00:00Z"
    assert news.findtext("n:title", namespaces=NS) == "Headline <2>"


def test_news_sitemap_keeps_the_newest_thousand() -> None:
    entries = [make(i) for i in range(NEWS_LIMIT + 5)]
    root = etree.fromstring(news_sitemap_xml(WEB, entries[::-1]))
    locs = root.xpath("//s:loc/text()", namespaces=NS)
    assert len(locs) == NEWS_LIMIT == 1000
    assert locs[0].endswith(f"a-{NEWS_LIMIT + 4}/") and locs[-1].endswith("a-5/")


def test_robots_txt() -> None:
    assert robots_txt(WEB).decode().splitlines() == [
        "User-agent: *",
        "Allow: /",
        "",
        "Sitemap: https://news.example.org/sitemap.xml",
        "Sitemap: https://news.example.org/news-sitemap.xml",
    ]
    text = robots_txt(LOCAL).decode()
    assert "Sitemap:" not in text.replace("# Sitemap", "")
    assert text.startswith("User-agent: *\nAllow: /\n") and text.endswith("\n")


def test_xml_writer_escapes_and_drops_forbidden_characters() -> None:
    out = XmlOut()
    out.comment("a -- b")
    out.start("root", [("a", 'x"<&>\n')])
    out.leaf("t", "1 < 2 & \x01bell\r")
    out.leaf("e")
    data = out.data()
    root = etree.fromstring(data)
    assert root.get("a") == 'x"<&>\n'
    assert root.findtext("t") == "1 < 2 & bell\r"
    assert root.find("e") is not None and root.find("e").text is None


def test_naive_lastmod_is_refused() -> None:
    with pytest.raises(SiteError, match="no timezone"):
        sitemap_xml(WEB, [("x/", datetime(2025, 1, 1))])


def test_sitemap_index_lists_sitemaps_relative_to_itself() -> None:
    from datetime import UTC, datetime

    from permapress.site.sitemaps import sitemap_index_xml, sitemap_xml
    from permapress.site.views import SiteInfo

    site = SiteInfo(name="X", tagline="", language="en", base_url=None)
    when = datetime(2025, 7, 8, 9, 0, tzinfo=UTC)
    index = sitemap_index_xml(site, [("sitemaps/2025-07.xml", when)], from_path="sitemap.xml")
    assert b"<sitemapindex" in index and b"<loc>sitemaps/2025-07.xml</loc>" in index
    assert b"<lastmod>2025-07-08" in index
    month = sitemap_xml(site, [("articles/a/", when)], from_path="sitemaps/2025-07.xml")
    assert b"<loc>../articles/a/</loc>" in month
    absolute = SiteInfo(name="X", tagline="", language="en", base_url="https://news.example/")
    assert b"<loc>https://news.example/sitemaps/2025-07.xml</loc>" in sitemap_index_xml(
        absolute, [("sitemaps/2025-07.xml", None)], from_path="sitemap.xml"
    )


@pytest.mark.parametrize("value", ["plain", 'say "hi"', "it's", "both ' and \"", "a&b<c>\n\t\r"])
def test_our_xml_escaping_is_the_standard_library_s(value: str) -> None:
    from xml.sax.saxutils import escape as sax_escape
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    from permapress.site.sitemaps import escape, quoteattr

    assert escape(value) == sax_escape(value)
    assert quoteattr(value) == sax_quoteattr(value)


@pytest.mark.parametrize(
    "value",
    ["plain", "https://x.example/a?b", "it's", 'say "hi"', "a&b", "t\tab", "\x01bell", "é\ufffe"],
)
def test_the_writer_quotes_attributes_and_text_as_quoteattr_and_xml_text_do(value: str) -> None:
    from permapress.site.sitemaps import quoteattr, xml_text

    out = XmlOut()
    out.leaf("e", value, attrs=[("a", value)])
    cleaned = value.replace("\x01", "").replace("\ufffe", "")
    assert out.data().decode().splitlines()[1] == (
        f"<e a={quoteattr(cleaned)}>{xml_text(value)}</e>"
    )
    assert xml_text(value) == cleaned.replace("&", "&amp;").replace("<", "&lt;")
