"""document.py: article.md is byte-stable and reads back to the same article."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles import markdown
from permapress.articles.document import from_markdown, quote, to_markdown
from permapress.articles.model import Article, Media, validate
from permapress.articles.sanitize import sanitize_markdown
from permapress.articles.slug import slugify
from permapress.errors import ArticleError

from .conftest import GIF, JPEG, PNG, make_article

GOLDEN = """\
---
title: "Harbour council passes its budget"
slug: "harbour-council-passes-its-budget"
date: 2025-03-12T23:10:00+00:00
lastmod: 2025-03-13T09:00:00+01:00
authors: ["Mirela Sandoval", "Tom \\"T\\" Ashby"]
categories: ["Politics & Government"]
tags: ["budget"]
summary: "The council voted."
lang: "en"
image: "media/harbour.jpg"
media: ["harbour.jpg"]
draft: true
---

The council voted seven to four.
"""


def test_golden_bytes(jpeg_media: Media) -> None:
    article = make_article(
        modified=datetime(2025, 3, 13, 9, tzinfo=timezone(timedelta(hours=1))),
        authors=("Mirela Sandoval", 'Tom "T" Ashby'),
        media=(jpeg_media,),
        image="harbour.jpg",
        draft=True,
    )
    assert to_markdown(article) == GOLDEN
    assert from_markdown(GOLDEN, [jpeg_media]) == article


def test_optional_keys_are_left_out(article: Article) -> None:
    text = to_markdown(article)
    for key in ("lastmod:", "image:", "media:", "draft:"):
        assert key not in text
    assert text.endswith("---\n\nThe council voted seven to four.\n")


def test_remote_image_is_written_as_is() -> None:
    article = make_article(image="https://images.example/a.jpg")
    assert 'image: "https://images.example/a.jpg"' in to_markdown(article)
    assert from_markdown(to_markdown(article)) == article


def test_standard_yaml_readers_accept_the_front_matter(jpeg_media: Media) -> None:
    article = make_article(
        headline='Quotes " and \\ backslash\tand tab',
        summary="Line\u2028separator, NEL\x85 and \x07 bell",
        tags=("yes", "no", "null", "1.10", "2025-07-08"),
        media=(jpeg_media,),
        image="harbour.jpg",
    )
    front = to_markdown(article).split("---\n")[1]
    loaded = yaml.safe_load(front)
    assert loaded["title"] == article.headline
    assert loaded["tags"] == list(article.tags)
    assert loaded["date"] == article.published


def test_without_media_bytes_the_lead_image_name_stays(jpeg_media: Media) -> None:
    article = make_article(media=(jpeg_media,), image="harbour.jpg")
    back = from_markdown(to_markdown(article))
    assert back.media == ()
    assert back.image == "harbour.jpg"


def test_media_must_match_the_list(jpeg_media: Media) -> None:
    text = to_markdown(make_article(media=(jpeg_media,), image="harbour.jpg"))
    with pytest.raises(ArticleError, match="lists media 'harbour.jpg' that was not given"):
        from_markdown(text, [])
    other = Media("other.png", PNG, "image/png")
    with pytest.raises(ArticleError, match="media 'other.png' is not listed"):
        from_markdown(text, [jpeg_media, other])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "has no front matter"),
        ("---\nslug: \"s\"\ndate: 2025-01-01T00:00:00+00:00\nlang: \"en\"\n---\n\nB\n", "'title'"),
        ("---\ntitle: \"T\"\nslug: \"s\"\nlang: \"en\"\n---\n\nB\n", "has no 'date'"),
        ("---\ntitle: \"T\"\nslug: \"Bad Slug\"\ndate: 2025-01-01\nlang: \"en\"\n---\n\nB\n",
         "slug 'Bad Slug' is not valid"),
        ("---\ntitle: \"T\"\nslug: \"s\"\ndate: 2025-02-30\nlang: \"en\"\n---\n\nB\n",
         "not a real date"),
    ],
)
def test_from_markdown_errors(text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        from_markdown(text)


def test_markdown_reader_reads_a_written_bundle_back(tmp_path: Path, jpeg_media: Media) -> None:
    """article.md plus its media/ folder is itself a Markdown source that imports unchanged."""
    article = make_article(
        media=(jpeg_media,),
        image="harbour.jpg",
        body="Text.\n\n![Harbour](media/harbour.jpg)",
        source=str(tmp_path / "article.md"),
    )
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "harbour.jpg").write_bytes(jpeg_media.data)
    (tmp_path / "article.md").write_text(to_markdown(article), encoding="utf-8")
    assert markdown.read(tmp_path / "article.md") == [article]


def test_quote_escapes_what_yaml_cannot_hold_raw() -> None:
    assert quote('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    assert quote("\u2028\x85\ufeff\x00") == '"\\u2028\\u0085\\ufeff\\u0000"'
    assert quote("é 東京 🌊") == '"é 東京 🌊"'


def test_quote_escapes_exactly_the_characters_outside_yaml_printable_set() -> None:
    printable = [(0x20, 0x7E), (0xA0, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    special = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    breaks = "\x85\u2028\u2029\ufeff"
    for code in [*range(0x10000), 0x10000, 0x1F30A, 0x10FFFF]:
        ch = chr(code)
        if ch in special:
            expected = special[ch]
        elif any(low <= code <= high for low, high in printable) and ch not in breaks:
            expected = ch
        else:
            expected = f"\\u{code:04x}"
        assert quote(f"a{ch}b") == f'"a{expected}b"', hex(code)


# --- round trip property ------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NAME = TEXT.filter(lambda s: bool(s.split()))
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
IMAGES = st.sampled_from(
    [
        Media("a.jpg", JPEG, "image/jpeg"),
        Media("b-2.png", PNG, "image/png"),
        Media("c_3.gif", GIF, "image/gif"),
    ]
)


@st.composite
def articles(draw: st.DrawFn) -> Article:
    headline = draw(NAME)
    media = tuple({m.name: m for m in draw(st.lists(IMAGES, max_size=3))}.values())
    image_choices: list[str | None] = [None, "https://img.example/x.jpg"]
    image_choices += [m.name for m in media]
    body = sanitize_markdown(draw(st.text(min_size=1, max_size=200)))
    if not body.strip():
        body = "Body."
    return validate(
        Article(
            headline=headline,
            slug=slugify(headline),
            published=draw(MOMENTS),
            modified=draw(st.none() | MOMENTS),
            authors=tuple(draw(st.lists(NAME, max_size=3))),
            categories=tuple(draw(st.lists(NAME, max_size=3))),
            tags=tuple(draw(st.lists(NAME, max_size=3))),
            summary=draw(TEXT),
            language=draw(st.sampled_from(["en", "fr", "pt-BR", "zh-Hant-TW", "no"])),
            body=body,
            media=media,
            image=draw(st.sampled_from(image_choices)),
            draft=draw(st.booleans()),
        )
    )


@settings(max_examples=200, deadline=None)
@given(articles())
def test_round_trip(article: Article) -> None:
    text = to_markdown(article)
    back = from_markdown(text, article.media)
    assert back == article
    assert to_markdown(back) == text


def test_inferred_fields_round_trip_and_are_written_only_when_present() -> None:
    base = validate(Article(
        headline="Floods reach the mill", slug="floods", published=datetime(2025, 6, 1, tzinfo=UTC),
        modified=None, authors=(), categories=(), tags=(), summary="", language="en",
        body="Read the original at [https://r.example/f](<https://r.example/f>).",
    ))  # fmt: skip
    assert "inferred" not in to_markdown(base)
    marked = replace(base, inferred=("published", "body"))
    text = to_markdown(marked)
    assert 'inferred: ["published", "body"]\n---' in text
    assert from_markdown(text) == marked
