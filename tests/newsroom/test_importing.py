"""permapress import of real-world sources: URLs, WordPress exports, feeds, mixed folders."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
    assert run.code == 1  # the post without a title failed, the others were imported
    assert "3 imported, 0 updated, 0 unchanged, 1 failed" in run.out
    assert "no title" in run.err and "use --drafts" in run.err
    assert "┃ result" in run.out  # the summary table
    more = cli("import", str(export), "--drafts", "--private", "--pages", "--home", str(home),
               "--json").json()  # fmt: skip
    assert more["imported"] == 4 and more["unchanged"] == 3
    drafts = cli("list", "--drafts", "--home", str(home), "--json").json()
    published = cli("list", "--home", str(home), "--json").json()
    assert len(drafts) == 7 and len(published) == 4  # drafts, private posts are never public


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
    assert any("has no date" in f["error"] for f in report["failed"])
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
