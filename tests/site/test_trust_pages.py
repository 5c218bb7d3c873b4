"""The demo newsroom as a reader and a search engine see it: authors' pages, the newsroom's own
pages, every Trust Project indicator in the pages and their JSON-LD, a category alias and the
newsroom's theme; and the settings that make them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from permapress.config import load_config
from permapress.errors import ConfigError
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import read_file, resolve_path
from permapress.newsroom.demo import DEMO_NAME, import_demo
from permapress.newsroom.home import init_newsroom
from permapress.site.build import build_site

RECOUNT = "recount-confirms-ward-3-result-councillor-re-elected-by-11-votes"
OPINION = "the-night-ferry-is-not-a-luxury-the-board-should-stop-treating-it-as-one"
FLOOD = "river-esk-flood-warning-raised-as-spring-rain-saturates-the-valley"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from datetime import UTC, datetime

    home = tmp_path_factory.mktemp("trust") / "newsroom"
    init_newsroom(home, DEMO_NAME)
    with Newsroom.open(home) as newsroom:
        import_demo(newsroom, now=datetime(2025, 10, 1, 12, tzinfo=UTC))
        made = build_site(newsroom, built_at="2025-10-01T12:00:00+00:00")
    return home, made.root_cid


def read(demo: tuple[Path, str], path: str) -> str:
    home, root = demo
    with Newsroom.open(home, readonly=True) as newsroom:
        cid, _ = resolve_path(CID.parse(root), path.split("/"), newsroom.blocks.get)
        return b"".join(read_file(cid, newsroom.blocks.get)).decode("utf-8")


def jsonld(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', page, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


def test_every_indicator_is_in_the_demo_and_its_jsonld(demo: tuple[Path, str]) -> None:
    home = read(demo, "index.html")
    org = jsonld(home)
    assert org["@type"] == "NewsMediaOrganization"
    for prop, slug in (("publishingPrinciples", "ethics"), ("ethicsPolicy", "ethics"),
                       ("diversityPolicy", "ethics"), ("correctionsPolicy", "corrections-policy"),
                       ("masthead", "about"), ("actionableFeedbackPolicy", "contact")):  # fmt: skip
        assert org[prop] == f"articles/{slug}/index.html", prop
    assert org["logo"] == "assets/theme/logo.svg"
    recount = read(demo, f"articles/{RECOUNT}/index.html")
    data = jsonld(recount)
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Daniel Reyes",
            "url": "../../authors/daniel-reyes/",
            "jobTitle": "Politics and courts reporter",
            "description": "Daniel reports on the town council, elections and the magistrates' "
            "court, and has sat through every full council meeting since 2021.",
        }
    ]
    corrections = data["correction"]
    assert isinstance(corrections, list)
    assert [c["text"] for c in corrections] == [
        "Corrected the number of ballots checked in the recount: 2,946, not 2,964."
    ]
    assert "citation" in data and "backstory" in data and "locationCreated" in data
    assert 'href="../../articles/corrections-policy/index.html">How we correct' in recount
    assert "How we reported this" in recount and "Sources and references" in recount
    assert jsonld(read(demo, f"articles/{OPINION}/index.html"))["@type"] == "OpinionNewsArticle"
    assert "Environment agency river level readings" in read(demo, f"articles/{FLOOD}/index.html")


def test_newsroom_pages_are_signed_articles_kept_out_of_listings(demo: tuple[Path, str]) -> None:
    home = read(demo, "index.html")
    footer = home[home.index('<footer class="footer">') :]
    for title in ("About The Harbour Courier", "Ethics and standards", "Corrections policy",
                  "Contact us and send a tip"):  # fmt: skip
        assert f">{title}</a>" in footer
        assert f">{title}</a></h2>" not in home  # not a card
    assert "Corrections policy" not in read(demo, "feed.xml")
    assert ">Corrections policy</a></h2>" not in read(demo, "archive/2025/03/index.html")
    page = read(demo, "articles/corrections-policy/index.html")
    assert "Last updated" in page and "Download IPFS" in page
    assert "Version 1" in read(demo, "articles/corrections-policy/history/index.html")


def test_author_pages_list_their_articles_with_a_feed(demo: tuple[Path, str]) -> None:
    page = read(demo, "authors/daniel-reyes/index.html")
    assert "<h1 class=\"listing__title\">Daniel Reyes</h1>" in page
    assert "Politics and courts reporter" in page
    assert RECOUNT in page and OPINION not in page
    assert jsonld(page)["@type"] == "ProfilePage"
    assert "Recount confirms Ward 3" in read(demo, "authors/daniel-reyes/feed.xml")
    assert 'href="../../authors/ruth-calloway/index.html">Ruth Calloway' in read(
        demo, f"articles/{OPINION}/index.html"
    )


def test_an_alias_makes_one_section_and_the_theme_is_published(demo: tuple[Path, str]) -> None:
    home = read(demo, "index.html")
    assert "categories/politics/" not in home  # "Politics" stands for "Politics & Government"
    recount = read(demo, f"articles/{RECOUNT}/index.html")
    assert 'categories/politics-and-government/index.html">Politics &amp; Government' in recount
    assert read(demo, "assets/theme/logo.svg").startswith("<svg")
    assert '<link rel="icon" href="assets/theme/logo.svg">' in home
    assert "--accent: #1d4e6b;" in read(demo, "assets/site.css")
    assert "Every article The Harbour Courier filed under Health" in read(
        demo, "categories/health/index.html"
    )


def config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "permapress.toml").write_text('[newsroom]\nname = "x"\n' + text, "utf-8")
    return tmp_path


def test_authors_look_and_aliases_are_read(tmp_path: Path) -> None:
    (tmp_path / "theme" / "fonts").mkdir(parents=True)
    (tmp_path / "theme" / "logo.svg").write_text("<svg/>", "utf-8")
    (tmp_path / "theme" / "fonts" / "body.woff2").write_bytes(b"wOF2")
    home = config(tmp_path, """
