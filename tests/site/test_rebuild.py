"""Rebuilds after a change of the look or of the content: whichever way a build takes (patched,
incremental), it renders what the change touched and its root is the root of a build from
scratch. The newsroom is the demo one with 2 articles a page, so the front page and the busiest
categories run over several pages (an archive month is one page whatever its length).

The theme is a copy of the package's templates and stylesheet, edited, and handed to the build
(``build_site(theme=…)``); a change of code is made in a copy of the whole package run in its own
process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from permapress.catalog.meta import article_from_meta
from permapress.cli import main
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, resolve_path
from permapress.site.build import BuildResult, build_site
from permapress.site.theme import PACKAGE_THEME, Theme

PER_PAGE = 2


def cli(*args: str) -> None:
    try:
        main(list(args))
    except SystemExit as exc:
        assert not exc.code, args


@pytest.fixture(scope="module")
def paged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo newsroom with ``per_page = 2``, built once with the package's theme."""
    home = tmp_path_factory.mktemp("paged") / "newsroom"
    cli("init", str(home), "--demo")
    config = home / "permapress.toml"
    text = config.read_text(encoding="utf-8")
    assert "\nper_page = 20\n" in text
    config.write_text(text.replace("\nper_page = 20\n", f"\nper_page = {PER_PAGE}\n"))
    cli("build", "--home", str(home))
    return home


