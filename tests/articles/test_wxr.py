"""wxr.py and wpbody.py: WordPress exports as WordPress writes them, big ones streamed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from permapress.articles import wxr
from permapress.articles.items import Failed, Note, ReadOptions
from permapress.articles.model import Article
from permapress.articles.sources import detect
from permapress.articles.wpbody import autop, wp_html

FOLDER = Path(__file__).parents[1] / "fixtures" / "importers" / "wxr"
EXPORT = FOLDER / "harbour-courier.WordPress.2025-09-30.xml"


def read(path: Path, **flags: bool) -> tuple[list[Article], list[Failed], list[Note]]:
    found = list(wxr.iter_items(path, options=ReadOptions(**flags)))
    articles = [i for i in found if isinstance(i, Article)]
    failed = [i for i in found if isinstance(i, Failed)]
    return articles, failed, [i for i in found if isinstance(i, Note)]


def test_published_posts_with_their_metadata() -> None:
    posts, failed, notes = read(EXPORT)
    assert [p.slug for p in posts] == ["harbour-council-budget", "seabird-count", "post-103"]
    budget, seabird, russian = posts
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
    assert russian.published.isoformat() == "2025-09-09T16:30:00+00:00"  # post_date in tz
    assert [f.source for f in failed] == ["https://courier.example#post-107"]
    assert "no title" in failed[0].error
    (note,) = notes
    assert "1 drafts, pending and scheduled posts (use --drafts)" in note.message
    assert "2 private or password-protected posts (use --private)" in note.message
    assert "1 pages (use --pages)" in note.message and "1 attachment items" in note.message


def test_flags_bring_in_drafts_private_posts_and_pages_as_drafts() -> None:
    posts, _, _ = read(EXPORT, drafts=True, private=True, pages=True)
    by_slug = {p.slug: p for p in posts}
    assert by_slug["about"].draft is False  # a published page
    assert by_slug["staff-rota"].draft and by_slug["interview"].draft  # private, password
    draft = by_slug["draft-ferry-timetable-review"]
    assert draft.draft and draft.published.isoformat() == "2025-09-20T10:00:00+00:00"


def test_wxr_1_0_in_latin1_without_a_version_tag() -> None:
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
                  "<link>https://big.example</link>\n")  # fmt: skip
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
