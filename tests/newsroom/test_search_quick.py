"""A patched build makes search/ from the corrected articles alone (``site/search_quick.py``),
and the site is the site a build from scratch makes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from permapress.site import search_build


def build(cli: Callable[..., Any], home: Path) -> Any:
    run = cli("build", "--home", str(home), "--json")
    assert run.code == 0, run.err
    return run.json()


def correct(cli: Callable[..., Any], home: Path, folder: Path, slug: str, body: str,
            headline: str | None = None) -> None:  # fmt: skip
    shown = cli("show", slug, "--home", str(home), "--json").json()
    source = folder / f"{slug}.md"
    source.write_text(
        f"---\ntitle: {json.dumps(headline or shown['headline'])}\n"
        f"date: {shown['published']}\nslug: {slug}\n"
        f"categories: {json.dumps(shown['categories'])}\nauthors: {json.dumps(shown['authors'])}\n"
        f"tags: {json.dumps(shown['tags'])}\ntype: {shown['type']}\n---\n\n{body}\n",
        encoding="utf-8",
    )
    run = cli("correct", slug, str(source), "--note", "Corrected.", "--home", str(home))
    assert run.code == 0, run.err


def assert_same_as_from_scratch(cli: Callable[..., Any], home: Path, patched: Any) -> None:
    """The site of a build from scratch (no page cache, no kept search entries) is ``patched``'s."""
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
        db.execute("DELETE FROM search_entries")
    full = build(cli, home)
    assert full["mode"] == "full"
    assert (patched["root_cid"], patched["pages"]) == (full["root_cid"], full["pages"])


def test_corrections_patch_the_search_folder_without_the_whole_index(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cli, demo_home)
    listed = [a["slug"] for a in cli("list", "--home", str(demo_home), "--json").json()]
    listed = [slug for slug in listed if slug != "corrections-policy"]
    whole = search_build.place_search

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the patched build assembled the whole search index")

    monkeypatch.setattr(search_build, "place_search", refused)
    rounds: list[list[tuple[str, str, str | None]]] = [
        [(listed[0], "Zanzibarish tides and a quokka at the harbour.", None)],
        [(listed[2], "Quokka sightings confirmed.", "A new headline about quokkas"),
         (listed[5], "Nothing about tides any more.", None)],
        [(listed[0], "Back to the harbour, no marsupials.", None)],
    ]  # fmt: skip
    for changes in rounds:
        for slug, body, headline in changes:
            correct(cli, demo_home, tmp_path, slug, body, headline)
        patched = build(cli, demo_home)
        assert patched["mode"] == "patched"
    monkeypatch.setattr(search_build, "place_search", whole)
    assert_same_as_from_scratch(cli, demo_home, patched)


def test_a_correction_the_search_patch_refuses_streams_the_whole_index(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the search patch cannot place a correction (a term whose list is capped, say),
    the patched build assembles the index from entries read in batches, as a full build
    does, never every kept entry at once, and the site is still the site made from scratch."""
    from permapress.site import search_quick

    build(cli, demo_home)
    listed = [a["slug"] for a in cli("list", "--home", str(demo_home), "--json").json()]
    listed = [slug for slug in listed if slug != "corrections-policy"]
    whole = search_build.place_search
    streamed: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> None:
        streamed.append(bool(kwargs.get("stream")))
        whole(*args, **kwargs)

    monkeypatch.setattr(search_quick, "place_patched", lambda *args, **kwargs: False)
    monkeypatch.setattr(search_build, "place_search", watched)
    correct(cli, demo_home, tmp_path, listed[1], "Quokka sightings at the harbour.")
    patched = build(cli, demo_home)
    assert patched["mode"] == "patched"
    assert streamed == [True]
    monkeypatch.setattr(search_build, "place_search", whole)
    assert_same_as_from_scratch(cli, demo_home, patched)