@pytest.fixture
def home(paged_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "newsroom"
    shutil.copytree(paged_template, target)
    return target


def build(home: Path, theme: Theme = PACKAGE_THEME) -> BuildResult:
    with Newsroom.open(home) as newsroom:
        return build_site(newsroom, theme=theme)


def from_scratch(home: Path, theme: Theme = PACKAGE_THEME) -> BuildResult:
    """A build with nothing cached (clearing the page cache clears the build state too)."""
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    made = build(home, theme)
    assert made.mode == "full"
    return made


def same_site(made: BuildResult, full: BuildResult) -> None:
    assert (made.root_cid, made.pages) == (full.root_cid, full.pages)


def files(home: Path, root: str) -> dict[str, bytes]:
    """Every HTML page of the site at ``root`` (bundles under v/ left out), by path."""
    with Newsroom.open(home, readonly=True) as newsroom:
        get = newsroom.blocks.get

        def walk(cid: CID, prefix: str) -> Iterator[tuple[str, bytes]]:
            for name, child, _size in list_directory(cid, get):
                path = prefix + name
                if path.endswith("/v"):
                    continue
                if name.endswith(".html"):
                    yield path, b"".join(read_file(child, get))
                elif "." not in name:
                    yield from walk(child, path + "/")

        return dict(walk(CID.parse(root), ""))


def page(home: Path, root: str, path: str) -> str:
    with Newsroom.open(home, readonly=True) as newsroom:
        cid, _ = resolve_path(CID.parse(root), path.split("/"), newsroom.blocks.get)
        return b"".join(read_file(cid, newsroom.blocks.get)).decode("utf-8")


def newest_first(home: Path) -> list[str]:
    """The published slugs in the front page's order."""
    with Newsroom.open(home, readonly=True) as newsroom:
        catalog = newsroom.catalog
        dated = []
        for row in catalog.articles("published"):
            latest = catalog.latest(row.slug)
            assert latest is not None
            article = article_from_meta(latest.meta)
            if article.genre != "page":  # the newsroom's own pages are not listed
                dated.append((article.published, row.slug))
    return [slug for _, slug in sorted(dated, reverse=True)]


def text_only(home: Path, slugs: list[str]) -> list[str]:
    """The slugs whose source has no images (``correct`` reads those from beside the file)."""
    with Newsroom.open(home, readonly=True) as newsroom:
        latest = {slug: newsroom.catalog.latest(slug) for slug in slugs}
    return [s for s in slugs if (row := latest[s]) is not None and "media/" not in row.document]


def correct(home: Path, folder: Path, slug: str, words: str) -> None:
    """A correction that keeps the date and categories (what the patched path takes)."""
    with Newsroom.open(home, readonly=True) as newsroom:
        latest = newsroom.catalog.latest(slug)
        assert latest is not None and latest.document
        document = latest.document
    source = folder / f"{slug}.md"
    source.write_text(document.rstrip("\n") + f"\n\n{words}\n", encoding="utf-8")
    cli("correct", slug, str(source), "--note", "Corrected.", "--home", str(home))


def copy_theme(target: Path) -> Theme:
    shutil.copytree(PACKAGE_THEME.templates, target / "templates")
    shutil.copytree(PACKAGE_THEME.static, target / "static")
    return Theme(target / "templates", target / "static")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- the theme ----------------------------------------------------------------------------------

LISTING_MARK = "<!-- edited listing -->"


def uses_listing(path: str) -> bool:
    return not path.startswith(("articles/", "search/", "verify/")) and path not in (
        "archive/index.html",
        "404.html",
    )


# template: (text, its replacement, what the pages then show, which pages use the template)
EDITS: dict[str, tuple[str, str, str, Callable[[str], bool]]] = {
    "article.html": (
        "Download IPFS",
        "Download the IPFS copy",
        "Download the IPFS copy",
        lambda path: path.startswith("articles/") and path.count("/") == 2,
    ),
    "listing.html": (
        "{% block main %}",
        "{% block main %}\n" + LISTING_MARK,
        LISTING_MARK,
        uses_listing,
    ),
    "_footer.html": (
        "publishes every article",
        "keeps every article",
        "keeps every article",
        lambda path: True,
    ),
}


@pytest.mark.parametrize("template", sorted(EDITS))
def test_a_template_edit_renders_the_pages_that_use_it(
    home: Path, tmp_path: Path, template: str
) -> None:
    old, new, shown, shows = EDITS[template]
    before = build(home)
    copied = build(home, copy_theme(tmp_path / "copy"))  # the same files elsewhere
    assert (copied.mode, copied.rendered, copied.root_cid) == ("patched", 0, before.root_cid)

    edited = copy_theme(tmp_path / "edited")
    edit(edited.templates / template, old, new)
    made = build(home, edited)
    assert made.mode == "incremental"  # not "patched" with nothing rendered: the old bug
    assert made.root_cid != before.root_cid
    pages = files(home, made.root_cid)
    using = [path for path in pages if shows(path)]
    assert len(using) >= made.articles
    assert made.rendered >= len(using)
    for path in using:
        text = pages[path].decode("utf-8")
        if template != "_footer.html" or "<footer" in text:  # 404.html has no footer
            assert shown in text, path
            assert template == "listing.html" or old not in text, path
    same_site(made, from_scratch(home, edited))


def test_a_stylesheet_edit_renders_what_carries_it(home: Path, tmp_path: Path) -> None:
    before = build(home)
    edited = copy_theme(tmp_path / "edited")
    edit(edited.static / "site.css", "", "/* edited stylesheet */\n")
    made = build(home, edited)
    assert made.mode == "incremental" and made.root_cid != before.root_cid
    assert page(home, made.root_cid, "assets/site.css").startswith("/* edited stylesheet */")
    assert "/* edited stylesheet */" in page(home, made.root_cid, "404.html")  # inline CSS
    same_site(made, from_scratch(home, edited))


def test_a_patched_build_renders_with_the_edited_theme(home: Path, tmp_path: Path) -> None:
    edited = copy_theme(tmp_path / "edited")
    edit(edited.templates / "article.html", "Download IPFS", "Download the IPFS copy")
    build(home, edited)
    later = text_only(home, newest_first(home)[PER_PAGE:])
    targets = [later[0], later[-1]]  # beyond the front page's first page, and the last one
    for slug in targets:
        correct(home, tmp_path, slug, "A corrected sentence.")
    made = build(home, edited)
    assert made.mode == "patched" and made.rendered > 0
    for slug in targets:
        text = page(home, made.root_cid, f"articles/{slug}/index.html")
        assert "A corrected sentence." in text and "Download the IPFS copy" in text
    same_site(made, from_scratch(home, edited))


# --- listings over several pages ----------------------------------------------------------------


def test_the_demo_listings_run_over_several_pages(home: Path) -> None:
    made = build(home)
    pages = files(home, made.root_cid)
    count = -(-made.articles // PER_PAGE)
    assert f"page/{count}/index.html" in pages and f"page/{count + 1}/index.html" not in pages
    assert any(p.startswith("categories/") and "/page/2/" in p for p in pages)
    assert 'href="page/2/index.html"' in pages["index.html"].decode()


ARTICLE_LINK = re.compile(r'href="(?:\.\./)*articles/([^/"]+)/index\.html"')


def listed_pages(pages: dict[str, bytes], base: str, shown: set[str]) -> list[list[str]]:
    """The slugs of ``shown`` that each page of the listing at ``base`` links, page by page."""
    found = []
    number = 1
    while (path := base + ("index.html" if number == 1 else f"page/{number}/index.html")) in pages:
        slugs = ARTICLE_LINK.findall(pages[path].decode("utf-8"))
        found.append([slug for slug in dict.fromkeys(slugs) if slug in shown])
        number += 1
    return found


def test_the_pages_of_a_listing_split_its_articles(home: Path) -> None:
    """Each article on exactly one page, PER_PAGE a page, newest first: the front page and an
    author's page, both longer than one page."""
    made = build(home)
    pages = files(home, made.root_cid)
    order = newest_first(home)
    front = listed_pages(pages, "", set(order))
    assert [slug for chunk in front for slug in chunk] == order
    assert all(len(chunk) == PER_PAGE for chunk in front[:-1]) and 0 < len(front[-1]) <= PER_PAGE
    author = listed_pages(pages, "authors/daniel-reyes/", set(order))
    assert len(author) > 1 and all(len(chunk) == PER_PAGE for chunk in author[:-1])
    slugs = [slug for chunk in author for slug in chunk]
    assert len(slugs) == len(set(slugs)) and slugs == [s for s in order if s in set(slugs)]
    assert len(slugs) > PER_PAGE


def test_corrections_on_later_pages_are_patched_like_a_build_from_scratch(
    home: Path, tmp_path: Path
) -> None:
    order = text_only(home, newest_first(home))
    build(home)
    for round_ in range(2):  # a patched build after a patched build
        for slug in order[round_::3]:
            correct(home, tmp_path, slug, f"Corrected in round {round_}.")
        made = build(home)
        assert made.mode == "patched" and made.rendered > 0
    slug = order[1::3][-1]  # corrected in both rounds
    assert "Corrected in round 1." in page(home, made.root_cid, f"articles/{slug}/index.html")
    same_site(made, from_scratch(home))


@pytest.mark.parametrize("change", ["new article in the middle", "newest article", "retraction"])
def test_changes_that_shift_the_pages_equal_a_build_from_scratch(
    home: Path, tmp_path: Path, change: str
) -> None:
    order = newest_first(home)
    before = build(home)
    if change == "retraction":
        cli("retract", order[1], "--reason", "Wrong.", "--home", str(home))
    else:
        with Newsroom.open(home, readonly=True) as newsroom:
            shown = [newsroom.catalog.latest(slug) for slug in order]
        middle = article_from_meta(shown[len(order) // 2].meta).published  # type: ignore[union-attr]
        newest = article_from_meta(shown[0].meta).published  # type: ignore[union-attr]
        when = middle if change == "new article in the middle" else newest
        fresh = tmp_path / "fresh.md"
        fresh.write_text(
            f"---\ntitle: Fresh news\ndate: {when.isoformat()}\ncategories: [Economy]\n---\n\n"
            "A new article that moves every later one a place down.\n",
            encoding="utf-8",
        )
        cli("import", str(fresh), "--home", str(home))
    made = build(home)
    assert made.mode == "incremental" and made.root_cid != before.root_cid
    same_site(made, from_scratch(home))


# --- the code -----------------------------------------------------------------------------------


def run_copy(source: Path, home: Path) -> dict[str, object]:
    """``permapress build --json`` run by the package copy under ``source``."""
    script = (
        "import sys, permapress\n"
        "assert permapress.__file__.startswith(sys.argv[1]), permapress.__file__\n"
        "from permapress.cli import main\n"
        "main(['build', '--home', sys.argv[2], '--json'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(home)],
        capture_output=True,
        text=True,
        env=env,
        cwd=source,  # "python -c" looks in its working folder first
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    made: dict[str, object] = json.loads(done.stdout)
    return made


def test_editing_the_installed_package_renders_the_pages_again(home: Path, tmp_path: Path) -> None:
    """``permapress build`` after an edit of the package's own article.html (the reported bug:
    "patched", nothing rendered, the old root), then after an edit of the rendering code."""
    import permapress

    source = tmp_path / "src"
    package = source / "permapress"
    shutil.copytree(
        Path(permapress.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    before = run_copy(source, home)
    same = run_copy(source, home)  # the same code again: nothing to render
    assert (same["mode"], same["rendered"], same["root_cid"]) == ("patched", 0, before["root_cid"])

    edit(package / "site" / "templates" / "article.html", "Download IPFS", "Download the copy")
    themed = run_copy(source, home)
    assert themed["mode"] == "incremental" and themed["root_cid"] != before["root_cid"]
    articles = before["articles"]
    assert isinstance(themed["rendered"], int) and isinstance(articles, int)
    assert themed["rendered"] > articles
    slug = newest_first(home)[-1]
    article = page(home, str(themed["root_cid"]), f"articles/{slug}/index.html")
    assert "Download the copy" in article

    edit(package / "site" / "templating.py", 'Link("Front page"', 'Link("Home"')
    made = run_copy(source, home)
    assert made["mode"] == "incremental" and made["root_cid"] != themed["root_cid"]
    assert isinstance(made["rendered"], int) and made["rendered"] > articles
    assert ">Home</a>" in page(home, str(made["root_cid"]), "index.html")
    with sqlite3.connect(home / "catalog.sqlite") as db:
        db.execute("DELETE FROM page_cache")
    full = run_copy(source, home)
    assert full["mode"] == "full"
    assert (made["root_cid"], made["pages"]) == (full["root_cid"], full["pages"])
