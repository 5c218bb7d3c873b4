"""Structural tests of the rendered pages: links, the Download IPFS box, metadata, determinism."""

from __future__ import annotations

import json
import posixpath
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import html as lxml_html

from permapress.articles.model import Article, Media
from permapress.errors import SiteError
from permapress.site import templating
from permapress.site.render import (
    listing_path,
    month_title,
    relative_root,
    render_archive_index,
    render_article_page,
    render_bundle_index,
    render_listing,
    render_not_found,
)
from permapress.site.render_record import render_diff_page, render_history_page
from permapress.site.storyparts import letter_icon
from permapress.site.theme import PACKAGE_THEME
from permapress.site.views import ArticleEntry, Section, SiteInfo, VersionInfo

CID1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
CID2 = "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
SITE = SiteInfo(
    name="The Harbour Ledger",
    tagline="Independent news from the coast",
    language="en",
    base_url=None,
    fingerprint="ed25519:4f2a9c",
    sections=(
        Section("Politics & Government", "politics-and-government"),
        Section("Health", "health"),
    ),
)
WEB = replace(SITE, base_url="https://news.example.org/")


def article(slug: str = "gaza-ceasefire-talks", **changes: object) -> Article:
    base = Article(
        headline="Netanyahu, Trump Push for Gaza Ceasefire in DC Talks",
        slug=slug,
        published=datetime(2025, 7, 8, 9, 30, tzinfo=UTC),
        modified=None,
        authors=("Maya Cohen", "Sam Ortiz"),
        categories=("Politics & Government",),
        tags=("Gaza", "Diplomacy"),
        summary="Talks at the White House as negotiators meet in Doha.",
        language="en",
        body=(
            "Israeli Prime Minister Benjamin Netanyahu traveled to Washington this week.\n\n"
            "![The harbour at dawn](media/lead.png)\n\n"
            "Yet the path to peace remains complex."
        ),
        media=(Media("lead.png", PNG, "image/png"),),
        image="lead.png",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def entry(art: Article | None = None, versions: int = 2) -> ArticleEntry:
    art = art or article()
    infos = tuple(
        VersionInfo(
            number=n,
            bundle_cid=CID1 if n == versions else CID2,
            created=art.published + timedelta(days=n - 1),
            note="First published." if n == 1 else f"Corrected the number of hostages (v{n}).",
        )
        for n in range(1, versions + 1)
    )
    return ArticleEntry(article=art, bundle_cid=CID1, versions=infos)


def parse(data: bytes) -> lxml_html.HtmlElement:
    assert data.startswith(b"<!doctype html>")
    return lxml_html.fromstring(data)


def links(doc: lxml_html.HtmlElement) -> list[str]:
    return [str(v) for v in doc.xpath("//@href | //@src")]


def jsonld(doc: lxml_html.HtmlElement) -> dict[str, object]:
    scripts = doc.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    assert isinstance(data, dict)
    return data


def og(doc: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    return [(m.get("property"), m.get("content")) for m in doc.xpath("//meta[@property]")]


def assert_relative(doc: lxml_html.HtmlElement, base_url: str | None = None) -> None:
    """Every link is relative; absolute http(s) only in metadata derived from the base URL."""
    for link in links(doc):
        if link.startswith("ipfs://"):
            continue
        assert not link.startswith("/"), link
        assert "://" not in link or (base_url and link.startswith(base_url)), link
    for el in doc.xpath("//a[@href] | //img[@src] | //link[@rel='stylesheet']"):
        target = el.get("href") or el.get("src")
        assert target.startswith("ipfs://") or "://" not in target, target


# --- the bundle's own page ---------------------------------------------------------------------


def test_bundle_index_is_self_contained() -> None:
    data = render_bundle_index(article(), site_name="The Harbour Ledger", version=3)
    doc = parse(data)
    assert doc.xpath("//link[@rel='stylesheet']") == []
    assert "font-family" in doc.xpath("//style")[0].text
    assert [s.get("type") for s in doc.xpath("//script")] == ["application/ld+json"]
    assert_relative(doc)
    # nothing outside the folder but the way back: inside the site, a version's bundle is
    # articles/<slug>/v/<n>/, so the masthead leads to the front page and the strip to the article
    assert doc.xpath("//a/@href") == ["#content", "../../../../index.html", "../../index.html"]
    assert doc.xpath("//img/@src") == ["media/lead.png", "media/lead.png"]
    text = doc.text_content()
    assert "This is version 3 of an article published by The Harbour Ledger" in text
    assert "CID of this folder" in text
    assert "bafy" not in data.decode()
    assert doc.xpath("//h1")[0].text_content() == article().headline
    assert "Politics & Government" in text and "Maya Cohen and Sam Ortiz" in text
    assert doc.xpath("//time/@datetime")[0] == "2025-07-08T09:30:00Z"
    assert doc.get("lang") == "en"


def test_bundle_index_metadata() -> None:
    doc = parse(render_bundle_index(article(), site_name="The Harbour Ledger"))
    data = jsonld(doc)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article().headline
    assert data["image"] == ["media/lead.png"]
    assert data["publisher"] == {"@type": "Organization", "name": "The Harbour Ledger"}
    assert "identifier" not in data and "url" not in data
    tags = dict(og(doc))
    assert tags["og:type"] == "article"
    assert tags["article:published_time"] == "2025-07-08T09:30:00Z"
    assert "og:image" not in tags and "og:url" not in tags
    assert "one version of an article" in doc.text_content()


def test_bundle_index_shows_publisher_and_skips_external_images() -> None:
    art = article(image="https://cdn.example.com/x.jpg", media=(), body="Plain text.")
    doc = parse(render_bundle_index(art, site_name="L", published_by="Desk editor, key 4f2a"))
    assert doc.xpath("//img") == []
    assert "Published by: Desk editor, key 4f2a" in doc.text_content()
    assert dict(og(doc))["og:image"] == "https://cdn.example.com/x.jpg"


def test_bundle_pages_of_newsrooms_and_versions_in_turn_keep_their_own_frame() -> None:
    """The frame around a bundle's story is made once per newsroom and version number: pages
    rendered in turn each show their own name, icon, strip and links."""
    pages = {
        (name, version): parse(render_bundle_index(article(), site_name=name, version=version))
        for _ in range(2)
        for name in ("Ledger", "Zeitung")
        for version in (None, 1, 2)
    }
    for (name, version), doc in pages.items():
        assert doc.xpath("//p[contains(@class, 'masthead__name')]")[0].text_content() == name
        assert doc.xpath("//link[@rel='icon']/@href")[0] == letter_icon(name)
        strip = doc.xpath("//p[contains(@class, 'strip')]")[0].text_content()
        if version is None:
            assert strip == "Permanent copy"
            assert doc.xpath("//a/@href") == ["#content"]
        else:
            assert strip == f"Permanent copy · version {version} · Back to the article"
            assert doc.xpath("//a/@href")[1:] == ["../../../../index.html", "../../index.html"]


def test_bundle_foot_lists_categories_and_topics() -> None:
    for categories, filed in [
        ((), ""),
        (("Politics & Government",), "Filed under: Politics & Government"),
        (("A <b>", "B & C", "D"), "Filed under: A <b>, B & C, D"),
    ]:
        data = render_bundle_index(article(categories=categories), site_name="L")
        foot = parse(data).xpath("//p[contains(@class, 'categories')]")[0].text_content()
        assert " ".join(foot.split()) == filed + "Topics: Gaza, Diplomacy"
        assert "A <b>" not in data.decode()


def test_a_frame_made_once_renders_as_the_values_it_holds() -> None:
    own = {"site_name": "The Harbour Ledger ▾", "strip": "Permanent copy", "home_href": None}
    page = {"lang": "en", "page_title": "T", "description": "D", "provenance": "P",
            "has_media": False, "published_by": None, **templating.story(article(), [], "")}
    frame = templating.page_frame(PACKAGE_THEME, **own)
    framed = templating.render_template(PACKAGE_THEME, "bundle.html", **{**frame, **page})
    assert framed == templating.render_template(PACKAGE_THEME, "bundle.html", **own, **page)


# --- the article page --------------------------------------------------------------------------


def test_article_page_download_box() -> None:
    doc = parse(
        render_article_page(entry(), SITE, category_slugs={"Politics & Government": "politics"})
    )
    downloads = [a for a in doc.xpath("//a") if a.text_content() == "Download IPFS"]
    assert len(downloads) == 1
    assert downloads[0].get("href") == "gaza-ceasefire-talks.car"
    assert "download" in downloads[0].attrib
    assert doc.xpath("//code[@class='cid']")[0].text == CID1
    assert doc.xpath(f"//a[@href='ipfs://{CID1}']")
    read = [a for a in doc.xpath("//a") if a.text_content() == "Read this version as published"]
    assert [a.get("href") for a in read] == ["v/2/index.html"]
    assert "verify offline and re-host on any IPFS node" in doc.text_content()
    assert_relative(doc)


def test_article_page_links_and_images() -> None:
    doc = parse(
        render_article_page(entry(), SITE, category_slugs={"Politics & Government": "politics"})
    )
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["../../assets/site.css"]
    assert "../../categories/politics/index.html" in links(doc)
    assert doc.xpath("//figure[@class='lead']/img/@src") == ["v/2/media/lead.png"]
    assert doc.xpath("//div[@class='body']//img/@src") == ["v/2/media/lead.png"]
    feeds = doc.xpath("//link[@rel='alternate']")
    assert [(f.get("type"), f.get("href")) for f in feeds] == [
        ("application/atom+xml", "../../feed.xml"),
        ("application/rss+xml", "../../rss.xml"),
        ("application/feed+json", "../../feed.json"),
    ]
    assert doc.xpath("//time/@datetime")[0] == "2025-07-08T09:30:00Z"
    updated = doc.xpath("//p[@class='updated']")[0].text_content()
    assert updated.startswith("Updated July 9, 2025:")
    assert "Corrected the number of hostages (v2)." in updated
    history = [a.get("href") for a in doc.xpath("//section[@class='versions']//a")]
    assert history == ["v/1/index.html", "v/2/index.html"]
    assert "Publisher key: ed25519:4f2a9c" in doc.text_content()


def test_article_page_single_version_has_no_update_note() -> None:
    doc = parse(render_article_page(entry(versions=1), SITE, category_slugs={}))
    assert doc.xpath("//p[@class='updated']") == []
    # no slug known for the category: shown as text, not as a dead link
    assert doc.xpath("//p[@class='kicker']/a") == []
    assert doc.xpath("//p[@class='kicker']/span[not(@class)]")[0].text == "Politics & Government"
    assert doc.xpath("//p[@class='kicker']/span[contains(@class,'genre')]/text()") == ["News"]
    assert "Updated" not in doc.xpath("//p[contains(@class,'byline')]")[0].text_content()
    assert doc.xpath("//figure[@class='lead']/img/@src") == ["v/1/media/lead.png"]
    # an image alone in its paragraph is a figure, captioned with its description
    assert doc.xpath("//div[@class='body']/figure/figcaption/text()") == ["The harbour at dawn"]
    assert "correction" not in jsonld(doc)


def test_article_page_jsonld() -> None:
    doc = parse(
        render_article_page(entry(), WEB, category_slugs={"Politics & Government": "politics"})
    )
    data = jsonld(doc)
    url = "https://news.example.org/articles/gaza-ceasefire-talks/"
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == article().headline
    assert data["datePublished"] == "2025-07-08T09:30:00Z"
    assert data["dateModified"] == "2025-07-09T09:30:00Z"
    assert data["author"] == [
        {"@type": "Person", "name": "Maya Cohen"},
        {"@type": "Person", "name": "Sam Ortiz"},
    ]
    assert data["articleSection"] == ["Politics & Government"]
    assert data["keywords"] == ["Gaza", "Diplomacy"]
    assert data["image"] == [url + "v/2/media/lead.png"]
    assert data["inLanguage"] == "en"
    assert data["publisher"]["name"] == "The Harbour Ledger"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["identifier"]["value"] == CID1
    assert data["archivedAt"] == f"ipfs://{CID1}"
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Corrected the number of hostages (v2).",
            "datePublished": "2025-07-09T09:30:00Z",
        }
    ]
    assert doc.xpath("//link[@rel='canonical']/@href") == [url]
    assert_relative(doc, WEB.base_url)


