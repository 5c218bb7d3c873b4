"""permapress import of real-world sources: URLs, WordPress exports, feeds, mixed folders."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from permapress.handle import Newsroom

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"
sys.path.insert(0, str(FIXTURES))
from localserver import Route, serve  # noqa: E402


@pytest.fixture
def home(tmp_path: Path, cli: Callable[..., Any]) -> Path:
    folder = tmp_path / "newsroom"
    assert cli("init", str(folder)).code == 0
    return folder


def test_url_page_import_is_unchanged_when_only_the_fetch_differs(
    home: Path, cli: Callable[..., Any]
) -> None:
    page = (FIXTURES / "html" / "ferry-fares-en.html").read_bytes()
    with serve({"/ferry": Route(page)}) as server:
        url = server.url("/ferry")
        first = cli("import", url, "--home", str(home), "--json")
        assert first.code == 0, first.err
        assert first.json()["imported"] == 1
        # the same text with a different ad slot: not a new version
        server.routes["/ferry"] = Route(page.replace(b"</footer>", b"<p>ad 2</p></footer>"))
        again = cli("import", url, "--home", str(home), "--json").json()
        assert again["unchanged"] == 1
        server.routes["/ferry"] = Route(page.replace(b"will stay at", b"will rise from"))
        changed = cli("import", url, "--home", str(home), "--json").json()
    assert changed["updated"] == 1
    slug = changed["items"][0]["slug"]
    shown = cli("show", slug, "--home", str(home), "--json").json()
    assert len(shown["versions"]) == 2 and "will rise from" in shown["body"]
    assert shown["media"] == ["source.warc.gz"]


def test_wordpress_export_flags_and_failures(home: Path, cli: Callable[..., Any]) -> None:
    export = FIXTURES / "wxr" / "harbour-courier.WordPress.2025-09-30.xml"
    run = cli("import", str(export), "--home", str(home))
    assert run.code == 0  # every published post is in, the one without a title too
    assert "4 imported, 0 updated, 0 unchanged, 0 failed" in run.out
    assert "no title: used its first sentence" in run.err and "use --drafts" in run.err
    assert "┃ result" in run.out  # the summary table
    more = cli("import", str(export), "--drafts", "--private", "--pages", "--home", str(home),
               "--json").json()  # fmt: skip
    assert more["imported"] == 4 and more["unchanged"] == 4
    drafts = cli("list", "--drafts", "--home", str(home), "--json").json()
    published = cli("list", "--home", str(home), "--json").json()
    assert len(drafts) == 8 and len(published) == 5  # drafts, private posts are never public


def test_a_folder_of_mixed_sources(home: Path, tmp_path: Path, cli: Callable[..., Any]) -> None:
    folder = tmp_path / "inbox"
    shutil.copytree(FIXTURES / "feeds", folder / "feeds")
    shutil.copytree(FIXTURES / "html", folder / "pages")
    shutil.copy(FIXTURES / "ninjs" / "ninjs3-list.json", folder / "wire.json")
    (folder / "media").mkdir()
    (folder / "media" / "ignored.html").write_bytes(b"<!doctype html><html><p>x</p></html>")
    report = cli("import", str(folder), "--home", str(home), "--json").json()
    failed = {f["source"].rsplit("/", 1)[-1]: f["error"] for f in report["failed"]}
    assert "not an RSS or Atom feed" in failed["not-a-feed.rss"]  # .rss claims to be a feed
    # the feed entry without a date is kept, dated by its feed, and the report says so
    assert any(n["message"] == "no date: used the feed's date, 2025-08-27 10:40 UTC"
               for n in report["notes"])  # fmt: skip
    assert not any("ignored.html" in f["source"] for f in report["failed"] + report["items"])
    sources = [i["source"] for i in report["items"]]
    assert sum("#" in s for s in sources) >= 10  # feed entries keyed by guid
    assert report["imported"] == len(report["items"]) >= 17
    assert any("not well-formed" in n["message"] for n in report["notes"])


def test_forcing_a_format(home: Path, cli: Callable[..., Any]) -> None:
    page = FIXTURES / "html" / "marche.html"
    run = cli("import", str(page), "--format", "feed", "--home", str(home), "--json")
    assert run.code == 1 and "not an RSS or Atom feed" in run.json()["failed"][0]["error"]
    assert cli("import", str(page), "--format", "html", "--home", str(home), "--json").code == 0


REAL = Path(__file__).parents[1] / "fixtures" / "real"


def _count(home: Path, cli: Callable[..., Any]) -> int:
    return len(cli("list", "--drafts", "--home", str(home), "--json").json())


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: shutil.copy(REAL / "wxr" / "malformed-simple.xml", d / "export.xml"),
         "is not well-formed XML"),
        (lambda d: shutil.copy(REAL / "wxr" / "missing-version-tag.xml", d / "export.xml"),
         "has no wp:wxr_version"),
        (lambda d: (d / "news.rss").write_text(
            "<!DOCTYPE html><html><head><title>Document moved</title></head><body><h1>Object "
            "moved</h1><p>This document may be found <a href='/feed/'>here</a>.</p></body></html>"),
         "is named like a feed (.rss) but is not one: it holds an HTML page titled "
         "'Document moved'"),
        (lambda d: (d / "empty.xml").write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
            "<link>https://quiet.example/</link></channel></rss>"),
         "is a feed with no items: nothing to import"),
        (lambda d: (d / "drafts.xml").write_text(
            '<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">'
            "<channel><title>D</title><wp:wxr_version>1.2</wp:wxr_version><item><title>Later"
            "</title><wp:post_type>post</wp:post_type><wp:status>draft</wp:status></item>"
            "</channel></rss>"),
         "holds nothing to import (skipped 1 drafts, pending and scheduled posts (use --drafts))"),
    ],
    ids=["wxr-malformed", "wxr-no-version", "html-saved-as-rss", "feed-without-items",
         "wxr-only-drafts"],
)
def test_sources_with_nothing_importable_fail_loudly_and_store_nothing(
    home: Path, tmp_path: Path, cli: Callable[..., Any], make: Callable[[Path], object],
    reason: str,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    make(folder)
    (source,) = folder.iterdir()
    run = cli("import", str(source), "--home", str(home))
    assert run.code == 1
    assert "0 imported, 0 updated, 0 unchanged, 1 failed" in run.out
    (line,) = [x for x in run.err.splitlines() if x.startswith("failed")]
    assert f"{source}: " in line and reason in line
    assert _count(home, cli) == 0


def test_an_empty_folder_is_not_a_silent_success(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.bin").write_bytes(b"\x00\x01")
    run = cli("import", str(tmp_path / "empty"), "--home", str(home), "--json")
    assert run.code == 1
    assert "holds no file in a format I can read" in run.json()["failed"][0]["error"]


def test_inferred_things_are_notes_in_the_json_and_marked_in_the_article(
    home: Path, cli: Callable[..., Any]
) -> None:
    report = cli("import", str(REAL / "feeds" / "rdf--rdf_item_title.xml"), "--home", str(home),
                 "--json").json()  # fmt: skip
    assert report["imported"] == 1 and report["failed"] == []
    notes = [n["message"] for n in report["notes"]]
    assert any(n.startswith("no date, in the entry or the feed: used the time of import")
               for n in notes)  # fmt: skip
    assert "no text: kept as a link to the original, http://example.com/1" in notes
    shown = cli("show", report["items"][0]["slug"], "--home", str(home), "--json").json()
    assert shown["headline"] == "Example title"
    assert shown["body"] == "Read the original at [http://example.com/1](<http://example.com/1>)."
    with Newsroom.open(home, readonly=True) as newsroom:  # article.md, as its bundle holds it
        version = newsroom.catalog.latest(shown["slug"])
    assert version is not None and 'inferred: ["published", "body"]\n---' in version.document
    # importing the same feed again keeps the date first guessed: nothing new is recorded
    again = cli("import", str(REAL / "feeds" / "rdf--rdf_item_title.xml"), "--home", str(home),
                "--json").json()  # fmt: skip
    assert again["unchanged"] == 1 and again["updated"] == 0


def _correct(home: Path, tmp_path: Path, cli: Callable[..., Any], slug: str, text: str) -> None:
    fixed = tmp_path / "fixed.md"
    fixed.write_text(
        f"---\ntitle: Ferry fares frozen\ndate: 2025-08-27T06:15:00Z\n---\n\n{text}\n")
    run = cli("correct", slug, str(fixed), "--note", "The fare is 38 pounds, not 83.",
              "--home", str(home))  # fmt: skip
    assert run.code == 0, run.err


def _feed(path: Path, text: str) -> None:
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Courier</title>'
        "<item><title>Ferry fares frozen</title><guid>fares-1</guid>"
        "<pubDate>Wed, 27 Aug 2025 06:15:00 +0000</pubDate>"
        f"<description>{text}</description></item></channel></rss>")  # fmt: skip


def test_reimport_never_undoes_a_correction(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    source = tmp_path / "courier.rss"
    _feed(source, "A return ticket costs 83 pounds.")
    first = cli("import", str(source), "--home", str(home), "--json").json()
    slug = first["items"][0]["slug"]
    _correct(home, tmp_path, cli, slug, "A return ticket costs 38 pounds.")

    # the same source again: the correction stands, nothing is recorded
    same = cli("import", str(source), "--home", str(home))
    assert same.code == 0 and "unchanged (corrected since)" in same.out
    assert "0 imported, 0 updated, 1 unchanged, 0 failed" in same.out
    shown = cli("show", slug, "--home", str(home), "--json").json()
    assert len(shown["versions"]) == 2 and "38 pounds" in shown["body"]

    # the source changed since: held, the note names the correction, still nothing recorded
    _feed(source, "A return ticket costs 83 pounds, the operator said.")
    held = cli("import", str(source), "--home", str(home), "--json")
    assert held.code == 0
    report = held.json()
    assert report["held"] == 1 and report["items"][0]["status"] == "held"
    (note,) = [n["message"] for n in report["notes"]]
    assert "version 2 (The fare is 38 pounds, not 83.)" in note and "--force" in note
    assert len(cli("show", slug, "--home", str(home), "--json").json()["versions"]) == 2

    # --force records it, saying which correction it supersedes
    forced = cli("import", str(source), "--force", "--home", str(home), "--json").json()
    assert forced["updated"] == 1
    assert any("supersedes version 2" in n["message"] for n in forced["notes"])
    shown = cli("show", slug, "--home", str(home), "--json").json()
    assert len(shown["versions"]) == 3 and "the operator said" in shown["body"]
    assert "Supersedes the correction in version 2" in shown["versions"][-1]["note"]
    # and from now on that import is the one a correction is measured against
    assert cli("import", str(source), "--home", str(home), "--json").json()["unchanged"] == 1


def test_a_changed_source_without_corrections_still_updates(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    source = tmp_path / "courier.rss"
    _feed(source, "First text.")
    cli("import", str(source), "--home", str(home))
    _feed(source, "Second text.")
    report = cli("import", str(source), "--home", str(home), "--json").json()
    assert report["updated"] == 1 and report["held"] == 0


def test_an_article_imported_before_import_marks_keeps_its_correction(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    source = tmp_path / "courier.rss"
    _feed(source, "A return ticket costs 83 pounds.")
    slug = cli("import", str(source), "--home", str(home), "--json").json()["items"][0]["slug"]
    _correct(home, tmp_path, cli, slug, "A return ticket costs 38 pounds.")
    with sqlite3.connect(home / "catalog.sqlite") as db:  # as a newsroom from before the marks
        db.execute("DELETE FROM import_marks")
    report = cli("import", str(source), "--home", str(home), "--json").json()
    assert report["items"][0]["status"] == "unchanged (corrected since)"
    assert len(cli("show", slug, "--home", str(home), "--json").json()["versions"]) == 2


def test_a_retracted_article_refuses_a_changed_source_even_after_a_correction(
    home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    source = tmp_path / "courier.rss"
    _feed(source, "A return ticket costs 83 pounds.")
    slug = cli("import", str(source), "--home", str(home), "--json").json()["items"][0]["slug"]
    _correct(home, tmp_path, cli, slug, "A return ticket costs 38 pounds.")
    assert cli("retract", slug, "--reason", "Wrong story.", "--home", str(home)).code == 0
    _feed(source, "A return ticket costs 83 pounds, the operator said.")
    run = cli("import", str(source), "--force", "--home", str(home), "--json")
    assert run.code == 1 and "retracted" in run.json()["failed"][0]["error"]
