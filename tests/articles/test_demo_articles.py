"""The demo newsroom's articles: all load, validate, and cover what the demo needs to show."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path

from permapress.articles.document import from_markdown, to_markdown
from permapress.articles.markup import markdown_to_html
from permapress.articles.media import image_type
from permapress.articles.model import Article, validate
from permapress.articles.sources import iter_sources
from permapress.articles.taxonomy import Taxonomy
from permapress.demo import demo_articles_path

from .conftest import SEED


def demo_articles() -> list[Article]:
    results = list(iter_sources([demo_articles_path()]))
    assert [r.error for r in results if r.error] == []
    return [article for result in results for article in result.articles]


def test_demo_folder_is_inside_the_package() -> None:
    folder = demo_articles_path()
    assert folder.is_dir()
    assert folder.parent.name == "demo" and folder.parent.parent.name == "permapress"


def test_all_demo_articles_load_and_validate() -> None:
    articles = demo_articles()
    assert len(articles) >= 14
    for article in articles:
        assert validate(article) == article
        assert not article.draft
        assert 1 <= len(article.authors) <= 3
        assert article.summary and article.tags
        assert 3 <= len(article.body.split("\n\n")) <= 10, article.slug
    assert len({a.slug for a in articles}) == len(articles)


def test_demo_covers_categories_months_and_topics() -> None:
    articles = demo_articles()
    categories = Counter(c for a in articles for c in a.categories)
    assert len(categories) >= 7
    assert len({(a.published.year, a.published.month) for a in articles}) >= 3
    assert all(a.published.year == 2025 for a in articles)
    taxonomy = Taxonomy()
    assert all(taxonomy.topic(name) is not None for name in categories)


def test_demo_images_are_real_and_small() -> None:
    articles = demo_articles()
    illustrated = [a for a in articles if a.media]
    assert len(illustrated) >= 4
    for article in illustrated:
        assert article.image in {m.name for m in article.media}
        for item in article.media:
            assert image_type(item.data) == item.media_type
            assert len(item.data) < 120 * 1024
            assert _dimensions(item.data) == (1200, 675), item.name


def test_demo_shows_a_table_a_blockquote_and_a_correction() -> None:
    articles = demo_articles()
    html = "\n".join(markdown_to_html(a.body) for a in articles)
    assert "<table>" in html and "<blockquote>" in html
    assert any(a.modified is not None for a in articles)


def test_demo_articles_round_trip_through_article_md() -> None:
    for article in demo_articles():
        assert from_markdown(to_markdown(article), article.media, source=article.source) == article


def test_demo_does_not_include_the_seed_text() -> None:
    seed_paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 80]
    for path in Path(demo_articles_path()).glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert not any(p.strip() in text for p in seed_paragraphs), path.name


def test_demo_dates_are_aware() -> None:
    for article in demo_articles():
        assert article.published.utcoffset() is not None
        assert article.published.astimezone(UTC).year == 2025


def _dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG IHDR or a JPEG start-of-frame marker."""
    if data.startswith(b"\x89PNG"):
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    position = 2
    while position < len(data):
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[position + 5 : position + 7], "big")
            width = int.from_bytes(data[position + 7 : position + 9], "big")
            return width, height
        position += 2 + length
    raise AssertionError("no JPEG frame header")