def test_article_page_open_graph() -> None:
    doc = parse(render_article_page(entry(), WEB, category_slugs={}))
    tags = og(doc)
    props = dict(tags)
    assert props["og:type"] == "article"
    assert props["og:title"] == article().headline
    assert props["og:description"] == article().summary
    assert props["og:url"] == "https://news.example.org/articles/gaza-ceasefire-talks/"
    assert (
        props["og:image"]
        == "https://news.example.org/articles/gaza-ceasefire-talks/v/2/media/lead.png"
    )
    assert props["article:published_time"] == "2025-07-08T09:30:00Z"
    assert props["article:modified_time"] == "2025-07-09T09:30:00Z"
    assert props["article:section"] == "Politics & Government"
    assert [v for k, v in tags if k == "article:tag"] == ["Gaza", "Diplomacy"]
    # without a base URL there is nothing absolute to give
    props = dict(og(parse(render_article_page(entry(), SITE, category_slugs={}))))
    assert "og:image" not in props and "og:url" not in props


def test_text_is_escaped_and_script_cannot_be_closed() -> None:
    hostile = "</script><script>alert(1)</script> & <b>bold</b>"
    art = article(headline=hostile, summary=hostile, tags=(hostile,))
    data = render_article_page(entry(art), SITE, category_slugs={}).decode()
    assert "<script>alert(1)" not in data
    assert "<b>bold</b>" not in data
    doc = parse(data.encode())
    assert doc.xpath("//h1")[0].text_content() == hostile
    assert jsonld(doc)["headline"] == hostile


