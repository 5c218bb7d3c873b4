"""The goal: after importing pages, feeds, WordPress posts and Markdown that show reachable
images, the built site shows no image from elsewhere. Everything is served by a real HTTP
server on 127.0.0.1 and imported and built through the real command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from permapress.cli import main

from .conftest import GIF, JPEG, PNG
from .imageserver import ImageServer, image_server, ok

WIDE_JPEG = JPEG[:-2] + b"wide" + JPEG[-2:]  # another file, still a JPEG


def _page(base: str) -> bytes:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour wall repaired before the storms | The Courier</title>
<meta property="og:title" content="Harbour wall repaired before the storms">
<meta property="article:published_time" content="2025-10-02T08:00:00+00:00">
</head><body><header><img src="{base}/logo.png" alt="logo"></header>
<article><h1>Harbour wall repaired before the storms</h1>
<p>The repair of the old harbour wall finished on Wednesday, two weeks before the winter
storms are expected, the port authority said in a statement to residents.</p>
<figure><img src="{base}/img/wall-small.jpg" srcset="{base}/img/wall-small.jpg 300w,
{base}/img/wall-large.jpg 1200w" alt="The repaired wall"><figcaption>The wall</figcaption>
</figure>
<p>Workers replaced more than four hundred stones and sealed the joints against the sea, which
had washed out parts of the wall during last year's storms and flooded the quay twice.</p>
</article></body></html>""".encode()


def _feed(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Courier</title><link>{base}/</link><description>News</description>
<item><title>Ferry timetable changes</title><link>{base}/ferry</link><guid>ferry-1</guid>
<pubDate>Thu, 02 Oct 2025 09:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>The ferry leaves earlier from Monday.</p>
<p><img src="{base}/img/ferry.gif" alt="The ferry"></p>
<p><img src="{base}/img/wall-large.jpg" alt="The wall again"></p>
<p><img src="{base}/missing.jpg" alt="A lost picture"></p>]]></content:encoded></item>
</channel></rss>""".encode()


def _wp_image(base: str) -> str:
    """An image as WordPress writes it: on one line, small src, srcset up to the full size."""
    uploads = f"{base}/wp-content/uploads"
    return (f'<img class="size-medium" src="{uploads}/chart-300x200.png" '
            f'srcset="{uploads}/chart-300x200.png 300w, {uploads}/chart.png 1024w" alt="Chart">')


def _wxr(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Courier</title><link>{base}</link><language>en</language>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>{base}</wp:base_site_url>
<wp:base_blog_url>{base}</wp:base_blog_url>
<item><title>Budget passed</title><link>{base}/budget/</link>
<pubDate>Wed, 12 Mar 2025 23:10:00 +0000</pubDate><dc:creator>ines</dc:creator>
<guid isPermaLink="false">{base}/?p=101</guid>
<content:encoded><![CDATA[The council voted on Wednesday night to pass the budget.

{_wp_image(base)}

[gallery ids="120"]]]></content:encoded>
<wp:post_id>101</wp:post_id><wp:post_date>2025-03-12 23:10:00</wp:post_date>
<wp:post_date_gmt>2025-03-12 23:10:00</wp:post_date_gmt><wp:post_name>budget-passed</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
<item><title>harbour</title><wp:post_id>120</wp:post_id><wp:post_parent>101</wp:post_parent>
<wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>
<wp:attachment_url>{base}/wp-content/uploads/harbour.jpg</wp:attachment_url></item>
</channel></rss>""".encode()


@pytest.fixture
def server() -> Iterator[ImageServer]:
    routes = {
        "/logo.png": ok(PNG, "image/png"),
        "/img/wall-small.jpg": ok(JPEG),
        "/img/wall-large.jpg": ok(WIDE_JPEG),
        "/img/ferry.gif": ok(GIF, "image/gif"),
        "/wp-content/uploads/chart-300x200.png": ok(PNG, "image/png"),
        "/wp-content/uploads/chart.png": ok(PNG + b"large", "image/png"),
        "/wp-content/uploads/harbour.jpg": ok(JPEG + b"harbour"),
    }
    with image_server(routes) as running:
        base = running.url("")
        running.routes["/wall"] = ok(_page(base), "text/html; charset=utf-8")
        running.routes["/feed.xml"] = ok(_feed(base), "application/rss+xml")
        yield running


