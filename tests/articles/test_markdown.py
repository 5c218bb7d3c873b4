"""markdown.py: the front matter keys Hugo, Jekyll and Pelican users write, images, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from permapress.articles import markdown
from permapress.articles.model import Article
from permapress.errors import ArticleError

from .conftest import GIF, JPEG, PNG

OSLO = ZoneInfo("Europe/Oslo")


def write(folder: Path, front: str, body: str = "Body paragraph.", name: str = "a.md") -> Path:
    path = folder / name
    path.write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
    return path


def read_one(path: Path, tz: ZoneInfo | None = None) -> Article:
    articles = markdown.read(path, tz=tz or OSLO)
    assert len(articles) == 1
    return articles[0]


BASE = "title: T\ndate: 2025-07-08"


@pytest.mark.parametrize(
    ("front", "field", "expected"),
    [
        ("title: The headline\ndate: 2025-07-08", "headline", "The headline"),
        ("headline: From headline\ndate: 2025-07-08", "headline", "From headline"),
        ("Title: Capitalised keys\nDate: 2025-07-08", "headline", "Capitalised keys"),
        ("title: 1.10\ndate: 2025-07-08", "headline", "1.10"),
        (f"{BASE}\nslug: Given Slug", "slug", "given-slug"),
        ("title: Gaza & Peace Talks\ndate: 2025-07-08", "slug", "gaza-and-peace-talks"),
        (BASE, "published", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("title: T\ndate: 2025-07-08 14:30", "published",
         datetime(2025, 7, 8, 14, 30, tzinfo=OSLO)),
        (
            "title: T\ndate: 2025-07-08T14:30:00+05:30",
            "published",
            datetime(2025, 7, 8, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("title: T\ndate: '2025-07-08'", "published", datetime(2025, 7, 8, tzinfo=OSLO)),
        ("title: T\ndate: July 8, 2025", "published", datetime(2025, 7, 8, tzinfo=OSLO)),
        (f"{BASE}\nlastmod: 2025-07-09", "modified", datetime(2025, 7, 9, tzinfo=OSLO)),
        (f"{BASE}\nupdated: 2025-07-10", "modified", datetime(2025, 7, 10, tzinfo=OSLO)),
        (f"{BASE}\nmodified: 2025-07-11", "modified", datetime(2025, 7, 11, tzinfo=OSLO)),
        (BASE, "modified", None),
        (f"{BASE}\ncategories: [Politics & Government, Health]", "categories",
         ("Politics & Government", "Health")),
        (f"{BASE}\ncategories:\n  - World\n  - Conflict", "categories", ("World", "Conflict")),
        (f"{BASE}\ncategories: Politics & Government, Health", "categories",
         ("Politics & Government", "Health")),
        (f"{BASE}\ncategory: Sport", "categories", ("Sport",)),
        (BASE, "categories", ()),
        (f"{BASE}\ntags: [a, b]", "tags", ("a", "b")),
        (f"{BASE}\ntags: a, b , c", "tags", ("a", "b", "c")),
        (f"{BASE}\ntags: [2025, yes]", "tags", ("2025", "yes")),
        (f"{BASE}\nkeywords: x, y", "tags", ("x", "y")),
        (f"{BASE}\nauthor: Jane Doe", "authors", ("Jane Doe",)),
        (f"{BASE}\nauthor: Doe, Jane", "authors", ("Doe, Jane",)),
        (f"{BASE}\nauthors: [Jane Doe, Tom Ashby]", "authors", ("Jane Doe", "Tom Ashby")),
        (f"{BASE}\nauthors: Jane Doe, Tom Ashby", "authors", ("Jane Doe", "Tom Ashby")),
        (f"{BASE}\nauthor:\n  name: Jane Doe", "authors", ("Jane Doe",)),
        (BASE, "authors", ()),
        (f"{BASE}\nsummary: Short summary.", "summary", "Short summary."),
        (f"{BASE}\ndescription: A description.", "summary", "A description."),
        (f"{BASE}\nexcerpt: An excerpt.", "summary", "An excerpt."),
        (BASE, "summary", "Body paragraph."),
        (f"{BASE}\nlang: fr", "language", "fr"),
        (f"{BASE}\nlanguage: pt-BR", "language", "pt-BR"),
        (f"{BASE}\nlang: no", "language", "no"),
        (BASE, "language", "en"),
        (f"{BASE}\ndraft: true", "draft", True),
        (f"{BASE}\ndraft: yes", "draft", True),
        (f"{BASE}\ndraft: false", "draft", False),
        (f"{BASE}\npublished: false", "draft", True),
        (f"{BASE}\npublished: true", "draft", False),
        (f"{BASE}\nstatus: draft", "draft", True),
        (f"{BASE}\nstatus: published", "draft", False),
        (BASE, "draft", False),
        (f"{BASE}\nimage: https://images.example/a.jpg", "image", "https://images.example/a.jpg"),
        (f"{BASE}\nimages: [https://images.example/b.jpg]", "image", "https://images.example/b.jpg"),
        (BASE, "image", None),
        (f"{BASE}\nunknown_key: ignored\nweight: 3", "headline", "T"),
    ],
)
def test_front_matter_keys(tmp_path: Path, front: str, field: str, expected: object) -> None:
    article = read_one(write(tmp_path, front))
    assert getattr(article, field) == expected


def test_toml_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "hugo.md"
    path.write_text(
        '+++\ntitle = "Hugo post"\ndate = 2025-07-08T10:00:00Z\ndraft = true\n'
        'tags = ["a", "b"]\n+++\n\nBody.\n',
        encoding="utf-8",
    )
    article = read_one(path)
    assert article.headline == "Hugo post"
    assert article.published == datetime(2025, 7, 8, 10, tzinfo=UTC)
    assert article.draft is True
    assert article.tags == ("a", "b")


def test_jekyll_date_from_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "title: Jekyll post", name="2025-05-06-jekyll-post.md")
    assert read_one(path).published == datetime(2025, 5, 6, tzinfo=OSLO)


def test_source_and_body(tmp_path: Path) -> None:
    path = write(tmp_path, BASE, body="\n\nFirst paragraph.\n\nSecond <script>x()</script>.\n\n")
    article = read_one(path)
    assert article.source == str(path)
    assert article.body == "First paragraph.\n\nSecond x().", "body is trimmed and sanitised"


def test_body_and_lead_images_become_media(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "Harbour Photo.JPEG").write_bytes(JPEG)
    (tmp_path / "img" / "map.png").write_bytes(PNG)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "map.png").write_bytes(GIF)
    body = (
        "Lead.\n\n![Map](img/map.png \"The map\") and again ![again](./img/map.png).\n\n"
        "![other map](other/map.png)\n\n<img src=\"img/Harbour%20Photo.JPEG\" alt=\"h\">\n\n"
        "![ref image][r]\n\n[r]: <img/map.png>\n\n"
        "![remote](https://images.example/x.jpg) and [a link](img/map.png)\n\n"
        "`![in code](img/missing.png)`\n\n    ![indented code](img/missing.png)"
    )
    article = read_one(write(tmp_path, f"{BASE}\nimage: img/Harbour Photo.JPEG", body=body))
    assert [(m.name, m.media_type) for m in article.media] == [
        ("harbour-photo.jpg", "image/jpeg"),
        ("map.png", "image/png"),
        ("map.gif", "image/gif"),
    ]
    assert article.media[1].data == PNG
    assert article.image == "harbour-photo.jpg"
    assert '![Map](media/map.png "The map")' in article.body
    assert "![again](media/map.png)" in article.body
    assert "![other map](media/map.gif)" in article.body
    assert '<img src="media/harbour-photo.jpg" alt="h">' in article.body
    assert "[r]: <media/map.png>" in article.body
    assert "![remote](https://images.example/x.jpg)" in article.body
    assert "`![in code](img/missing.png)`" in article.body
    assert "    ![indented code](img/missing.png)" in article.body


def test_same_name_different_files_are_deduplicated(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "photo.jpg").write_bytes(JPEG + folder.encode())
    article = read_one(write(tmp_path, BASE, body="![a](a/photo.jpg) ![b](b/photo.jpg)"))
    assert [m.name for m in article.media] == ["photo.jpg", "photo-2.jpg"]
    assert "![b](media/photo-2.jpg)" in article.body


def test_reading_a_bundle_article_md_with_its_media_folder(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "harbour.jpg").write_bytes(JPEG)
    body = "![Harbour](media/harbour.jpg)"
    article = read_one(write(tmp_path, f"{BASE}\nimage: media/harbour.jpg", body=body))
    assert article.image == "harbour.jpg"
    assert article.body == body


@pytest.mark.parametrize(
    ("front", "body", "message"),
    [
        ("date: 2025-07-08", "x", "front matter has no title (add `title: …`)"),
        ("title: ''\ndate: 2025-07-08", "x", "front matter has no title"),
        ("title: T", "x", "front matter has no date (add `date: 2025-07-08`"),
        ("title: T\ndate: 2025-02-30", "x", "date '2025-02-30' is not a real date"),
        (f"{BASE}\nlastmod: someday", "x", "lastmod 'someday' is not a date I can read"),
        ("title: [unclosed\ndate: 2025-07-08", "x", "front matter is not valid YAML"),
        ("- just\n- a list", "x", "front matter must be 'key: value' lines"),
        ("title: [a, b]\ndate: 2025-07-08", "x", "'title' must be text, not a list"),
        (f"{BASE}\ndraft: maybe", "x", "'draft' must be true or false, not 'maybe'"),
        (f"{BASE}\nlang: English please", "x", "language 'English please' is not a BCP 47"),
        (BASE, "![gone](img/missing.jpg)", "image 'img/missing.jpg' is not a file beside"),
        (f"{BASE}\nimage: img/missing.jpg", "x", "image 'img/missing.jpg' is not a file beside"),
        (f"{BASE}\nimage: ftp://files.example/a.jpg", "x", "must be an http(s):// URL"),
        (f"{BASE}\nimage: notes.txt", "x", "image 'notes.txt' is not an image"),
        (f"{BASE}\nimage: logo.svg", "x", "is an SVG file"),
        (BASE, "   ", "body is empty"),
    ],
)
def test_errors_name_the_file_and_the_problem(
    tmp_path: Path, front: str, body: str, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', "utf-8")
    path = write(tmp_path, front, body=body)
    with pytest.raises(ArticleError) as caught:
        markdown.read(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Just a heading\n\nNo front matter.\n", "has no front matter"),
        ("---\ntitle: never closed\n\nbody\n", "is never closed"),
    ],
)
def test_structure_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArticleError, match=message):
        markdown.read(path)


def test_text_argument_is_used_instead_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "given.md"
    article = markdown.read(path, text="---\ntitle: Given\ndate: 2025-07-08\n---\nBody\n")[0]
    assert article.headline == "Given"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"---\ntitle: x\n", True),
        (b"+++\ntitle = 'x'\n", True),
        (b"\xef\xbb\xbf---\ntitle: x\n", True),
        (b"## Headline\n\nJuly 8, 2025\n", False),
        (b"Plain text\n", False),
    ],
)
def test_sniff(head: bytes, expected: bool) -> None:
    assert markdown.sniff(Path("x.md"), head) is expected


def test_pelican_metadata_header(tmp_path: Path) -> None:
    path = tmp_path / "pelican.md"
    path.write_text(
        "Title: My super title\nDate: 2010-12-03 10:20\nModified: 2010-12-05 19:30\n"
        "Category: Python\nTags: pelican, publishing\nSlug: my-super-post\n"
        "Authors: Alexis Metaireau, Conan Doyle\nSummary: Short version for index and feeds\n"
        "Status: draft\n\nThis is the content of my super blog post.\n",
        encoding="utf-8",
    )
    [article] = markdown.read(path, tz=UTC)
    assert article.headline == "My super title"
    assert article.published == datetime(2010, 12, 3, 10, 20, tzinfo=UTC)
    assert article.modified == datetime(2010, 12, 5, 19, 30, tzinfo=UTC)
    assert article.categories == ("Python",)
    assert article.tags == ("pelican", "publishing")
    assert article.slug == "my-super-post"
    assert article.authors == ("Alexis Metaireau", "Conan Doyle")
    assert article.summary == "Short version for index and feeds"
    assert article.draft is True
    assert article.body == "This is the content of my super blog post."