def test_rendering_is_deterministic() -> None:
    e = entry()
    assert render_article_page(e, WEB, category_slugs={"x": "y"}) == render_article_page(
        e, WEB, category_slugs={"x": "y"}
    )
    assert render_bundle_index(article(), site_name="L") == render_bundle_index(
        article(), site_name="L"
    )
    listing = {"title": "T", "entries": [e], "page": 1, "pages": 1, "root": "", "kind": "home"}
    assert render_listing(SITE, **listing) == render_listing(SITE, **listing)  # type: ignore[arg-type]


def test_times_keep_their_offset() -> None:
    art = article(published=datetime(2025, 7, 8, 23, 30, tzinfo=timezone(timedelta(hours=-4))))
    doc = parse(render_bundle_index(art, site_name="L"))
    assert doc.xpath("//time/@datetime")[0] == "2025-07-08T23:30:00-04:00"
    assert doc.xpath("//time")[0].text == "July 8, 2025"


def test_naive_time_is_a_site_error() -> None:
    art = article(published=datetime(2025, 7, 8, 9, 30))
    with pytest.raises(SiteError, match="no timezone"):
        render_bundle_index(art, site_name="L")


# --- listings, archive, 404 ------------------------------------------------------------------


def many(n: int) -> list[ArticleEntry]:
    out = []
    for i in range(n):
        art = article(
            slug=f"story-{i:02d}",
            headline=f"Story number {i}",
            published=datetime(2025, 7, 1, tzinfo=UTC) + timedelta(hours=i),
            categories=("Health",) if i % 2 else ("Politics & Government", "Elections 2025"),
            media=() if i % 3 else article().media,
            image=None if i % 3 else "lead.png",
        )
        out.append(entry(art, versions=1 + i % 2))
    return out


