"""`permapress import PATH --watch`: the edit loop, run as its own process as a journalist runs it.

Each save is imported and built in the same process; after several rounds the root is the root
of a build from scratch, and a server reading the catalog sees each round's root.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from permapress.cli import main
from permapress.ipfs.blockstore import FileBlockstore
from permapress.server.published import PublishedSite
from permapress.sitepaths import article_page

PERMAPRESS = str(Path(sys.executable).parent / "permapress")
WAIT = 120.0  # a guard so a broken loop fails the test instead of hanging it (not a timing)


def story(folder: Path, number: int, body: str, *, title: str | None = None) -> Path:
    path = folder / f"story-{number}.md"
    path.write_text(
        f"---\ntitle: {title or f'Harbour story {number}'}\n"
        f"date: 2025-03-{number + 1:02d}T09:00:00+00:00\ncategories: [Harbour]\n---\n\n"
        f"{body}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def newsroom(tmp_path: Path) -> tuple[Path, Path]:
    """An empty newsroom and a folder of four Markdown stories (and a note the loop skips)."""
    home, src = tmp_path / "newsroom", tmp_path / "stories"
    src.mkdir()
    for number in range(4):
        story(src, number, f"The harbour opened its gates, part {number}.")
    (src / ".draft.md").write_text("hidden: never imported\n", encoding="utf-8")
    try:
        main(["init", str(home)])
    except SystemExit as exc:
        assert not exc.code
    return home, src


class Lines:
    """A stream's lines as they come, read in a thread (so a wait can give up)."""

    def __init__(self, stream: IO[str]) -> None:
        self.got: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.got.put(line)
        self.got.put("")

    def next(self) -> str:
        try:
            return self.got.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError("the loop printed nothing") from None


