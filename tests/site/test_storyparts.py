"""The standfirst: a summary that only repeats the start of the body is not shown twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from permapress.articles.model import Article
from permapress.site.storyparts import _blocks, standfirst


def _article(summary: str, body: str) -> Article:
    return Article(
        headline="Harbour",
        slug="harbour",
        published=datetime(2025, 7, 8, 9, 30, tzinfo=UTC),
        modified=None,
        authors=(),
        categories=(),
        tags=(),
        summary=summary,
        language="en",
        body=body,
    )


@pytest.mark.parametrize(
    ("summary", "body"),
    [
        ("The council voted", "The council voted on Tuesday."),
        ("The council voted", "## A heading\n\nThe council voted on Tuesday."),
        ("The council voted", "![A photo](media/a.jpg)\n\n\n\nThe council voted again."),
        ("The council voted", "The **council** [voted](https://example.org) on Tuesday."),
        ("The council vo…", "The council voted on Tuesday."),
        ("THE COUNCIL, VOTED", "The council voted."),
        ("Straße council", "STRASSE council met."),
        ("The council voted", "The council*voted on Tuesday."),  # a marker parts words
    ],
)
def test_a_summary_that_repeats_the_body_is_not_shown(summary: str, body: str) -> None:
    assert standfirst(_article(summary, body)) == ""


@pytest.mark.parametrize(
    ("summary", "body"),
    [
        ("The council voted", "The council met."),
        ("The council voted", "The [council](x)voted on Tuesday."),  # a link's text does not
        ("The council voted", "## The council voted"),  # a heading is not the text
        ("The council voted", ""),
        ("…", "Anything."),
    ],
)
def test_a_summary_of_its_own_is_shown(summary: str, body: str) -> None:
    assert standfirst(_article(summary, body)) == summary


@pytest.mark.parametrize(
    "body", ["", "a", "a\n\nb", "a\n\n\nb", "\n\n", "a\n\n\n\nb\n\n", "\n\n\n\n\n"]
)
def test_blocks_are_the_split_of_the_body(body: str) -> None:
    assert list(_blocks(body)) == body.split("\n\n")