def test_home_page_lead_story_and_grid() -> None:
    entries = many(5)
    doc = parse(
        render_listing(
            SITE,
            title=SITE.name,
            entries=entries,
            page=1,
            pages=3,
            root="",
            kind="home",
            feeds=None,
        )
    )
    assert doc.xpath("//h1")[0].text_content() == SITE.name
    top = doc.xpath("//article[contains(@class,'top')]//h2/a")[0]
    assert top.text == "Story number 4" and top.get("href") == "articles/story-04/index.html"
    # a lead story without a picture has the next two beside it, not an empty third
    side = [a.text for a in doc.xpath("//li[@class='side__item']//h2/a")]
    assert side == ["Story number 3", "Story number 2"]
    cards = [a.text for a in doc.xpath("//li[contains(@class,'card')]//h2/a")]
    assert cards == ["Story number 1", "Story number 0"]
    assert "articles/story-00/v/1/media/lead.png" in links(doc)
    assert "categories/health/index.html" in links(doc)
    assert doc.xpath("//a[@aria-current='page']")[0].text == "Front page"
    pager = doc.xpath("//nav[@class='pagination']//a/@href")
    assert pager == ["page/2/index.html", "page/3/index.html", "page/2/index.html"]
    assert_relative(doc)


def test_later_pages_link_back() -> None:
    doc = parse(
        render_listing(
            SITE,
            title="Health",
            entries=many(2),
            page=2,
            pages=3,
            root="../../../../",
            kind="category",
            feeds={"atom": "categories/health/feed.xml"},
        )
    )
    pager = doc.xpath("//nav[@class='pagination']//a")
    assert [(a.text, a.get("href")) for a in pager] == [
        ("Newer", "../../index.html"),
        ("1", "../../index.html"),
        ("3", "../3/index.html"),
        ("Older", "../3/index.html"),
    ]
    assert doc.xpath("//h1")[0].text == "Health"
    assert doc.xpath("//title")[0].text == "Health — page 2 — The Harbour Ledger"
    assert doc.xpath("//link[@rel='alternate']/@href") == ["../../../../categories/health/feed.xml"]
    assert set(doc.xpath("//nav[@class='sections']//a[@aria-current]/@href")) == {
        "../../../../categories/health/index.html"
    }
    assert doc.xpath("//article[contains(@class,'top')]") == []


