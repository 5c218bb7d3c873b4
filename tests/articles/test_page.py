"""page.py: the seed article's page shape, its variants, and what is missing when it fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from permapress.articles import page
from permapress.errors import ArticleError

from .conftest import SEED

NEW_YORK = ZoneInfo("America/New_York")


def test_seed_article() -> None:
    [article] = page.read(SEED, tz=NEW_YORK)
    assert article.headline == "Netanyahu, Trump Push for Gaza Ceasefire in DC Talks"
    assert article.published == datetime(2025, 7, 8, tzinfo=NEW_YORK)
    assert article.published.utcoffset() is not None
    assert article.categories == ("Politics & Government",)
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("Israeli Prime Minister Benjamin Netanyahu traveled")
    assert paragraphs[-1].endswith("caught in the conflict.")
    assert "Download IPFS" not in article.body
    assert article.slug == "netanyahu-trump-push-for-gaza-ceasefire-in-dc-talks"
    assert article.summary.startswith("Israeli Prime Minister")
    assert len(article.summary) <= 280
    assert article.language == "en"
    assert article.source == str(SEED)


def test_seed_in_utc_is_midnight_utc() -> None:
    [article] = page.read(SEED)
    assert article.published == datetime(2025, 7, 8, tzinfo=UTC)


def test_seed_is_sniffed_as_a_page() -> None:
    assert page.sniff(SEED, SEED.read_bytes()[:4096])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("July 8, 2025", datetime(2025, 7, 8, tzinfo=UTC)),
        ("8 July 2025", datetime(2025, 7, 8, tzinfo=UTC)),
        ("2025-07-08", datetime(2025, 7, 8, tzinfo=UTC)),
        ("Jul 8, 2025", datetime(2025, 7, 8, tzinfo=UTC)),
        ("Tuesday, July 8, 2025", datetime(2025, 7, 8, tzinfo=UTC)),
    ],
)
def test_date_lines(tmp_path: Path, date_line: str, expected: datetime) -> None:
    path = write(tmp_path, f"Headline\n\n{date_line}\n\nBody.\n")
    assert page.read(path)[0].published == expected


@pytest.mark.parametrize(
    ("headline_line", "headline"),
    [
        ("# One hash", "One hash"),
        ("## Two hashes ##", "Two hashes"),
        ("No hashes at all", "No hashes at all"),
        ("**Bold headline**", "Bold headline"),
    ],
)
def test_headline_markers(tmp_path: Path, headline_line: str, headline: str) -> None:
    path = write(tmp_path, f"{headline_line}\nJuly 8, 2025\n\nBody.\n")
    assert page.read(path)[0].headline == headline


@pytest.mark.parametrize(
    ("meta", "authors", "categories", "tags"),
    [
        ("By Jane Doe and John Smith", ("Jane Doe", "John Smith"), (), ()),
        ("By Ana Ruiz, Li Wei and Sam Cole", ("Ana Ruiz", "Li Wei", "Sam Cole"), (), ()),
        ("By Ludwig van Beethoven & Ana de la Cruz", ("Ludwig van Beethoven", "Ana de la Cruz"),
         (), ()),
        ("— Categories: Health, World", (), ("Health", "World"), ()),
        ("– Categories: Health", (), ("Health",), ()),
        ("- Categories: Health", (), ("Health",), ()),
        ("Categories: Health", (), ("Health",), ()),
        ("— Category: Sport", (), ("Sport",), ()),
        (
            "By Jane Doe\n\n— Categories: Politics & Government\n— Tags: gaza, talks",
            ("Jane Doe",),
            ("Politics & Government",),
            ("gaza", "talks"),
        ),
        ("— Categories: Health\nBy Jane Doe", ("Jane Doe",), ("Health",), ()),
    ],
)
def test_byline_categories_and_tags(
    tmp_path: Path,
    meta: str,
    authors: tuple[str, ...],
    categories: tuple[str, ...],
    tags: tuple[str, ...],
) -> None:
    path = write(tmp_path, f"Headline\nJuly 8, 2025\n{meta}\n\nBody paragraph.\n")
    [article] = page.read(path)
    assert (article.authors, article.categories, article.tags) == (authors, categories, tags)
    assert article.body == "Body paragraph."


def test_body_paragraphs_and_download_link(tmp_path: Path) -> None:
    text = (
        "Headline\nJuly 8, 2025\n\n\n\nFirst paragraph\ncontinues here.   \n\n\n"
        "[Download IPFS](#)\n\nSecond with <script>x()</script> and "
        "[a link](javascript:alert(1)).\n\n[download ipfs](bafy.car)\n"
    )
    [article] = page.read(write(tmp_path, text))
    assert article.body == "First paragraph\ncontinues here.\n\nSecond with x() and [a link](#)."


def test_byline_that_is_body_text_is_not_eaten(tmp_path: Path) -> None:
    text = "Headline\nJuly 8, 2025\n\nBy the end of the week the council had voted.\n"
    [article] = page.read(write(tmp_path, text))
    assert article.authors == ()
    assert article.body == "By the end of the week the council had voted."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("\n\n  \n", "is empty"),
        ("Headline\n\nnot a date\n\nBody\n", "the line after the headline should be the date"),
        ("Headline\n\nFebruary 30, 2025\n\nBody\n", "should be the date"),
        ("Headline only\n", "should be the date"),
        ("Headline\nJuly 8, 2025\n— Categories: Health\n\n[Download IPFS](#)\n", "no body"),
        ("x" * 301 + "\nJuly 8, 2025\n\nBody\n", "the first line should be the headline"),
    ],
)
def test_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ArticleError) as caught:
        page.read(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\n\n## Headline\n\nJuly 8, 2025\n", True),
        (b"Headline\n2025-07-08\nbody", True),
        (b"---\ntitle: x\n---\n", False),
        (b"<!DOCTYPE html>\n<html>\n", False),
        (b"Headline\n\nThe council met on Tuesday.\n", False),
        (b"", False),
    ],
)
def test_sniff(head: bytes, expected: bool) -> None:
    assert page.sniff(Path("x.txt"), head) is expected
