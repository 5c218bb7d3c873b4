"""A reader checks an article's history in a real browser (Debian's chromium via Playwright).

The demo newsroom publishes a correction; on a real socket, the reader goes from the article
to its version history, opens what changed in version 2 (a word-level diff), and downloads
version 1 from the history page: the CAR's root must be version 1's CID, and it must verify.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from permapress.ipfs.car import read_car
from permapress.trust.verify import verify_path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SLUG = "port-aldwick-council-passes-harbour-budget-after-late-night-session"
pytestmark = pytest.mark.browser


@pytest.fixture
def corrected(
    demo_home: Path, cli: Callable[..., Any], tmp_path: Path, serve: Callable[[Path], Any]
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    shown = cli("show", SLUG, "--home", str(demo_home), "--json").json()
    body = shown["body"].replace("passed by seven votes to four", "passed by eight votes to three")
    source = tmp_path / "fix.md"
    source.write_text(
        f"---\ntitle: {json.dumps(shown['headline'])}\ndate: {shown['published']}\n"
        f"categories: {json.dumps(shown['categories'])}\n---\n\n{body}\n",
        encoding="utf-8",
    )
    run = cli(
        "correct",
        SLUG,
        str(source),
        "--note",
        "Corrected the vote count.",
        "--home",
        str(demo_home),
    )
    assert run.code == 0, run.err
    versions = cli("show", SLUG, "--home", str(demo_home), "--json").json()["versions"]
    with serve(demo_home) as (base, _root):
        yield base, versions


def test_history_diff_and_an_old_version_download(
    corrected: tuple[str, list[dict[str, Any]]], tmp_path: Path, browser: Any
) -> None:
    base, versions = corrected
    page = browser.new_page(accept_downloads=True, viewport={"width": 1100, "height": 900})
    page.goto(f"{base}/articles/{SLUG}/index.html")
    assert "Corrected the vote count." in page.locator("p.updated").inner_text()
    page.locator("a[href='history/index.html']").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/articles/{SLUG}/history/index.html")
    items = page.locator("li.history__version")
    assert items.count() == 2
    assert items.nth(0).locator("h2").inner_text().startswith("Version 2")
    for version in versions:
        assert version["bundle_cid"] in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "history.png"), full_page=True)

    page.get_by_role("link", name="What changed in version 2").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "What changed in version 2"
    inserted = page.locator(".diff__text ins").all_inner_texts()
    deleted = page.locator(".diff__text del").all_inner_texts()
    assert "eight" in " ".join(inserted) and "seven" in " ".join(deleted)
    assert page.locator(".diff__text ins").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)
    page.go_back()
    page.wait_for_load_state()

    old = page.locator("li#v1")
    with page.expect_download() as info:
        old.get_by_role("link", name="Download IPFS", exact=True).click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"{SLUG}-v1.car"
    reader = read_car(io.BytesIO(saved.read_bytes()))
    assert [str(r) for r in reader.roots] == [versions[0]["bundle_cid"]]
    report = verify_path(saved)
    assert report.valid, report.problems
    assert (report.version, report.versions) == (1, 1)