def test_listing_rejects_bad_arguments() -> None:
    with pytest.raises(SiteError, match="kind"):
        render_listing(SITE, title="x", entries=[], page=1, pages=1, root="", kind="tag")  # type: ignore[arg-type]
    with pytest.raises(SiteError, match="page 4"):
        render_listing(SITE, title="x", entries=[], page=4, pages=3, root="", kind="home")
    with pytest.raises(SiteError, match="feed kind"):
        render_listing(
            SITE, title="x", entries=[], page=1, pages=1, root="", kind="home", feeds={"xml": "a"}
        )


def test_empty_listing_says_so() -> None:
    doc = parse(render_listing(SITE, title="x", entries=[], page=1, pages=1, root="", kind="home"))
    assert "Nothing has been published here yet." in doc.text_content()


def test_archive_index_groups_by_year() -> None:
    doc = parse(render_archive_index(SITE, [(2024, 12, 3), (2025, 7, 1), (2025, 6, 12)]))
    assert [h.text for h in doc.xpath("//div[@class='archive']//h2")] == ["2025", "2024"]
    rows = [(a.text, a.get("href")) for a in doc.xpath("//div[@class='archive']//a")]
    assert rows == [
        ("July 2025", "2025/07/index.html"),
        ("June 2025", "2025/06/index.html"),
        ("December 2024", "2024/12/index.html"),
    ]
    assert "1 article" in doc.text_content() and "12 articles" in doc.text_content()
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["../assets/site.css"]
    assert month_title(2025, 7, "en") == "July 2025"


def test_not_found_page_works_at_any_depth() -> None:
    doc = parse(render_not_found(SITE))
    assert doc.xpath("//link[@rel='stylesheet']") == [] and doc.xpath("//style")
    found = set(links(doc)) - {"#content", "index.html"}
    # the section bar and footer link from the server's root; the icon is in the page itself
    assert all(link.startswith(("/", "data:image/svg+xml,")) for link in found), found
    assert {"/", "/index.html", "/archive/index.html"} <= found
    assert "Page not found" in doc.text_content()


def test_path_helpers() -> None:
    assert relative_root("index.html") == ""
    assert relative_root("articles/x/index.html") == "../../"
    assert listing_path("", 1) == "index.html"
    assert listing_path("categories/x/", 3) == "categories/x/page/3/index.html"


