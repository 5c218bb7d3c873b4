"""wxr.py and wpbody.py: WordPress exports as WordPress writes them, big ones streamed."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from permapress.articles import wxr
from permapress.articles.items import Failed, Note, ReadOptions
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.articles.wpbody import autop, wp_html
from permapress.errors import ArticleError

FOLDER = Path(__file__).parents[1] / "fixtures" / "importers" / "wxr"
EXPORT = FOLDER / "harbour-courier.WordPress.2025-09-30.xml"


def read(path: Path, **flags: bool) -> tuple[list[Article], list[Failed], list[Note]]:
    found = list(wxr.iter_items(path, options=ReadOptions(**flags)))
    articles = [i for i in found if isinstance(i, Article)]
    failed = [i for i in found if isinstance(i, Failed)]
    return articles, failed, [i for i in found if isinstance(i, Note)]


def test_published_posts_with_their_metadata() -> None:
    posts, failed, notes = read(EXPORT)
    # a Cyrillic title is spelled in Latin letters for its slug
    assert [p.slug for p in posts] == ["harbour-council-budget", "seabird-count",
                                       "novaia-biblioteka-otkrylas", "107-2"]
    budget, seabird, russian, untitled = posts
    assert budget.source == "https://courier.example#post-101"
    assert budget.authors == ("Ines Okafor",)  # dc:creator login -> display name
    assert budget.categories == ("Politics",)  # "Uncategorized" and post formats dropped
    assert budget.tags == ("budget", "lifeboat") and budget.language == "en-GB"
    assert budget.published.isoformat() == "2025-03-12T23:10:00+00:00"
    assert budget.modified is not None
    assert budget.modified.isoformat() == "2025-03-13T09:00:00+00:00"
    assert budget.summary == "The council voted seven to four to pass the budget."
    assert budget.image == "https://courier.example/wp-content/uploads/2025/03/harbour.jpg"
    assert "**seven to four**" in budget.body and "Wednesday night" in budget.body
    assert "\\\nThe vote came" in budget.body  # autop: a single newline is a line break
    assert "The harbour at dawn, seen from the north pier." in budget.body  # [caption]
    assert "[ferry costs](https://courier.example/2025/02/01/ferry-costs/)" in budget.body
    assert "<https://www.youtube.com/watch?v=dQw4w9WgXcQ>" in budget.body  # oEmbed line
    assert "[gallery" not in budget.body and "[caption" not in budget.body
    assert "reader" not in budget.body  # comments are not part of the article
    assert "## Why the rise" in seabird.body and "- More sand eels close to shore" in seabird.body
    assert "<!--" not in seabird.body and seabird.authors == ("Morag Lindqvist",)
    assert russian.headline == "Новая библиотека открылась"
    assert russian.categories == ("Arts & Culture",)  # WordPress stores "&amp;"
    # no post_date_gmt: post_date in the site's zone, which its other posts show (UTC+1)
    assert russian.published.isoformat() == "2025-09-09T16:30:00+01:00"
    assert russian.inferred == ()  # the date is the post's own, only its zone was worked out
    # a published post without a title is kept: its first sentence becomes the title
    assert untitled.headline == "A post someone forgot to title" and not failed
    assert untitled.inferred == ("headline",) and untitled.source.endswith("#post-107")
    post_notes = {n.source.rsplit("#", 1)[-1]: n.message for n in notes[:-1]}
    assert post_notes == {
        "post-103": "no GMT date: read wp:post_date in the site's time zone, UTC+01:00, as its "
                    "other posts give it",
        "post-107": "no title: used its first sentence, 'A post someone forgot to title'"}
    note = notes[-1]
    assert "1 drafts, pending and scheduled posts (use --drafts)" in note.message
    assert "2 private or password-protected posts (use --private)" in note.message
    assert "1 pages (use --pages)" in note.message and "1 attachment items" in note.message


def test_flags_bring_in_drafts_private_posts_and_pages_as_drafts() -> None:
    posts, _, _ = read(EXPORT, drafts=True, private=True, pages=True)
    by_slug = {p.slug: p for p in posts}
    assert by_slug["about"].draft is False  # a published page
    assert by_slug["staff-rota"].draft and by_slug["interview"].draft  # private, password
    draft = by_slug["draft-ferry-timetable-review"]
    assert draft.draft and draft.published.isoformat() == "2025-09-20T10:00:00+01:00"


def test_wxr_1_0_in_latin1() -> None:
    (post,), failed, _ = read(FOLDER / "oldpaper-wxr-1.0-latin1.xml")
    assert not failed
    assert post.headline == "Bürgermeister eröffnet Brücke" and post.language == "de"
    assert post.body == "Die neue Brücke über die Förde ist fertig.\n\nSie kostete 3 Mio. EUR."
    assert post.slug == "buergermeister-eroeffnet-bruecke" and post.tags == ("alt-tag",)


def test_utf8_export_with_windows_1252_bytes_and_control_characters() -> None:
    clean, pasted = read(FOLDER / "mixed-encoding-wxr-1.1.xml")[0]
    assert clean.headline == "Clean UTF-8 post – with an en dash"
    assert pasted.body == "The mayor said “we will rebuild” – and meant it. Page break."


@pytest.mark.parametrize("name", sorted(p.name for p in FOLDER.glob("*.xml")))
def test_detected_as_wxr_not_as_a_feed(name: str) -> None:
    path = FOLDER / name
    assert detect(path, path.read_bytes()[:8192]) == "wxr"


def _big_export(path: Path, posts: int) -> None:
    paragraph = ("Reporters followed the harbour through the long winter, talking to fishers, "
                 "ferry crews and the families who depend on them. ") * 12
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                  'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                  'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Big</title>'
                  "<link>https://big.example</link>"
                  "<wp:wxr_version>1.2</wp:wxr_version>\n")  # fmt: skip
        for n in range(posts):
            out.write(f"<item><title><![CDATA[Story {n}]]></title><dc:creator>admin</dc:creator>"
                      f"<content:encoded><![CDATA[{paragraph}]]></content:encoded>"
                      f"<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2024-01-01 10:00:00"
                      f"</wp:post_date_gmt><wp:post_name>story-{n}</wp:post_name>"
                      "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                      "</item>\n")  # fmt: skip
        out.write("</channel></rss>\n")


@pytest.mark.slow
def test_thousands_of_posts_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    _big_export(path, 2000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = 0
        for item in wxr.iter_items(path):
            assert isinstance(item, Article)
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2000 and size > 3_000_000
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("one\ntwo\n\nthree", "<p>one<br>\ntwo</p>\n\n<p>three</p>"),
        ("<h2>Head</h2>\n\ntext", "<h2>Head</h2>\n\n<p>text</p>"),
        ("<pre>a\n\nb</pre>", "<pre>a\n\nb</pre>"),
    ],
)
def test_autop(text: str, html: str) -> None:
    assert autop(text) == html


def test_shortcodes() -> None:
    out = wp_html('[caption id="a" caption="Old style"]<img src="https://x.example/a.jpg">[/caption]'
                  '\n\n[gallery ids="5,6"]\n\nSee [sic] and [1]. [vc_row]kept[/vc_row] [embed]'
                  "https://video.example/v[/embed]", attachments={"5": "https://x.example/5.jpg"})
    assert '<figcaption>Old style</figcaption>' in out
    assert '<img src="https://x.example/5.jpg"' in out and "6.jpg" not in out
    assert "[sic] and [1]. kept" in out and "[vc_row]" not in out
    assert '<a href="https://video.example/v">' in out


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "wxr"  # the WordPress importer's tests


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed-simple.xml", "is not well-formed XML (line 14: "),
        ("missing-version-tag.xml", "has no wp:wxr_version"),
        ("invalid-version-tag.xml", "has WXR version 'abc', which I do not know"),
    ],
)
def test_broken_exports_are_refused_naming_the_file_and_the_reason(name: str, reason: str) -> None:
    with pytest.raises(ArticleError) as caught:
        list(wxr.iter_items(REAL / name))
    message = str(caught.value)
    assert message.startswith(str(REAL / name) + ": ") and reason in message
    assert "\n" not in message


def test_a_truncated_export_is_refused_not_recovered(tmp_path: Path) -> None:
    data = EXPORT.read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) * 2 // 3])  # the download stopped part-way
    with pytest.raises(ArticleError, match="not well-formed XML"):
        list(wxr.iter_items(cut))


@pytest.mark.parametrize(
    ("name", "headlines"),
    [
        ("valid-wxr-1.0.xml", ["Hello world!", "Alpha post", "Child post"]),
        ("valid-wxr-1.1.xml", ["Hello world!"]),
        ("wxr-simple.xml", ['"The Road Not Taken" by Robert Frost']),
        ("small-export.xml", ["Hello world!", "Foo-child", "Top-level Foo",
                              "Non-standard post format", "Many Categories"]),
        ("authors-multiline.xml", ["Sample"]),  # no date at all
        ("wxr-with-sub-data.xml", ["Post with sub data"]),  # no date and no text
    ],
)
def test_every_published_post_of_real_exports_is_imported(name: str, headlines: list[str]) -> None:
    posts, failed, _ = read(REAL / name)
    assert not failed
    assert [p.headline for p in posts] == headlines


def test_a_post_without_any_date_takes_the_export_date_else_the_import_time() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    found = list(wxr.iter_items(REAL / "authors-multiline.xml", options=ReadOptions(now=now)))
    post, note = found
    assert isinstance(post, Article) and isinstance(note, Note)
    assert post.published == now and post.inferred == ("published",)
    assert note.message == "no date at all: used the time of import, 2026-01-02 03:04 UTC"


def test_no_text_keeps_the_title_and_says_so() -> None:
    (post,), _, notes = read(REAL / "wxr-with-sub-data.xml")
    assert post.body == "Post with sub data" and post.inferred == ("published", "body")
    assert "no text, excerpt or link: kept its title as its text" in [n.message for n in notes]


def _one_post(tmp_path: Path, item: str, channel: str = "") -> Path:
    path = tmp_path / "one.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>One</title>'
        f"<link>https://one.example</link><wp:wxr_version>1.2</wp:wxr_version>{channel}"
        f"<item>{item}<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>"
        "</channel></rss>", encoding="utf-8")  # fmt: skip
    return path


def test_a_post_without_text_becomes_a_link_to_the_original_dated_by_the_export(
    tmp_path: Path,
) -> None:
    path = _one_post(tmp_path, "<title>Gone but linked</title><wp:post_id>7</wp:post_id>"
                     "<link> https://one.example/gone/ </link>",
                     "<pubDate>Tue, 30 Sep 2025 10:12:44 +0000</pubDate>")  # fmt: skip
    (post,), failed, notes = read(path)
    assert not failed and post.body == (
        "Read the original at [https://one.example/gone/](<https://one.example/gone/>).")
    assert post.published.isoformat() == "2025-09-30T10:12:44+00:00"  # the export's date
    assert post.inferred == ("published", "body")
    assert [n.message for n in notes] == [
        "no post date: used the export's date",
        "no text: kept as a link to the original, https://one.example/gone/"]


def test_post_date_alone_is_read_in_the_newsroom_zone_when_no_post_gives_the_sites(
    tmp_path: Path,
) -> None:
    path = _one_post(tmp_path, "<title>T</title><content:encoded>Words.</content:encoded>"
                     "<wp:post_date>2025-07-01 09:00:00</wp:post_date>"
                     "<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>")  # fmt: skip
    found = list(wxr.iter_items(path, tz=ZoneInfo("Europe/Oslo")))
    post, note = found
    assert isinstance(post, Article) and isinstance(note, Note)
    assert post.published.isoformat() == "2025-07-01T09:00:00+02:00"
    assert "in the newsroom's, UTC+02:00" in note.message


def test_featured_image_url_with_whitespace_is_trimmed(tmp_path: Path) -> None:
    path = _one_post(
        tmp_path,
        "<title>T</title><content:encoded>Words.</content:encoded><wp:post_id>1</wp:post_id>"
        "<wp:post_date_gmt>2025-07-01 09:00:00</wp:post_date_gmt><wp:postmeta><wp:meta_key>"
        "_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>",
        "<item><wp:post_id>9</wp:post_id><wp:post_type>attachment</wp:post_type>"
        "<wp:attachment_url>https://one.example/a.jpg\n </wp:attachment_url></item>",
    )
    (post,), failed, _ = read(path)
    assert not failed and post.image == "https://one.example/a.jpg"
