"""sources.py and textfile.py: format detection, encodings, folder walking, one error per file."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from permapress.articles import sources
from permapress.articles.model import Article
from permapress.articles.sources import SourceResult, detect, iter_sources, read_source
from permapress.articles.textfile import decode_text
from permapress.errors import ArticleError

from .conftest import JPEG, SEED, make_article

FRONT = "---\ntitle: {title}\ndate: 2025-07-08\n---\n\nBody of {title}.\n"
PAGE = "## {title}\n\nJuly 8, 2025\n\n— Categories: Health\n\nBody of {title}.\n"


def md(title: str) -> str:
    return FRONT.format(title=title)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.md", md("x").encode(), "markdown"),
        ("a.markdown", md("x").encode(), "markdown"),
        ("a.txt", md("x").encode(), "markdown"),
        ("a", md("x").encode(), "markdown"),
        ("a.txt", PAGE.format(title="x").encode(), "page"),
        ("a.md", PAGE.format(title="x").encode(), "page"),
        ("a.md", b"# No front matter\n\nJust text that is not a page.\n", "markdown"),
        ("a.txt", b"Some notes.\n\nNot dated.\n", "page"),
        ("a.csv", b"a,b,c\n1,2,3\n", None),
        ("a.jpg", JPEG, None),
        ("a.bin", b"\x00\x01\x02\x03" * 10, None),
        ("a.md", b"\xef\xbb\xbf" + md("x").encode(), "markdown"),
        ("a.md", md("x").encode("utf-16"), "markdown"),
    ],
)
def test_detect(name: str, content: bytes, expected: str | None) -> None:
    assert detect(Path(name), content[:8192]) == expected


def test_detect_binary_markdown_is_an_error() -> None:
    with pytest.raises(ArticleError, match=r"x\.md: is a binary file, not markdown text"):
        detect(Path("x.md"), JPEG)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("---\ntitle: Café\n".encode(), "---\ntitle: Café\n"),
        (b"\xef\xbb\xbf---\r\ntitle: x\r\n", "---\ntitle: x\n"),
        ("---\ntitle: Straße\n".encode("utf-16-le"), None),
        ("\ufeff---\ntitle: Straße\n".encode("utf-16-le"), "---\ntitle: Straße\n"),
        ("\ufeff---\ntitle: Straße\n".encode("utf-16-be"), "---\ntitle: Straße\n"),
        ("\ufeff---\ntitle: 東京\n".encode("utf-32"), "---\ntitle: 東京\n"),
        (b"old\rmac\rnewlines", "old\nmac\nnewlines"),
    ],
)
def test_decode_text(data: bytes, text: str | None) -> None:
    if text is None:
        with pytest.raises(ArticleError, match="binary file"):
            decode_text(data, "x.md")
    else:
        assert decode_text(data, "x.md") == text


def test_decode_text_detects_legacy_encodings() -> None:
    text = (
        "---\ntitle: Café crème\ndate: 2025-07-08\n---\n\nLe café est très bon. "
        "À bientôt, chère amie. Les élèves ont reçu leurs résultats.\n"
    )
    assert decode_text(text.encode("cp1252"), "x.md") == text


def test_decode_text_refuses_what_it_cannot_tell() -> None:
    with pytest.raises(ArticleError, match="x.md: is not UTF-8 and its encoding cannot be told"):
        decode_text(b"---\ntitle: abc \xff\xfe\xfd\xfc\x01\x02 def\n---\n", "x.md")


def test_read_source_formats_and_timezone(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(md("Hello"), encoding="utf-8")
    [article] = read_source(path, tz=ZoneInfo("Asia/Tokyo"))
    assert article.published == datetime(2025, 7, 8, tzinfo=ZoneInfo("Asia/Tokyo"))
    [seed] = read_source(SEED)
    assert seed.published == datetime(2025, 7, 8, tzinfo=UTC)
    assert read_source(SEED, fmt="page") == [seed]


def test_read_source_errors(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="unknown format 'word'; choose one of: .*markdown"):
        read_source(SEED, fmt="word")
    with pytest.raises(ArticleError, match="is a folder, not a file"):
        read_source(tmp_path)
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"data\.csv: is not in a format I can read"):
        read_source(tmp_path / "data.csv")


def tree(root: Path) -> None:
    (root / "2025" / "03").mkdir(parents=True)
    (root / "2025" / "03" / "b.md").write_text(md("B"), encoding="utf-8")
    (root / "2025" / "03" / "a.md").write_text(md("A"), encoding="utf-8")
    (root / "2025" / "03" / "photo.jpg").write_bytes(JPEG)
    (root / "2025" / "page.txt").write_text(PAGE.format(title="Page"), encoding="utf-8")
    (root / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (root / ".hidden.md").write_text(md("Hidden"), encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "x.md").write_text(md("Git"), encoding="utf-8")
    (root / "z-utf16.md").write_bytes(("\ufeff" + md("Sixteen")).encode("utf-16-le"))


def headlines(results: list[SourceResult]) -> list[str]:
    return [a.headline for r in results for a in r.articles]


def test_iter_sources_walks_folders_sorted_skipping_hidden_and_unknown(tmp_path: Path) -> None:
    tree(tmp_path)
    results = list(iter_sources([tmp_path]))
    assert [r.error for r in results] == [None] * 4
    assert headlines(results) == ["A", "B", "Page", "Sixteen"]
    assert [Path(r.source).name for r in results] == ["a.md", "b.md", "page.txt", "z-utf16.md"]
    assert all(r.articles[0].source == r.source for r in results)


def test_iter_sources_keeps_the_order_of_the_given_paths(tmp_path: Path) -> None:
    tree(tmp_path)
    results = list(iter_sources([SEED, str(tmp_path / "2025" / "03" / "b.md"), tmp_path / "2025"]))
    assert headlines(results)[:2] == [
        "Netanyahu, Trump Push for Gaza Ceasefire in DC Talks",
        "B",
    ]
    assert headlines(results)[2:] == ["A", "B", "Page"]


def test_iter_sources_with_a_named_format(tmp_path: Path) -> None:
    tree(tmp_path)
    results = list(iter_sources([tmp_path], fmt="page"))
    assert [Path(r.source).name for r in results] == ["page.txt"]
    [bad] = list(iter_sources([tmp_path], fmt="nope"))
    assert bad.error is not None and "unknown format 'nope'" in bad.error


BAD_FILES: list[tuple[str, bytes, str]] = [
    ("no-title.md", b"---\ndate: 2025-07-08\n---\n\nBody\n",
     "no-title.md: front matter has no title (add `title: \u2026`)"),
    ("bad-date.md", b"---\ntitle: T\ndate: 2025-02-30\n---\n\nBody\n",
     "bad-date.md: date '2025-02-30' is not a real date"),
    ("binary.md", JPEG, "binary.md: is a binary file, not markdown text"),
    ("mystery.md", b"---\ntitle: abc \xff\xfe\xfd\xfc\x01\x02 def\n---\n",
     "mystery.md: is not UTF-8 and its encoding cannot be told"),
    ("bad-yaml.md", b"---\ntitle: [oops\n---\n\nBody\n",
     "bad-yaml.md: front matter is not valid YAML"),
    ("undated.txt", b"Headline\n\nNo date here\n\nBody\n",
     "undated.txt: the line after the headline should be the date"),
    ("no-front.md", b"Just some text.\n", "no-front.md: has no front matter"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_each_bad_file_is_one_error_line(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    (tmp_path / "good.md").write_text(md("Good"), encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    results = list(iter_sources([tmp_path]))
    by_name = {Path(r.source).name: r for r in results}
    assert by_name["good.md"].error is None and headlines([by_name["good.md"]]) == ["Good"]
    bad = by_name[name]
    assert bad.articles == ()
    assert bad.error is not None and "\n" not in bad.error
    assert bad.error.startswith(str(tmp_path / name))
    assert message in bad.error


def test_explicit_unknown_or_missing_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    results = list(iter_sources([tmp_path / "data.csv", tmp_path / "missing.md"]))
    assert "data.csv: is not in a format I can read" in (results[0].error or "")
    assert results[1].error == f"{tmp_path / 'missing.md'}: does not exist"
    assert list(iter_sources([tmp_path])) == []


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    [named] = list(iter_sources([tmp_path / "gone.md"]))
    assert named.error is not None and "gone.md: cannot read the file" in named.error
    [walked] = list(iter_sources([tmp_path]))
    assert walked.error is not None and "gone.md: cannot read the file" in walked.error


def test_symlink_loop_in_a_folder_ends(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(md("A"), encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert headlines(list(iter_sources([tmp_path]))) == ["A"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text(md("S"), encoding="utf-8")
    (tmp_path / "secret.md").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed").chmod(0)
    try:
        results = {Path(r.source).name: r.error for r in iter_sources([tmp_path])}
    finally:
        (tmp_path / "closed").chmod(0o755)
        (tmp_path / "secret.md").chmod(0o644)
    assert "cannot open the folder" in (results["closed"] or "")
    assert "secret.md: cannot read the file" in (results["secret.md"] or "")


def test_registry_is_open_for_more_readers(tmp_path: Path) -> None:
    class CsvReader:
        FORMAT = "csv-test"
        EXTENSIONS = (".csv",)

        def sniff(self, path: Path, head: bytes) -> bool:
            return head.startswith(b"headline,")

        def read(self, path: Path, *, tz: object = UTC, text: str | None = None) -> list[Article]:

            headline = (text or "").splitlines()[1].split(",")[0]
            return [make_article(headline=headline, source=str(path))]

    (tmp_path / "one.csv").write_text("headline,x\nFrom CSV,1\n", encoding="utf-8")
    saved = dict(sources.FORMATS)
    try:
        sources.register(CsvReader())
        assert detect(tmp_path / "one.csv", b"headline,x\n") == "csv-test"
        assert headlines(list(iter_sources([tmp_path]))) == ["From CSV"]
    finally:
        sources.FORMATS.clear()
        sources.FORMATS.update(saved)
    assert list(iter_sources([tmp_path])) == []


def test_copy_of_the_seed_in_a_folder(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "seed-article.txt")
    [result] = list(iter_sources([tmp_path], tz=ZoneInfo("Europe/Paris")))
    assert result.error is None
    assert result.articles[0].published == datetime(2025, 7, 8, tzinfo=ZoneInfo("Europe/Paris"))


MOVED = (b"<!DOCTYPE html>\n<html><head><title>Document Moved</title></head><body>"
         b"<h1>Object Moved</h1>This document may be found <a href='/rss/'>here</a></body></html>")


@pytest.mark.parametrize("name", ["news.rss", "feed.atom", "index.rdf", "export.xml"])
def test_a_page_named_like_a_feed_is_refused_not_read_as_an_article(name: str) -> None:
    with pytest.raises(ArticleError) as caught:
        detect(Path(name), MOVED)
    message = str(caught.value)
    assert message.startswith(f"{name}: is named like a feed")
    assert "HTML page titled 'Document Moved'" in message


def test_feed_extensions_still_read_feeds_and_other_xml_is_skipped(tmp_path: Path) -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    assert detect(Path("news.xml"), rss) == "feed"
    assert detect(Path("sitemap.xml"), b'<?xml version="1.0"?><urlset></urlset>') is None
    assert detect(Path("page.html"), MOVED) == "html"  # an HTML page by its own name is fine
    (tmp_path / "news.rss").write_bytes(MOVED)
    (result,) = iter_sources([tmp_path])
    assert result.articles == () and result.error is not None
    assert "is named like a feed (.rss) but is not one" in result.error