def _run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def _import_everything(
    home: Path, server: ImageServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> dict[str, object]:
    assert _run("init", str(home), capsys=capsys)[0] == 0
    base = server.url("")
    export = tmp_path / "export.xml"
    export.write_bytes(_wxr(base))
    posts = tmp_path / f"posts-{home.name}"
    posts.mkdir()
    (posts / "quay.md").write_text(
        f"---\ntitle: Quay lights\ndate: 2025-10-03\n---\n\n![The quay]({base}/img/ferry.gif)\n",
        encoding="utf-8",
    )
    sources = [server.url("/wall"), server.url("/feed.xml"), str(export), str(posts)]
    code, out = _run("import", *sources, "--home", str(home), "--json", *extra, capsys=capsys)
    report = json.loads(out)
    assert report["failed"] == [] and code == 0
    assert report["imported"] == 4
    return dict(report)


def _external_images(site: Path) -> list[str]:
    """Every <img src>, srcset and <source srcset> in the built HTML that is not local."""
    found: list[str] = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        root = lxml.html.fromstring(page.read_bytes())
        for element in root.iter("img", "source"):
            refs = [element.get("src") or ""]
            refs += [part.split()[0] for part in (element.get("srcset") or "").split(",")
                     if part.strip()]  # fmt: skip
            found += [f"{page.name}: {ref}" for ref in refs
                      if ref.startswith(("http:", "https:", "//"))]  # fmt: skip
    return found


def test_a_built_site_shows_no_image_from_elsewhere(
    server: ImageServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "newsroom"
    report = _import_everything(home, server, tmp_path, capsys)
    notes = [note["message"] for note in report["notes"]]  # type: ignore[attr-defined]
    missing = server.url("/missing.jpg")
    assert f"image {missing} was not archived: the server answered HTTP 404; it stays a link" \
        in notes
    # srcset: the largest candidate, never the small one; each URL fetched once in the run
    assert server.hits["/img/wall-large.jpg"] == 1 and server.hits["/img/wall-small.jpg"] == 0
    assert server.hits["/wp-content/uploads/chart.png"] == 1
    assert server.hits["/wp-content/uploads/chart-300x200.png"] == 0
    assert server.hits["/wp-content/uploads/harbour.jpg"] == 1  # the gallery's attachment
    assert server.hits["/img/ferry.gif"] == 1  # the feed and the Markdown file share it

    site = tmp_path / "site"
    assert _run("build", "--home", str(home), "--out", str(site), capsys=capsys)[0] == 0
    assert _external_images(site) == []
    shown = {p.name for p in site.rglob("media/*")}
    assert {"wall-large.jpg", "ferry.gif", "chart.png", "harbour.jpg"} <= shown
    code, out = _run("show", "ferry-timetable-changes", "--home", str(home), "--json",
                     capsys=capsys)  # fmt: skip
    body = json.loads(out)["body"]
    assert "![The ferry](media/ferry.gif)" in body
    assert f"[A lost picture]({missing})" in body  # a link with its alt text, not an image

    # the image the feed entry and the Markdown file share is one file, one CID, in both
    from permapress.handle import Newsroom

    with Newsroom.open(home, readonly=True) as newsroom:
        cids = [row.cid for slug in ("ferry-timetable-changes", "quay-lights")
                for row in newsroom.catalog.media(slug, 1) if row.name == "ferry.gif"]  # fmt: skip
    assert len(cids) == 2 and cids[0] == cids[1]

    # a second import fetches nothing again and records nothing new
    before = sum(server.hits.values())
    server.routes.pop("/img/ferry.gif")  # even with the image gone from its site
    code, out = _run("import", server.url("/feed.xml"), "--home", str(home), "--json",
                     capsys=capsys)  # fmt: skip
    rerun = json.loads(out)
    assert rerun["unchanged"] == 1 and rerun["updated"] == 0, rerun
    image_hits = sum(n for path, n in server.hits.items() if path.startswith("/img/"))
    assert image_hits == 2  # wall-large and ferry from the first run only
    assert sum(server.hits.values()) - before == 2  # the feed, and the missing image retried


def test_without_media_the_scan_sees_the_remote_images(
    server: ImageServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "plain"
    report = _import_everything(home, server, tmp_path, capsys, "--no-media")
    assert report["notes"] == [] or all(
        "not archived" not in n["message"] for n in report["notes"]  # type: ignore[attr-defined]
    )
    assert not any(path.startswith(("/img/", "/wp-content/")) for path in server.hits)
    site = tmp_path / "site"
    assert _run("build", "--home", str(home), "--out", str(site), capsys=capsys)[0] == 0
    external = _external_images(site)
    assert any("/img/ferry.gif" in ref for ref in external)  # the scan finds what is left


def test_archive_false_and_watch_no_media_fetch_no_image(
    server: ImageServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "off"
    assert _run("init", str(home), capsys=capsys)[0] == 0
    config = home / "permapress.toml"
    text = config.read_text(encoding="utf-8")
    assert "archive = true" in text  # init writes the setting, explained
    config.write_text(text.replace("archive = true", "archive = false"), encoding="utf-8")
    code, out = _run("import", server.url("/feed.xml"), "--home", str(home), "--json",
                     capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["imported"] == 1
    watched = tmp_path / "watched"
    assert _run("init", str(watched), capsys=capsys)[0] == 0
    code, _ = _run("watch", server.url("/feed.xml"), "--once", "--no-media", "--home",
                   str(watched), "--json", capsys=capsys)  # fmt: skip
    assert code == 0
    assert not any(path.startswith("/img/") for path in server.hits)
    code, _ = _run("watch", server.url("/feed.xml"), "--once", "--home", str(watched),
                   "--json", capsys=capsys)  # fmt: skip
    assert server.hits["/img/ferry.gif"] == 1  # watching archives by default

