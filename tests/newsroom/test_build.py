"""`permapress build`: the site as one IPFS directory, deterministic and incremental."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID
from permapress.ipfs.verify import verify_car


def build(cli: Callable[..., Any], home: Path, *args: str) -> Any:
    run = cli("build", "--home", str(home), "--json", *args)
    assert run.code == 0, run.err
    return run.json()


def test_build_is_deterministic_and_prints_the_root_last(
    demo_home: Path, cli: Callable[..., Any]
) -> None:
    first = build(cli, demo_home)
    assert first["rendered"] == 0  # the session template was built already: nothing changed
    plain = cli("build", "--home", str(demo_home))
    assert plain.last_line == first["root_cid"]
    CID.parse(first["root_cid"])
    assert first["articles"] >= 12 and first["pages"] > first["articles"]
    assert set(first) >= {"root_cid", "articles", "pages", "seconds"}


def test_fresh_render_gives_the_same_root(demo_home: Path, cli: Callable[..., Any]) -> None:
    import sqlite3

    before = build(cli, demo_home)["root_cid"]
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    again = build(cli, demo_home)
    assert again["rendered"] > again["articles"]
    assert again["root_cid"] == before


def test_one_edit_renders_only_what_shows_that_article(
    demo_home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    articles = cli("list", "--home", str(demo_home), "--json").json()
    total = build(cli, demo_home)
    target = articles[-1]  # the oldest: on no page but its own, its categories', its month's
    shown = cli("show", target["slug"], "--home", str(demo_home), "--json").json()
    source = tmp_path / "edited.md"
    source.write_text(
        "---\n"
        f"title: {shown['headline']}\n"
        f"date: {shown['published']}\n"
        f"slug: {shown['slug']}\n"
        f"categories: [{', '.join(shown['categories'])}]\n"
        "---\n\nA corrected body.\n",
        encoding="utf-8",
    )
    cli("import", str(source), "--home", str(demo_home))
    after = build(cli, demo_home)
    assert after["root_cid"] != total["root_cid"]
    # the article page, its CAR, and listings/feeds/sitemaps that show it; far fewer than all pages
    assert 2 <= after["rendered"] < total["pages"] / 2


def test_export_with_cars_and_the_download_link(
    demo_home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    out = tmp_path / "site"
    build(cli, demo_home, "--out", str(out), "--cars")
    for name in (
        "index.html",
        "feed.xml",
        "rss.xml",
        "feed.json",
        "sitemap.xml",
        "news-sitemap.xml",
        "robots.txt",
        "404.html",
        "assets/site.css",
        "archive/index.html",
    ):
        assert (out / name).is_file(), name
    assert list((out / "categories").glob("*/index.html"))
    index = (out / "sitemap.xml").read_text(encoding="utf-8")
    monthly = sorted((out / "sitemaps").glob("????-??.xml"))
    assert "<sitemapindex" in index and monthly and (out / "sitemaps" / "pages.xml").is_file()
    for sitemap in [*monthly, out / "sitemaps" / "pages.xml"]:
        assert f"sitemaps/{sitemap.name}" in index
    assert (
        sum(text.count("<url>") for text in (m.read_text(encoding="utf-8") for m in monthly)) >= 12
    )
    assert list((out / "archive").glob("*/*/index.html"))
    article_dirs = sorted((out / "articles").iterdir())
    assert len(article_dirs) >= 12
    page = article_dirs[0] / "index.html"
    html = page.read_text(encoding="utf-8")
    slug = article_dirs[0].name
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*Download IPFS\s*</a>', html)
    assert link is not None and link.group(1) == f"{slug}.car"
    car = article_dirs[0] / f"{slug}.car"
    shown = cli("show", slug, "--home", str(demo_home), "--json").json()
    assert shown["bundle_cid"] in html
    reader = read_car(io.BytesIO(car.read_bytes()))
    assert [str(r) for r in reader.roots] == [shown["bundle_cid"]]
    report = verify_car(car)
    assert report.ok, report.problems
    # the bundle is part of the site: v/<n>/ holds its files
    assert (article_dirs[0] / "v" / "1" / "article.md").is_file()


def test_export_without_cars_leaves_them_out(
    demo_home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    out = tmp_path / "plain"
    build(cli, demo_home, "--out", str(out))
    assert not list(out.rglob("*.car"))
    assert (out / "index.html").is_file()


def test_cars_without_out_is_refused(demo_home: Path, cli: Callable[..., Any]) -> None:
    run = cli("build", "--home", str(demo_home), "--cars")
    assert run.code == 1 and "--cars needs --out" in run.err


def test_worker_processes_build_the_same_site(demo_home: Path, monkeypatch: Any) -> None:
    import sqlite3

    from permapress.handle import Newsroom
    from permapress.site import build as build_module

    def fresh_build(workers: int) -> Any:
        with sqlite3.connect(demo_home / "catalog.sqlite") as db:
            db.execute("DELETE FROM page_cache")
        with Newsroom.open(demo_home) as newsroom:
            return build_module.build_site(newsroom, workers=workers)

    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)
    serial = fresh_build(1)
    parallel = fresh_build(2)
    assert parallel.rendered == serial.rendered > 0
    assert parallel.root_cid == serial.root_cid
    assert parallel.pages == serial.pages


def test_an_unchanged_article_folder_is_reused_whole(
    demo_home: Path, cli: Callable[..., Any]
) -> None:
    first = build(cli, demo_home)
    again = build(cli, demo_home)
    assert again["rendered"] == 0
    assert again["pages"] == first["pages"]
    assert again["root_cid"] == first["root_cid"]


def test_nothing_is_rendered_twice_after_a_retraction(
    demo_home: Path, cli: Callable[..., Any]
) -> None:
    slug = cli("list", "--home", str(demo_home), "--json").json()[0]["slug"]
    assert cli("retract", slug, "--reason", "Sources withdrew", "--home", str(demo_home)).code == 0
    first = build(cli, demo_home)
    again = build(cli, demo_home)
    assert again["root_cid"] == first["root_cid"]
    assert again["rendered"] == 0


def test_a_build_on_a_terminal_shows_its_progress(demo_home: Path, on_terminal: Any) -> None:
    import sqlite3

    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")  # so that there is something to render
    done, drawn = on_terminal("build", "--home", demo_home)
    assert done.returncode == 0
    # drawn as it starts and as it ends (the stages between pass faster than it redraws here)
    assert b"Reading the catalog" in drawn and b"Recording" in drawn
    counts = re.findall(rb"(?<![0-9])([0-9]+)/([0-9]+)(?![0-9])", drawn)
    made, total = counts[-1]  # the last frame: every folder and page made, and counted
    assert made == total and int(total) > 17
    CID.parse(done.stdout.decode().strip().splitlines()[-1])


def test_an_incremental_build_equals_a_build_from_scratch(
    demo_home: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """Warm builds read articles as skeletons and reuse folders, shards and pages: whatever
    they render must be byte for byte what a cold build renders."""
    import sqlite3

    build(cli, demo_home)
    for article in cli("list", "--home", str(demo_home), "--json").json()[::5]:
        shown = cli("show", article["slug"], "--home", str(demo_home), "--json").json()
        source = tmp_path / f"{article['slug']}.md"
        source.write_text(
            "---\n"
            f"title: {shown['headline']} (updated)\n"
            f"date: {shown['published']}\n"
            f"slug: {shown['slug']}\n"
            f"categories: [{', '.join(shown['categories'])}]\n"
            "---\n\nA corrected body.\n",
            encoding="utf-8",
        )
        assert cli("import", str(source), "--home", str(demo_home)).code == 0
    warm = build(cli, demo_home)
    assert warm["rendered"] > 0
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    cold = build(cli, demo_home)
    assert cold["rendered"] > warm["rendered"]
    assert cold["root_cid"] == warm["root_cid"]


def test_versions_recorded_before_schema_4_build_the_same_site(
    demo_home: Path, cli: Callable[..., Any]
) -> None:
    """Versions recorded by an older permapress have no stored body HTML or CAR file: the build
    makes them itself, and the site is byte for byte the one built from the stored ones."""
    import sqlite3

    stored = build(cli, demo_home)
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        kept = db.execute("SELECT count(*) FROM versions WHERE body_html != '' AND car_cid != ''")
        assert kept.fetchone()[0] >= 12
        db.execute("UPDATE versions SET body_html = '', car_cid = '', car_tsize = 0, car_size = 0")
        db.execute("DELETE FROM page_cache")
    made = build(cli, demo_home)
    assert made["rendered"] > stored["rendered"]  # the CAR files were made by this build
    assert made["root_cid"] == stored["root_cid"]


def test_fingerprints_do_not_depend_on_the_process(demo_home: Path) -> None:
    """Page fingerprints must not change with Python's per-process hash seed (no sets in them),
    or every build would render everything again."""
    import os
    import subprocess
    import sys

    script = str(Path(sys.executable).parent / "permapress")
    rendered = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [script, "build", "--home", str(demo_home), "--json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        ).stdout
        rendered.append(json.loads(out)["rendered"])
    assert rendered[1] == 0


def test_a_newsroom_with_nothing_published_builds(tmp_path: Path, cli: Callable[..., Any]) -> None:
    home = tmp_path / "newsroom"
    assert cli("init", str(home), "--name", "The Empty Post").code == 0
    made = build(cli, home)
    assert made["articles"] == 0 and made["pages"] > 0
    CID.parse(made["root_cid"])


def test_listing_pages_read_each_article_once(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: Any
) -> None:
    """The front page, the categories and the months are planned newest first across them all
    (``build._plan_listings``): with up to 60 articles read kept, 150 articles on pages of 5
    are each read in full once for all the listing pages that show them (one listing after
    another read each of them 3 times: front page, category, month)."""
    from permapress.catalog import Catalog
    from permapress.handle import Newsroom
    from permapress.site import build as build_module
    from permapress.site import entries, sitemaps

    home = tmp_path / "newsroom"
    assert cli("init", str(home), "--name", "The Paged Post").code == 0
    config = home / "permapress.toml"
    text = config.read_text(encoding="utf-8")
    assert "\nper_page = 20\n" in text
    config.write_text(text.replace("\nper_page = 20\n", "\nper_page = 5\n"), encoding="utf-8")
    stories = tmp_path / "stories"
    stories.mkdir()
    for n in range(150):
        year, month = divmod(n // 10, 12)  # 10 a month, over 15 months
        day = f"{2024 + year}-{1 + month:02d}-{1 + 2 * (n % 10):02d}"
        section = ("Harbour", "Council", "Schools")[n % 3]
        (stories / f"story-{n:03d}.md").write_text(
            f"---\ntitle: Story {n}\ndate: {day}T09:00:00Z\ncategories: [{section}]\n---\n\n"
            f"Paragraph {n}.\n", encoding="utf-8")  # fmt: skip
    assert cli("import", str(stories), "--home", str(home)).code == 0
    read: list[str] = []
    original = Catalog.all_versions

    def counted(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        found = original(self, *args, **kwargs)
        if kwargs.get("light") and kwargs.get("slugs") is not None:
            read.extend(found)
        return found

    monkeypatch.setattr(Catalog, "all_versions", counted)
    monkeypatch.setattr(entries, "KEEP", 60)
    monkeypatch.setattr(sitemaps, "NEWS_LIMIT", 10)  # as few as the real limit is to KEEP
    with Newsroom.open(home) as newsroom:
        made = build_module.build_site(newsroom, workers=1)
    assert made.articles == 150 and made.mode == "full"
    assert len(read) == 150 == len(set(read))


def test_a_page_showing_more_articles_than_are_kept_reads_them_all(
    demo_home: Path, monkeypatch: Any
) -> None:
    """A month's archive can show more articles than ``entries.KEEP``: every one is given
    whole, whether it was kept from an earlier page or read now."""
    from permapress.handle import Newsroom
    from permapress.site import build as build_module
    from permapress.site import entries

    monkeypatch.setattr(entries, "KEEP", 4)
    with Newsroom.open(demo_home) as newsroom:
        shown = build_module._collect(newsroom.catalog, skeleton=True).news
        assert len(shown) > 2 * entries.KEEP
        full = entries.FullArticles(newsroom.catalog, True)
        first = full(shown[:3])
        every = full(shown)  # three kept, the rest read, more than KEEP in all
        again = full(shown[1:4])
    assert [e.article.headline for e in every[:3]] == [e.article.headline for e in first]
    assert all(e.article.headline for e in every + again)
    assert [e.article.slug for e in every] == [e.article.slug for e in shown]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_build_bar_names_each_stage_and_ends_full(
    demo_home: Path, monkeypatch: Any, workers: int
) -> None:
    """The bar is shown from the start (reading a big catalog takes a while), names what the
    build is doing, and counts every job and page it makes and every search entry it reads:
    it ends at its total."""
    import sqlite3
    from contextlib import nullcontext

    from permapress.handle import Newsroom
    from permapress.site import build as build_module

    class Recorder:
        def __init__(self) -> None:
            self.stages: list[str] = []
            self.total: float | None = None
            self.done = 0.0

        def add_task(self, description: str, total: float | None = None) -> int:
            self.stages.append(description)
            return 7

        def advance(self, task: int, advance: float = 1) -> None:
            assert task == 7
            self.done += advance

        def update(self, task: int, **fields: Any) -> None:
            assert task == 7
            self.total = fields.get("total", self.total)
            if "description" in fields:
                self.stages.append(fields["description"])

    bar = Recorder()
    monkeypatch.setattr(build_module, "progress_bar", lambda shown: nullcontext(bar))
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 0)  # with 2, the folders go to workers
    with sqlite3.connect(demo_home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    with Newsroom.open(demo_home) as newsroom:
        made = build_module.build_site(newsroom, workers=workers, progress=True)
    assert bar.stages == ["Reading the catalog", "Rendering", "Search index", "Recording"]
    # a folder and a search entry for each article, and the pages
    assert bar.total is not None and bar.total > 2 * made.articles
    assert bar.done == bar.total
