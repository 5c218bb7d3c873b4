"""The demo newsroom: the example articles shipped with permapress."""

from __future__ import annotations

from datetime import datetime

from permapress.demo import demo_articles_path
from permapress.errors import PermapressError
from permapress.handle import Newsroom
from permapress.newsroom.importing import import_paths

DEMO_NAME = "The Harbour Courier"


def import_demo(newsroom: Newsroom, *, now: datetime) -> int:
    """Import every example article; return how many were recorded."""
    report = import_paths(newsroom, [demo_articles_path()], fmt=None, now=now)
    if report["failed"]:
        first = report["failed"][0]
        raise PermapressError(f"demo article {first['source']} failed: {first['error']}")
    return int(report["imported"] + report["updated"])
