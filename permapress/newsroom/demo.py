"""The demo newsroom: the example articles shipped with permapress, and what makes it a
newsroom readers can judge: its authors' pages, its own pages (About, corrections policy,
ethics, contact), a logo, a corrected article and an opinion piece.

    import_demo(newsroom, now=…) -> int     set up and import everything into a new newsroom

The settings in ``permapress/demo/newsroom.toml`` ([authors.…]) are added to the newsroom's
permapress.toml with its logo and accent colour ([look]) and an alias ("Politics" stands for
"Politics & Government"); ``theme/`` and ``pages/`` are copied into the newsroom folder; the
pages and articles are imported, then each file in ``corrections/`` is published as a
corrected version of its article with the note ``corrections.toml`` gives it.
"""

from __future__ import annotations

import shutil
import tomllib
from datetime import datetime
from pathlib import Path

from permapress.config import CONFIG_NAME, load_config
from permapress.demo import demo_articles_path
from permapress.errors import PermapressError
from permapress.handle import Newsroom
from permapress.newsroom.importing import import_paths
from permapress.newsroom.record import correct_article

DEMO_NAME = "The Harbour Courier"
_LOOK = '[look]\nlogo = "logo.svg"\naccent = "#1d4e6b"\n'
_ALIAS = '[categories]\n"Politics" = "Politics & Government"\n'


def _settle(newsroom: Newsroom, demo: Path) -> None:
    """Give the newsroom the demo's settings, theme and pages, and read its settings again."""
    home = newsroom.config.home
    path = home / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    if "\n[authors.hannah-okafor]" not in text:
        text = text.replace("[look]\n", _LOOK, 1).replace("[categories]\n", _ALIAS, 1)
        text += "\n" + (demo / "newsroom.toml").read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
    for folder in ("theme", "pages"):
        if not (home / folder).exists():
            shutil.copytree(demo / folder, home / folder)
    newsroom.config = load_config(home)


def import_demo(newsroom: Newsroom, *, now: datetime) -> int:
    """Import every example article and page, then the corrections; return how many articles
    were recorded (pages not counted)."""
    demo = demo_articles_path().parent
    _settle(newsroom, demo)
    home = newsroom.config.home
    report = import_paths(newsroom, [home / "pages", demo_articles_path()], fmt=None, now=now)
    if report["failed"]:
        first = report["failed"][0]
        raise PermapressError(f"demo article {first['source']} failed: {first['error']}")
    notes = tomllib.loads((demo / "corrections" / "corrections.toml").read_text("utf-8"))
    for slug, entry in sorted(notes.items()):
        correct_article(
            newsroom, slug, demo / "corrections" / entry["file"], note=entry["note"], now=now
        )
    pages = len(list((home / "pages").glob("*.md")))
    return int(report["imported"] + report["updated"]) - pages
