"""The render version (``site/theme.py``): a digest of the theme's files and of the code the build
runs, found by following imports in the sources; a theme counts by content, not by place."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from permapress.errors import SiteError
from permapress.site import build, state, theme
from permapress.site.render import render_not_found, site_css
from permapress.site.theme import PACKAGE_THEME, Theme, load, render_version, source_digest
from permapress.site.views import SiteInfo

SITE = SiteInfo("The Harbour Ledger", "Independent news", "en", None)


def copy_theme(target: Path) -> Theme:
    """The package's theme copied to ``target`` (templates/ and static/)."""
    shutil.copytree(PACKAGE_THEME.templates, target / "templates")
    shutil.copytree(PACKAGE_THEME.static, target / "static")
    return Theme(target / "templates", target / "static")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- the theme ---------------------------------------------------------------------------------


def test_the_hand_bumped_constant_is_gone() -> None:
    assert not hasattr(build, "RENDER_VERSION")
    assert len(render_version(PACKAGE_THEME)) == 64


def test_a_copy_of_the_package_theme_has_its_version(tmp_path: Path) -> None:
    assert render_version(copy_theme(tmp_path / "copy")) == render_version(PACKAGE_THEME)


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("templates/article.html", "Download IPFS", "Download the IPFS copy"),
        ("templates/_footer.html", "publishes every article", "keeps every article"),
        ("static/site.css", "", "/* a new rule */\n"),
    ],
)
def test_any_edit_of_the_theme_changes_the_version(
    tmp_path: Path, name: str, old: str, new: str
) -> None:
    edited = copy_theme(tmp_path / "edited")
    edit(tmp_path / "edited" / name, old, new)
    assert render_version(edited) != render_version(PACKAGE_THEME)


def test_a_new_file_in_the_theme_changes_the_version(tmp_path: Path) -> None:
    grown = copy_theme(tmp_path / "grown")
    (grown.templates / "_extra.html").write_text("<p>extra</p>\n", encoding="utf-8")
    assert render_version(grown) != render_version(PACKAGE_THEME)


def test_pages_render_with_the_theme_of_their_site(tmp_path: Path) -> None:
    """The theme is passed down with the site: two themes render side by side in one process."""
    edited = copy_theme(tmp_path / "edited")
    edit(edited.templates / "notfound.html", "</div>", "<p>Edited theme</p>\n</div>")
    edit(edited.static / "site.css", "", "/* edited css */\n")
    from dataclasses import replace

    themed = render_not_found(replace(SITE, theme=edited)).decode()
    plain = render_not_found(SITE).decode()
    assert "<p>Edited theme</p>" in themed and "/* edited css */" in themed
    assert "Edited theme" not in plain and "edited css" not in plain
    assert site_css(edited).startswith("/* edited css */")
    assert "edited css" not in site_css()


def test_the_theme_does_not_change_the_site_key(tmp_path: Path) -> None:
    """The site key stands for the site in fingerprints: the theme counts through the render
    version, by content, so a build from a copied theme can reuse every page."""
    from dataclasses import replace

    moved = replace(SITE, theme=copy_theme(tmp_path / "moved"))
    assert state.site_key(moved) == state.site_key(SITE)


def test_a_broken_theme_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="no such theme folder"):
        load(Theme(tmp_path / "nowhere", tmp_path / "nowhere"))
    no_css = copy_theme(tmp_path / "no-css")
    (no_css.static / "site.css").unlink()
    with pytest.raises(SiteError, match="no site.css"):
        load(no_css)
    latin = copy_theme(tmp_path / "latin")
    (latin.templates / "article.html").write_bytes(b"caf\xe9")
    with pytest.raises(SiteError, match="article.html: a template must be UTF-8"):
        load(latin)


# --- the code ----------------------------------------------------------------------------------


def write_package(root: Path) -> None:
    """A small package ``pkg`` whose ``pkg.main`` imports in every way the sources do."""
    files = {
        "pkg/__init__.py": "",
        "pkg/main.py": (
            "from pkg.top import value\n"
            "import pkg.plain as plain\n"
            "from pkg.group import (\n    first,\n    second,\n)\n"
            "from pkg import named  # a module named in the import list\n"
            "# import pkg.commented\n"
            "def later():\n"
            "    from pkg.lazy import thing  # imported when called\n"
            "    return thing\n"
        ),
        "pkg/top.py": "value = 1\n",
        "pkg/plain.py": "x = 1\n",
        "pkg/group.py": "first = second = 1\n",
        "pkg/named.py": "import pkg.deep.leaf\n",
        "pkg/deep/__init__.py": "",
        "pkg/deep/leaf.py": "leaf = 1\n",
        "pkg/lazy.py": "thing = 1\n",
        "pkg/commented.py": "no = 1\n",
        "pkg/unused.py": "no = 1\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "module",
    ["main", "top", "plain", "group", "named", "deep/__init__", "deep/leaf", "lazy", "__init__"],
)
def test_editing_a_module_the_start_reaches_changes_the_digest(tmp_path: Path, module: str) -> None:
    write_package(tmp_path)
    before = source_digest(tmp_path, ["pkg.main"])
    with (tmp_path / "pkg" / f"{module}.py").open("a", encoding="utf-8") as file:
        file.write("# edited\n")
    assert source_digest(tmp_path, ["pkg.main"]) != before


@pytest.mark.parametrize("module", ["unused", "commented"])
def test_editing_a_module_nothing_imports_keeps_the_digest(tmp_path: Path, module: str) -> None:
    write_package(tmp_path)
    before = source_digest(tmp_path, ["pkg.main"])
    with (tmp_path / "pkg" / f"{module}.py").open("a", encoding="utf-8") as file:
        file.write("# edited\n")
    assert source_digest(tmp_path, ["pkg.main"]) == before


def test_the_digest_covers_every_module_a_build_loads() -> None:
    """Every permapress module loaded by importing the builder, and the Markdown renderer and
    history pages it reaches inside functions, is part of the code version."""
    script = (
        "import json, sys\n"
        "import permapress.site.build, permapress.site.patch\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('permapress'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout))
    reached = set(theme._reached(theme._SOURCES, theme._BUILD_MODULES))
    assert "permapress.site.render" in loaded
    assert loaded - reached == set()
    assert {"permapress.articles.markup", "permapress.site.history"} <= reached
