"""export.py through the CLI: export the demo newsroom, import it into a fresh one, and get the
very same articles back: article.md and every media file keep their CIDs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from permapress.articles.export import FORMATS
from permapress.cli import main
from permapress.errors import ConfigError
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


WEB_PAGE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "importers" / "html" / "ferry-fares-en.html"
)
ARTICLES = 22  # the 17 demo articles, its 4 pages and one web page (which keeps source.warc.gz)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("export") / "demo"
    for args in (["init", str(home), "--demo"], ["import", str(WEB_PAGE), "--home", str(home)]):
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code
    return home


def bundle_files(home: Path) -> dict[str, dict[str, str]]:
    """slug -> {"article.md": cid, "media/<name>": cid, …} of each article's latest bundle."""
    found: dict[str, dict[str, str]] = {}
    with Newsroom.open(home, readonly=True) as newsroom:
        for row in newsroom.catalog.articles():
            latest = newsroom.catalog.latest(row.slug)
            assert latest is not None
            entries = {n: c for n, c, _ in list_directory(CID.parse(latest.bundle_cid),
                                                          newsroom.blocks.get)}  # fmt: skip
            files = {"article.md": str(entries["article.md"])}
            if "media" in entries:
                for name, cid, _ in list_directory(entries["media"], newsroom.blocks.get):
                    files[f"media/{name}"] = str(cid)
            found[row.slug] = files
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_gives_the_same_articles(
    fmt: str, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"out-{fmt}"
    code, text = run("export", "--home", str(demo), "--format", fmt, str(out), "--json",
                     capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(text)["articles"] == ARTICLES
    fresh = tmp_path / "fresh"
    assert run("init", str(fresh), capsys=capsys)[0] == 0
    code, text = run("import", "--home", str(fresh), str(out), "--json", capsys=capsys)
    report = json.loads(text)
    assert code == 0, report["failed"]
    assert report["imported"] == ARTICLES and report["failed"] == []
    original, copied = bundle_files(demo), bundle_files(fresh)
    assert sorted(copied) == sorted(original)
    assert copied == original  # article.md and every media file: same bytes, same CIDs
    assert sum(len(files) - 1 for files in original.values()) >= 5  # the demo has images
    assert any("media/source.warc.gz" in files for files in original.values())
    again = json.loads(run("import", "--home", str(fresh), str(out), "--json", capsys=capsys)[1])
    assert again["unchanged"] == ARTICLES and again["imported"] == again["updated"] == 0


def test_export_layouts(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in FORMATS:
        assert run("export", "--home", str(demo), "--format", fmt, str(tmp_path / fmt),
                   capsys=capsys)[0] == 0  # fmt: skip
    slug = "harbour-rowing-club-wins-first-regional-title-in-31-years"
    assert (tmp_path / "markdown" / slug / "index.md").read_text().startswith("---\ntitle: ")
    assert (tmp_path / "markdown" / slug / "media" / "rowing.jpg").is_file()
    item = json.loads((tmp_path / "ninjs" / f"{slug}.json").read_text())
    assert item["standard"]["name"] == "ninjs" and item["slugline"] == slug
    assert item["associations"][0]["name"] == "leadimage"
    assert item["associations"][0]["renditions"][0]["href"] == f"{slug}/media/rowing.jpg"
    feed = json.loads((tmp_path / "jsonfeed" / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == ARTICLES
    assert all(i["id"].startswith("urn:permapress:article:") for i in feed["items"])


def test_export_refuses_a_folder_that_is_not_empty(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x.txt").write_text("mine")
    code, _ = run("export", "--home", str(demo), "--format", "ninjs", str(tmp_path / "taken"),
                  capsys=capsys)  # fmt: skip
    assert code == 1 and (tmp_path / "taken" / "x.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no staging left behind
    with pytest.raises(ConfigError):
        from permapress.articles.export import export_files

        export_files([], "csv", site_name="x", language="en", taxonomy=None)  # type: ignore[arg-type]
