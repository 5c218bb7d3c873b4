"""Gaps in "nothing published is lost": an http lead image, an unreadable feed date, JSON Feed
fields that are not text. Each is imported with a note, never refused; through the readers and
the real command line (images served by a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from permapress.articles import html, markdown, ninjs
from permapress.articles.model import Article
from permapress.cli import main

from .conftest import JPEG
from .imageserver import image_server, ok


def _run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def _stored(home: Path, slug: str) -> Article:
    from permapress.handle import Newsroom
    from permapress.newsroom.record import load_article

    with Newsroom.open(home, readonly=True) as newsroom:
        latest = newsroom.catalog.latest(slug)
        assert latest is not None
        return load_article(newsroom, latest, with_media=True)


def _post(folder: Path, image: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "quay.md"
    path.write_text(f"---\ntitle: Quay lights\ndate: 2025-10-03\nimage: {image}\n---\n\n"
                    "The quay lights were switched on.\n", encoding="utf-8")  # fmt: skip
    return path


def test_markdown_http_lead_image_is_read_not_refused(tmp_path: Path) -> None:
    (article,) = markdown.read(_post(tmp_path, "http://news.example/img/quay.jpg"))
    assert article.image == "http://news.example/img/quay.jpg" and article.media == ()


def test_html_and_ninjs_keep_an_http_lead_image(tmp_path: Path) -> None:
    page = tmp_path / "quay.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Quay lights</title>'
        '<meta property="og:image" content="http://news.example/img/quay.jpg">'
        '<meta property="article:published_time" content="2025-10-03T08:00:00+00:00"></head>'
        "<body><article><h1>Quay lights</h1><p>The quay lights were switched on on Friday "
        "evening after a year of repairs, the harbour office said in a short statement to the "
        "people who live along the water.</p></article></body></html>",
        encoding="utf-8",
    )
    (from_page,) = html.read(page)
    assert from_page.image == "http://news.example/img/quay.jpg"
    wire = tmp_path / "quay.json"
    wire.write_text(json.dumps({
        "uri": "http://wire.example/quay", "headline": "Quay lights",
        "versioncreated": "2025-10-03T08:00:00Z", "body_text": "The quay lights were on.",
        "associations": {"featureimage": {"type": "picture", "renditions": {
            "original": {"href": "http://wire.example/quay.jpg", "contentType": "image/jpeg"}}}},
    }), encoding="utf-8")  # fmt: skip
    (from_wire,) = [i for i in ninjs.read(wire) if isinstance(i, Article)]
    assert from_wire.image == "http://wire.example/quay.jpg"


def test_http_lead_image_is_archived_or_kept_as_a_link_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with image_server({"/img/quay.jpg": ok(JPEG)}) as server:
        url = server.url("/img/quay.jpg")
        assert url.startswith("http://")
        post = _post(tmp_path / "posts", url)
        home = tmp_path / "newsroom"
        assert _run("init", str(home), capsys=capsys)[0] == 0
        code, out = _run("import", str(post), "--home", str(home), "--json", capsys=capsys)
        report = json.loads(out)
        assert code == 0 and report["imported"] == 1 and report["failed"] == []
        assert server.hits["/img/quay.jpg"] == 1
        stored = _stored(home, "quay-lights")
        assert stored.image == "quay.jpg"  # now local, in the bundle's media/
        assert [(m.name, m.data, m.origin) for m in stored.media] == [("quay.jpg", JPEG, url)]

        plain = tmp_path / "plain"
        assert _run("init", str(plain), capsys=capsys)[0] == 0
        code, out = _run("import", str(post), "--home", str(plain), "--json", "--no-media",
                         capsys=capsys)  # fmt: skip
        report = json.loads(out)
        assert code == 0 and report["imported"] == 1 and report["failed"] == []
        assert server.hits["/img/quay.jpg"] == 1  # nothing fetched
        messages = [n["message"] for n in report["notes"]]
        assert f"lead image {url} is kept as an http:// link (media archiving is off)" \
            in messages
        stored = _stored(plain, "quay-lights")
        assert stored.image == url and stored.media == ()


def _json_feed(tmp_path: Path, *entries: dict[str, object]) -> Path:
    path = tmp_path / "desk.json"
    path.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Desk",
                                "items": list(entries)}), encoding="utf-8")  # fmt: skip
    return path


def test_import_keeps_a_json_feed_item_whose_date_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _json_feed(tmp_path, {"id": "a", "title": "Quay reopened",
                                   "content_text": "The quay reopened on Friday.",
                                   "date_published": "the day after the storm"})  # fmt: skip
    home = tmp_path / "newsroom"
    assert _run("init", str(home), capsys=capsys)[0] == 0
    code, out = _run("import", str(source), "--home", str(home), "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["imported"] == 1 and report["failed"] == []
    messages = [n["message"] for n in report["notes"]]
    assert "date_published 'the day after the storm' is not a date that can be read: ignored" \
        in messages
    assert any(m.startswith("no date: used the time of import") for m in messages)
    assert _stored(home, "quay-reopened").inferred == ("published",)


def test_import_treats_json_feed_values_that_are_not_text_as_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _json_feed(tmp_path, {"id": "a", "title": {"x": 1},
                                   "content_text": "The quay reopened on Friday. Boats came.",
                                   "date_published": "2025-07-08T09:00:00Z"})  # fmt: skip
    home = tmp_path / "newsroom"
    assert _run("init", str(home), capsys=capsys)[0] == 0
    code, out = _run("import", str(source), "--home", str(home), "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["imported"] == 1 and report["failed"] == []
    assert report["items"][0]["slug"] == "the-quay-reopened-on-friday"
    messages = [n["message"] for n in report["notes"]]
    assert "title is an object, not text: ignored" in messages
    stored = _stored(home, "the-quay-reopened-on-friday")
    assert stored.headline == "The quay reopened on Friday" and stored.inferred == ("headline",)
