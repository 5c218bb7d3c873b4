"""taxonomy.py: category names to IPTC Media Topics."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from permapress.articles.taxonomy import URI_PREFIX, Taxonomy, Topic, category_slug
from permapress.errors import ConfigError

MEDTOP = Path(__file__).resolve().parents[2] / "permapress" / "articles" / "medtop.toml"


@pytest.mark.parametrize(
    ("name", "code", "label"),
    [
        ("Politics & Government", "11000000", "politics"),
        ("Politics", "11000000", "politics"),
        ("politics and government", "11000000", "politics"),
        ("POLITICS + GOVERNMENT!", "11000000", "politics"),
        ("Economy", "04000000", "economy, business and finance"),
        ("Business", "04000000", "economy, business and finance"),
        ("Health", "07000000", "health"),
        ("Science & Technology", "13000000", "science and technology"),
        ("Science and Technology", "13000000", "science and technology"),
        ("Science", "13000000", "science and technology"),
        ("Technology", "13000000", "science and technology"),
        ("Environment", "06000000", "environment"),
        ("Climate", "06000000", "environment"),
        ("Culture", "01000000", "arts, culture, entertainment and media"),
        ("Arts", "01000000", "arts, culture, entertainment and media"),
        ("Sport", "15000000", "sport"),
        ("Sports", "15000000", "sport"),
        ("Education", "05000000", "education"),
        ("Crime", "02000000", "crime, law and justice"),
        ("Justice", "02000000", "crime, law and justice"),
        ("Law", "02000000", "crime, law and justice"),
        ("Conflict", "16000000", "conflict, war and peace"),
        ("War", "16000000", "conflict, war and peace"),
        ("World", "16000000", "conflict, war and peace"),
        ("Disaster", "03000000", "disaster, accident and emergency incident"),
        ("Accidents", "03000000", "disaster, accident and emergency incident"),
        ("Labour", "09000000", "labour"),
        ("Lifestyle", "10000000", "lifestyle and leisure"),
        ("Religion", "12000000", "religion"),
        ("Society", "14000000", "society"),
        ("Weather", "17000000", "weather"),
        ("Human Interest", "08000000", "human interest"),
        ("Elections", "20000574", "election"),
        ("Climate Change", "20000418", "climate change"),
        ("Media", "20000045", "mass media"),
        ("Immigration", "20000771", "immigration"),
        ("economy, business and finance", "04000000", "economy, business and finance"),
        ("medtop:15000000", "15000000", "sport"),
        ("http://cv.iptc.org/newscodes/mediatopic/17000000", "17000000", "weather"),
    ],
)
def test_builtin_names(name: str, code: str, label: str) -> None:
    topic = Taxonomy().topic(name)
    uri = f"http://cv.iptc.org/newscodes/mediatopic/{code}"
    assert topic == Topic(f"medtop:{code}", uri, label)


@pytest.mark.parametrize("name", ["Opinion", "Local News", "", "&"])
def test_unknown_names_have_no_topic(name: str) -> None:
    assert Taxonomy().topic(name) is None


def test_extra_names_from_the_newsroom_config() -> None:
    taxonomy = Taxonomy(
        {"Harbour News": "medtop:20000344", "Politics": "20000574", "Fisheries": "04012345"}
    )
    assert taxonomy.topic("harbour news") == Topic(
        "medtop:20000344", URI_PREFIX + "20000344", "economy"
    )
    assert taxonomy.topic("Politics") is not None
    assert taxonomy.topic("Politics").code == "medtop:20000574"  # type: ignore[union-attr]
    fisheries = taxonomy.topic("Fisheries")
    assert fisheries is not None and fisheries.label == "Fisheries"
    assert Taxonomy().topic("Politics").code == "medtop:11000000"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", ["politics", "1100000", "medtop:abc", ""])
def test_bad_extra_code_is_a_config_error(code: str) -> None:
    with pytest.raises(ConfigError, match="eight digits"):
        Taxonomy({"Politics": code})


def test_table_is_consistent() -> None:
    table = tomllib.loads(MEDTOP.read_text(encoding="utf-8"))
    assert len(table["topics"]) >= 17 + 40
    for code in table["topics"]:
        assert len(code) == 8 and code.isdigit()
    for name, code in table["names"].items():
        assert code in table["topics"], name
    for top in range(1, 18):
        assert f"{top:02d}000000" in table["topics"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Politics & Government", "politics-and-government"),
        ("Science & Technology", "science-and-technology"),
        ("Économie", "economie"),
        ("", "article"),
    ],
)
def test_category_slug(name: str, slug: str) -> None:
    assert category_slug(name) == slug