@contextmanager
def loop(home: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], Lines, Lines]]:
    process = subprocess.Popen(
        [PERMAPRESS, "import", *args, "--watch", "--json", "--home", str(home)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PERMAPRESS_DEBUG": ""},
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process, Lines(process.stdout), Lines(process.stderr)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def watching(err: Lines) -> None:
    line = err.next()
    assert line.startswith("Watching for saves"), line


def from_scratch(home: Path) -> dict[str, Any]:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    out = subprocess.run([PERMAPRESS, "build", "--home", str(home), "--json"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    made: dict[str, Any] = json.loads(out)
    assert made["mode"] == "full"
    return made


def test_each_save_is_imported_and_built_and_the_root_is_a_fresh_builds(
    newsroom: tuple[Path, Path],
) -> None:
    home, src = newsroom
    with loop(home, str(src), "--rounds", "3") as (process, out, err):
        first = json.loads(out.next())
        assert first["round"] == 0 and first["imported"] == 4 and first["mode"] == "full"
        watching(err)
        server = PublishedSite(home / "catalog.sqlite", FileBlockstore(home / "blocks").get)
        assert str(server.root()) == first["root_cid"]
        roots = [first["root_cid"]]
        edits: list[Callable[[], Path]] = [
            lambda: story(src, 1, "The harbour opened its gates, corrected."),
            lambda: story(src, 2, "Two more paragraphs.\n\nAbout the tides."),
            lambda: story(src, 1, "The harbour opened its gates, corrected twice."),
        ]
        for number, edit in enumerate(edits, start=1):
            saved = edit()
            done = json.loads(out.next())
            assert done["round"] == number
            assert done["changed"] == [str(saved.resolve())]
            assert [(i["status"], i["version"]) for i in done["items"]] == [
                ("updated", 2 if number < 3 else 3)
            ]
            assert done["mode"] == "patched" and done["rendered"] > 0
            assert done["root_cid"] not in roots
            roots.append(done["root_cid"])
            server.refresh()
            assert str(server.root()) == done["root_cid"]  # what `serve` shows now
        assert process.wait(timeout=WAIT) == 0
        assert out.next() == ""  # one line per round, nothing else on standard output
    assert from_scratch(home)["root_cid"] == roots[-1]


def test_a_running_server_shows_each_save(
    newsroom: tuple[Path, Path], serve: Callable[[Path], Any]
) -> None:
    """`permapress serve` beside the loop, on a real socket: the article's page it answers
    carries the saved text once the round's line is printed (the server looks at the catalog's
    newest build at most every half second)."""
    home, src = newsroom
    with loop(home, str(src), "--rounds", "1") as (process, out, err):
        first = json.loads(out.next())
        watching(err)
        slug = first["items"][1]["slug"]
        with serve(home) as (base, root):
            assert root == first["root_cid"]
            story(src, 1, "The gates stay open all night, the council said.")
            done = json.loads(out.next())
            url = f"{base}/{article_page(slug)}"
            deadline = time.monotonic() + WAIT
            page = httpx.get(url).text
            while "stay open all night" not in page and time.monotonic() < deadline:
                time.sleep(0.1)
                page = httpx.get(url).text
            assert "stay open all night" in page
            gateway = f"{base}/ipfs/{done['root_cid']}/{article_page(slug)}"
            assert httpx.get(gateway).status_code == 200  # the new root, through the gateway
        assert process.wait(timeout=WAIT) == 0


def test_a_new_file_and_a_broken_one_are_one_line_each_and_the_loop_goes_on(
    newsroom: tuple[Path, Path],
) -> None:
    home, src = newsroom
    with loop(home, str(src), "--rounds", "2") as (process, out, err):
        out.next()
        watching(err)
        (src / "story-9.md").write_text("---\ntitle: [unclosed\n---\n\nBody.\n", encoding="utf-8")
        broken = json.loads(out.next())
        assert broken["failed"] and broken["mode"] is None  # nothing built for it
        story(src, 9, "A story that was not there before.")
        added = json.loads(out.next())
        assert [i["status"] for i in added["items"]] == ["imported"]
        assert added["mode"] in ("incremental", "full") and not added["failed"]
        assert process.wait(timeout=WAIT) == 0
    assert from_scratch(home)["root_cid"] == added["root_cid"]


def test_a_build_that_fails_is_one_round_and_the_next_save_builds(
    newsroom: tuple[Path, Path],
) -> None:
    """A theme template saved broken (not UTF-8) while the loop runs: the round that meets it
    says the site was not built, the loop goes on, and once the file is mended the next save
    builds (the render version changed with the theme: the incremental way)."""
    home, src = newsroom
    template = home / "theme" / "templates" / "article.html"
    with loop(home, str(src), "--rounds", "2") as (process, out, err):
        out.next()
        watching(err)
        template.parent.mkdir(parents=True, exist_ok=True)
        template.write_bytes(b"\xff\xfe not a template")
        story(src, 1, "Saved while the theme was broken.")
        broken = json.loads(out.next())
        assert [i["status"] for i in broken["items"]] == ["updated"]
        assert broken["mode"] is None and broken["failed"][0]["source"] == "build"
        assert "not built" in broken["failed"][0]["error"]
        template.unlink()
        story(src, 1, "Saved again once the theme was mended.")
        mended = json.loads(out.next())
        assert mended["mode"] in ("patched", "incremental") and not mended["failed"]
        assert process.wait(timeout=WAIT) == 0
    assert from_scratch(home)["root_cid"] == mended["root_cid"]


def test_settings_changed_while_the_loop_runs_show_from_the_next_save(
    newsroom: tuple[Path, Path],
) -> None:
    home, src = newsroom
    settings = home / "permapress.toml"
    with loop(home, str(src), "--rounds", "1") as (process, out, err):
        out.next()
        watching(err)
        text = settings.read_text(encoding="utf-8")
        settings.write_text(text.replace("Independent reporting", "Harbour reporting"),
                            encoding="utf-8")  # fmt: skip
        story(src, 3, "Saved after the tagline changed.")
        done = json.loads(out.next())
        assert done["mode"] == "incremental"  # the settings changed: not the quick path
        assert process.wait(timeout=WAIT) == 0
    assert from_scratch(home)["root_cid"] == done["root_cid"]


def test_ctrl_c_stops_the_loop_with_one_line(newsroom: tuple[Path, Path]) -> None:
    home, src = newsroom
    with loop(home, str(src)) as (process, out, err):
        out.next()
        watching(err)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=WAIT) == 130
        assert err.next().strip() == "stopped watching"
        assert err.next() == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nowhere.md", "--watch"], "nowhere.md: no such file or folder"),
        (["https://example.org/feed.xml", "--watch"], "not URLs"),
        (["story-1.md", "--rounds", "2"], "--rounds goes with --watch"),
    ],
)
def test_bad_input_is_one_line(
    newsroom: tuple[Path, Path], cli: Callable[..., Any], args: list[str], says: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    home, src = newsroom
    monkeypatch.chdir(src)
    run = cli("import", *args, "--home", str(home))
    assert run.code == 1
    assert says in run.err and len(run.err.strip().splitlines()) == 1
