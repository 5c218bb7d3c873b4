"""slug.py: vectors and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permapress.articles.slug import headline_slug, slugify

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Politics & Government", "politics-and-government"),
        (
            "Netanyahu, Trump Push for Gaza Ceasefire in DC Talks",
            "netanyahu-trump-push-for-gaza-ceasefire-in-dc-talks",
        ),
        ("The Mayor's Budget", "the-mayors-budget"),
        ("Council’s vote", "councils-vote"),
        ("Café São Paulo", "cafe-sao-paulo"),
        ("Ærø Straße Łódź Øresund", "aero-strasse-lodz-oresund"),
        ("Seed bank adds 1,200 samples", "seed-bank-adds-1200-samples"),
        ("  --Already-a-slug--  ", "already-a-slug"),
        ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),
        ("Москва", "article"),  # plain slugify keeps Latin letters only: see headline_slug
        ("", "article"),
        ("!!!", "article"),
    ],
)
def test_slugify_vectors(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_cuts_long_text_at_a_word_boundary() -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80
    assert slug.endswith("word")
    assert slugify("x" * 200) == "x" * 80


@given(st.text(max_size=300))
def test_slugify_always_gives_a_valid_slug(text: str) -> None:
    slug = slugify(text)
    assert SLUG.fullmatch(slug)
    assert len(slug) <= 80
    assert slugify(slug) == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Москва", "moskva"),
        ("Путин встретился с Си", "putin-vstretilsia-s-si"),
        ("Οι εκλογές 2024", "oi-ekloges-2024"),
        ("서울 시장 선거", "seoul-sijang-seongeo"),
        ("Café Москва", "cafe"),  # Latin letters present: the plain slug
        ("Politics & Government", "politics-and-government"),
        ("🎉🎉", "article"),  # no letters at all
    ],
)
def test_headline_slug_transliterates_other_scripts(text: str, slug: str) -> None:
    assert headline_slug(text) == slug