def test_bad_base_url_is_a_site_error() -> None:
    with pytest.raises(SiteError, match="must be absolute and end with '/'"):
        SiteInfo("n", "t", "en", "news.example.org")


def test_every_internal_link_resolves_within_a_built_site() -> None:
    """Render a small site the way the builder lays it out; every relative link must land on a
    page of it (history and change pages included), on a bundle folder
    (articles/<slug>/v/<n>/…) or on a CAR file."""
    entries = many(5)
    slugs = {
        "Politics & Government": "politics-and-government",
        "Health": "health",
        "Elections 2025": "elections-2025",
    }
    pages: dict[str, bytes] = {}
    for e in entries:
        pages[f"articles/{e.article.slug}/index.html"] = render_article_page(
            e, SITE, category_slugs=slugs
        )
        base = f"articles/{e.article.slug}/history/"
        pages[base + "index.html"] = render_history_page(e, SITE, downloads=True, records={})
        for v in e.versions[1:]:
            pages[f"{base}{v.number}/index.html"] = render_diff_page(
                e, SITE, number=v.number, diff="a <ins>b</ins>", inserted=1, deleted=0
            )
    for n in (1, 2):
        pages[listing_path("", n)] = render_listing(
            SITE,
            title=SITE.name,
            entries=entries,
            page=n,
            pages=2,
            root=relative_root(listing_path("", n)),
            kind="home",
            category_slugs=slugs,
        )
    for name, slug in slugs.items():
        path = listing_path(f"categories/{slug}/", 1)
        pages[path] = render_listing(
            SITE,
            title=name,
            entries=entries,
            page=1,
            pages=1,
            root=relative_root(path),
            kind="category",
            category_slugs=slugs,
        )
    pages["archive/2025/07/index.html"] = render_listing(
        SITE, title="July 2025", entries=entries, page=1, pages=1, root="../../../", kind="archive"
    )
    pages["archive/index.html"] = render_archive_index(SITE, [(2025, 7, 5)])
    files = set(pages) | {"assets/site.css", "feed.xml", "rss.xml", "feed.json"}
    files |= {"verify/index.html", "assets/pp-verify.js"}  # the verifier page, the badge script
    for e in entries:
        files.add(f"articles/{e.article.slug}/{e.article.slug}.car")
        for v in e.versions:
            files.add(f"articles/{e.article.slug}/{e.article.slug}-v{v.number}.car")
    checked = 0
    for path, data in pages.items():
        for link in links(parse(data)):
            if link.startswith(("ipfs://", "#", "data:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
            assert not target.startswith(".."), (path, link)
            if "/v/" in target:
                assert target.startswith("articles/") and target.split("/")[3].isdigit(), target
            else:
                assert target in files, (path, link)
            checked += 1
    assert checked > 200


def test_an_article_in_another_language_is_marked() -> None:
    french = article(slug="port-fr", language="fr", headline="Le port rouvre")
    doc = parse(render_article_page(entry(french), SITE, category_slugs={}))
    assert doc.get("lang") == "en"  # the site's navigation and footer
    assert doc.xpath("//article[@class='story']/@lang") == ["fr"]
    listing = parse(
        render_listing(
            SITE,
            title="x",
            entries=[entry(french), entry()],
            page=1,
            pages=1,
            root="",
            kind="category",
        )
    )
    assert listing.xpath("//article[@lang='fr']//h2/a/text()") == ["Le port rouvre"]
    assert len(listing.xpath("//article[@lang]")) == 1


def test_lead_image_caption_comes_from_the_body() -> None:
    doc = parse(render_bundle_index(article(), site_name="L"))
    figure = doc.xpath("//figure[@class='lead']")[0]
    assert figure.xpath("img/@alt") == ["The harbour at dawn"]
    assert figure.xpath("figcaption/text()") == ["The harbour at dawn"]
    bare = article(body="No pictures in the text.")
    figure = parse(render_bundle_index(bare, site_name="L")).xpath("//figure[@class='lead']")[0]
    assert figure.xpath("img/@alt") == [""] and figure.xpath("figcaption") == []