[categories]
"Politics" = "Politics & Government"
"Harbour" = "medtop:20000357"
[look]
logo = "logo.svg"
accent = "#1D4E6B"
body_font = "fonts/body.woff2"
[authors.jane-doe]
name = "Jane  Doe"
role = "Health correspondent"
links = ["https://social.example/@jane"]
""")
    loaded = load_config(home)
    assert loaded.aliases == (("Politics", "Politics & Government"),)
    assert loaded.categories == (("Harbour", "medtop:20000357"),)
    assert loaded.category_names(("Politics", "Politics & Government", "Sport")) == (
        "Politics & Government", "Sport",
    )  # fmt: skip
    assert (loaded.look.logo, loaded.look.accent) == ("logo.svg", "#1d4e6b")
    assert loaded.authors[0].name == "Jane Doe" and loaded.authors[0].slug == "jane-doe"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[look]\nlogo = "https://cdn.example/logo.svg"\n', "nothing is fetched from elsewhere"),
        ('[look]\nlogo = "missing.svg"\n', "no file theme/missing.svg"),
        ('[look]\naccent = "red"\n', "accent must be a colour"),
        ('[look]\nbody_font = "../secret.woff2"\n', "must be a file in the newsroom's theme/"),
        ('[authors.Jane]\nname = "Jane"\n', "lowercase letters"),
        ("[authors.jane]\nrole = \"x\"\n", "needs a name"),
        ('[authors.jane]\nname = "J"\nlinks = ["ftp://x"]\n', "links must be a list"),
        ('[categories]\n"A" = "B"\n"B" = "C"\n', "not itself an alias"),
    ],
)
def test_bad_settings_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(config(tmp_path, text))


def test_a_ninjs_genre_is_the_type_of_work(tmp_path: Path) -> None:
    """ninjs written for an opinion piece reads back as one; IPTC's codes count too."""
    from datetime import UTC, datetime

    from permapress.articles import ninjs as reader
    from permapress.articles.model import Article
    from permapress.articles.taxonomy import Taxonomy
    from permapress.site.metadata import ninjs_document

    art = Article("The ferry", "the-ferry", datetime(2025, 9, 1, tzinfo=UTC), None, ("Ruth",),
                  (), (), "", "en", "Keep the night ferry.", genre="opinion")  # fmt: skip
    doc = ninjs_document(art, version=1, taxonomy=Taxonomy())
    (tmp_path / "a.json").write_text(json.dumps(doc), "utf-8")
    assert reader.read(tmp_path / "a.json")[0].genre == "opinion"
    doc["genres"] = [{"name": "Hintergrund", "uri": "http://cv.iptc.org/newscodes/genre/Background"}]
    (tmp_path / "b.json").write_text(json.dumps(doc), "utf-8")
    assert reader.read(tmp_path / "b.json")[0].genre == "explainer"
    del doc["genres"]
    (tmp_path / "c.json").write_text(json.dumps(doc), "utf-8")
    assert reader.read(tmp_path / "c.json")[0].genre == ""
