"""Readers and decoders given arbitrary input raise ArticleError or succeed, nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from permapress.articles import markdown, page
from permapress.articles.dates import parse_datetime
from permapress.articles.document import from_markdown
from permapress.articles.model import validate
from permapress.articles.sources import detect
from permapress.articles.textfile import decode_text
from permapress.errors import ArticleError

FRONT_KEYS = st.sampled_from(
    ["title", "date", "lastmod", "tags", "categories", "author", "authors", "slug", "lang",
     "draft", "summary", "image", "published", "status"]
)  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["2025-07-08", "2025-02-30", "[a, b]", "{x: 1}", "yes", "~", "- a", "'q"]),
)


@st.composite
def front_matter_documents(draw: st.DrawFn) -> str:
    lines = [f"{draw(FRONT_KEYS)}: {draw(VALUES)}" for _ in range(draw(st.integers(0, 6)))]
    return "---\n" + "\n".join(lines) + "\n---\n" + draw(st.text(max_size=60))


def _reads_or_explains(read: object, path: Path, text: str) -> None:
    try:
        articles = read(path, text=text)  # type: ignore[operator]
    except ArticleError as exc:
        assert str(exc)
    else:
        for article in articles:
            assert validate(article) == article


@settings(max_examples=300, deadline=None)
@given(front_matter_documents())
def test_markdown_reader_on_arbitrary_front_matter(text: str) -> None:
    _reads_or_explains(markdown.read, Path("/nonexistent/x.md"), text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_readers_on_arbitrary_text(text: str) -> None:
    _reads_or_explains(markdown.read, Path("/nonexistent/x.md"), text)
    _reads_or_explains(page.read, Path("/nonexistent/x.txt"), text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["Headline", "## H", "July 8, 2025", "By A B", "— Categories: X",
                              "", "Body.", "[Download IPFS](#)", "2025-02-30"]), max_size=8)
)  # fmt: skip
def test_page_reader_on_page_like_text(lines: list[str]) -> None:
    _reads_or_explains(page.read, Path("/nonexistent/x.txt"), "\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decoding_and_detection_of_arbitrary_bytes(data: bytes) -> None:
    try:
        text = decode_text(data, "x.md")
    except ArticleError:
        pass
    else:
        assert "\r" not in text
    try:
        detect(Path("x.md"), data)
    except ArticleError as exc:
        assert "binary" in str(exc)


@settings(max_examples=200, deadline=None)
@given(front_matter_documents())
def test_from_markdown_on_arbitrary_documents(text: str) -> None:
    try:
        from_markdown(text)
    except ArticleError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_datetime_on_arbitrary_text(text: str) -> None:
    try:
        parsed = parse_datetime(text)
    except ArticleError as exc:
        assert str(exc)
    else:
        assert parsed.utcoffset() is not None
