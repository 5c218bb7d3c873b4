"""A version recorded by another command while a build runs waits for the next build: an
article folder's job reads its versions when it runs, but only up to the newest one the build
planned with, so the folder never shows a version its listings and fingerprint do not. (The
rest of that build may differ: the correction's entry is in the publisher's log already.)"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import resolve_path
from permapress.newsroom.record import correct_article
from permapress.site import build as build_module

BUILT_AT = "2026-01-01T00:00:00Z"


def _build_from_scratch(home: Path) -> str:
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    with Newsroom.open(home) as newsroom:
        return build_module.build_site(newsroom, workers=1, built_at=BUILT_AT).root_cid


def _folder(home: Path, root: str, slug: str) -> CID:
    with Newsroom.open(home) as newsroom:
        return resolve_path(CID.parse(root), ["articles", slug], newsroom.blocks.get)[0]


def test_a_correction_recorded_during_a_build_waits_for_the_next(
    demo_home: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    before = _build_from_scratch(demo_home)
    with Newsroom.open(demo_home) as newsroom:
        slug = newsroom.catalog.articles("published")[0].slug
        latest = newsroom.catalog.latest(slug)
        assert latest is not None
        versions = latest.number
    edited = tmp_path / "edited.md"
    edited.write_text(latest.document + "\nA sentence added while the site was building.\n")

    planned = build_module._plan_articles

    def plan_then_correct(plan: Any, newsroom: Newsroom, found: Any) -> None:
        planned(plan, newsroom, found)  # the folder jobs are planned, none has run yet
        with Newsroom.open(demo_home) as other:  # another command, its own connection
            correct_article(other, slug, edited, note="A sentence added.",
                            now=datetime(2026, 1, 2, tzinfo=UTC))  # fmt: skip

    monkeypatch.setattr(build_module, "_plan_articles", plan_then_correct)
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    with Newsroom.open(demo_home) as newsroom:
        during = build_module.build_site(newsroom, workers=1, built_at=BUILT_AT).root_cid
    monkeypatch.undo()

    with Newsroom.open(demo_home) as newsroom:
        latest = newsroom.catalog.latest(slug)
        assert latest is not None and latest.number == versions + 1  # the correction is kept
    # the article's folder as planned, without the version recorded meanwhile
    assert _folder(demo_home, during, slug) == _folder(demo_home, before, slug)
    after = _build_from_scratch(demo_home)
    assert _folder(demo_home, after, slug) != _folder(demo_home, before, slug)
