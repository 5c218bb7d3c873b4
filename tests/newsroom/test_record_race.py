"""Two commands recording the same article at once: the loser gets one clear line, not a crash."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from permapress.articles.model import Article
from permapress.errors import CatalogError
from permapress.handle import Newsroom
from permapress.newsroom.home import init_newsroom
from permapress.newsroom.record import record_article

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
ARTICLE = Article(
    headline="Harbour council passes budget",
    slug="harbour-budget",
    published=NOW,
    modified=None,
    authors=("Ana Lima",),
    categories=("Politics",),
    tags=(),
    summary="",
    language="en",
    body="The council voted 7 to 2.\n",
    source="/src/budget.md",
)


def test_the_second_writer_of_the_same_version_is_told_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "newsroom"
    init_newsroom(home, "Race Courier")
    with Newsroom.open(home) as first, Newsroom.open(home) as second:
        record_article(first, ARTICLE, now=NOW)
        # the second process read the catalog before the first one committed
        monkeypatch.setattr(second.catalog, "latest", lambda slug: None)
        with pytest.raises(CatalogError, match="at the same time; run this one again"):
            record_article(second, replace(ARTICLE, body="The council voted 8 to 1.\n"), now=NOW)
        assert [v.number for v in first.catalog.versions("harbour-budget")] == [1]
