"""Builds after corrections patch the last site (``site/quick.py``); every other change takes the
ordinary way. Whichever way a build goes, its root must be the root of a build from scratch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def build(cli: Callable[..., Any], home: Path) -> Any:
    run = cli("build", "--home", str(home), "--json")
    assert run.code == 0, run.err
    return run.json()


def from_scratch(cli: Callable[..., Any], home: Path) -> Any:
    """Build again with nothing cached (the page cache holds the build state's checksum)."""
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    made = build(cli, home)
    assert made["mode"] == "full"
    return made


def write(
    cli: Callable[..., Any],
    home: Path,
    folder: Path,
    slug: str,
    *,
    headline: str | None = None,
    categories: list[str] | None = None,
    body: str = "A corrected body.",
) -> None:
    shown = cli("show", slug, "--home", str(home), "--json").json()
    source = folder / f"{slug}.md"
    source.write_text(
        "---\n"
        f"title: {json.dumps(headline or shown['headline'])}\n"
        f"date: {shown['published']}\n"
        f"slug: {slug}\n"
        f"categories: {json.dumps(categories or shown['categories'])}\n"
        f"authors: {json.dumps(shown['authors'])}\n"  # who is on an author's page stays
        f"tags: {json.dumps(shown['tags'])}\n"  # a newsroom page's tags name its policies
        f"type: {shown['type']}\n"
        f"---\n\n{body}\n",
        encoding="utf-8",
    )
    run = cli("correct", slug, str(source), "--note", "Corrected.", "--home", str(home))
    assert run.code == 0, run.err


def slugs(cli: Callable[..., Any], home: Path) -> list[str]:
    return [a["slug"] for a in cli("list", "--home", str(home), "--json").json()]


def test_corrections_are_patched_into_the_last_site(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path
) -> None:
    build(cli, demo_home)
    for round_ in range(2):  # a patched build after a patched build
        for slug in slugs(cli, demo_home)[round_::4]:
            write(cli, demo_home, tmp_path, slug, body=f"Corrected in round {round_}.")
        patched = build(cli, demo_home)
        assert patched["mode"] == "patched"
        assert patched["rendered"] > 0
    full = from_scratch(cli, demo_home)
    assert (patched["root_cid"], patched["pages"]) == (full["root_cid"], full["pages"])
    assert patched["rendered"] < full["rendered"] / 2


def test_a_build_with_nothing_new_is_the_last_site(
    demo_home: Path, cli: Callable[..., Any]
) -> None:
    first = build(cli, demo_home)
    again = build(cli, demo_home)
    assert again["mode"] == "patched" and again["rendered"] == 0
    assert (again["root_cid"], again["pages"]) == (first["root_cid"], first["pages"])


@pytest.mark.parametrize(
    "change",
    ["new article", "other categories", "retraction", "settings"],
)
def test_changes_that_move_articles_take_the_ordinary_build(
    change: str, demo_home: Path, cli: Callable[..., Any], tmp_path: Path
) -> None:
    build(cli, demo_home)
    slug = slugs(cli, demo_home)[3]
    if change == "new article":
        fresh = tmp_path / "fresh.md"
        fresh.write_text("---\ntitle: Fresh\ndate: 2025-10-01T08:00:00Z\n---\n\nNews.\n")
        assert cli("import", str(fresh), "--home", str(demo_home)).code == 0
    elif change == "other categories":
        write(cli, demo_home, tmp_path, slug, categories=["Weather"])
    elif change == "retraction":
        run = cli("retract", slug, "--reason", "Wrong.", "--home", str(demo_home))
        assert run.code == 0, run.err
    else:
        config = demo_home / "permapress.toml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("Independent reporting", "Reporting"))
    made = build(cli, demo_home)
    assert made["mode"] == "incremental"
    full = from_scratch(cli, demo_home)
    assert (made["root_cid"], made["pages"]) == (full["root_cid"], full["pages"])



def test_a_later_draft_is_not_patched_in(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path
) -> None:
    """An article whose newest version is a draft keeps showing its last public version when
    another article's correction is patched in (the search index among them)."""
    source = tmp_path / "quay.md"
    story = "---\ntitle: Quay wall repaired\ndate: 2025-09-01T08:00:00Z\n{draft}---\n\n{body}\n"
    source.write_text(story.format(draft="", body="The quay reopened."), encoding="utf-8")
    assert cli("import", str(source), "--home", str(demo_home)).code == 0
    build(cli, demo_home)
    source.write_text(story.format(draft="draft: true\n", body="A rewrite, zanzibarish."))
    run = cli("import", str(source), "--home", str(demo_home), "--json")
    assert run.code == 0, run.err
    assert run.json()["updated"] == 1
    other = next(slug for slug in slugs(cli, demo_home) if slug != "quay-wall-repaired")
    write(cli, demo_home, tmp_path, other, body="Corrected beside a draft.")
    patched = build(cli, demo_home)
    assert patched["mode"] == "patched"
    kept = search_row(demo_home)
    full = from_scratch(cli, demo_home)
    assert (patched["root_cid"], patched["pages"]) == (full["root_cid"], full["pages"])
    assert kept == search_row(demo_home)  # the next build knows search/ for what it is


def search_row(home: Path) -> Any:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        return db.execute("SELECT * FROM page_cache WHERE path = 'search/'").fetchone()


def test_a_new_headline_reaches_the_news_sitemap(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path
) -> None:
    """The news sitemap is made again when a correction changes what it shows (the headline),
    and left as it is when only the body changed."""
    build(cli, demo_home)
    slug = slugs(cli, demo_home)[1]
    write(cli, demo_home, tmp_path, slug, body="Only the body changed.")
    assert build(cli, demo_home)["mode"] == "patched"
    write(cli, demo_home, tmp_path, slug, headline="Harbour wall: the second look")
    patched = build(cli, demo_home)
    assert patched["mode"] == "patched"
    full = from_scratch(cli, demo_home)
    assert (patched["root_cid"], patched["pages"]) == (full["root_cid"], full["pages"])
