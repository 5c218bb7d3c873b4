"""Import source files into the catalog and report what happened to each.

``import_paths`` reads every source (folders recursively), records each article it yields and
returns the report that ``permapress import --json`` prints:

    {"imported": n, "updated": n, "unchanged": n,
     "failed": [{"source", "error"}], "items": [{"source", "slug", "status"}]}

A bad file becomes one entry in ``failed`` naming the file and the problem; it never stops the
other files and nothing of it is stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress

from permapress.articles.sources import iter_sources
from permapress.articles.taxonomy import Taxonomy
from permapress.errors import PermapressError
from permapress.newsroom.home import Newsroom
from permapress.newsroom.record import record_article


def source_key(source: str) -> str:
    """The key that matches a re-import of the same source: an absolute path, or as given."""
    path = Path(source)
    try:
        if path.exists():
            return str(path.resolve())
    except OSError:
        pass
    return source


def import_paths(
    newsroom: Newsroom,
    paths: list[Path],
    *,
    fmt: str | None,
    now: datetime,
    note: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    report: dict[str, Any] = {"imported": 0, "updated": 0, "unchanged": 0, "failed": [], "items": []}
    taxonomy = Taxonomy(newsroom.config.category_topics)
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Importing", total=None)
        for result in iter_sources(paths, fmt=fmt, tz=newsroom.config.tz):
            bar.advance(task)
            if result.error is not None:
                report["failed"].append({"source": result.source, "error": result.error})
                continue
            for article in result.articles:
                key = source_key(article.source or result.source)
                try:
                    recorded = record_article(
                        newsroom, replace(article, source=key), now=now, note=note, taxonomy=taxonomy
                    )
                except PermapressError as exc:
                    report["failed"].append({"source": result.source, "error": str(exc)})
                    continue
                report[recorded.status] += 1
                report["items"].append(
                    {"source": result.source, "slug": recorded.slug, "status": recorded.status}
                )
    return report
