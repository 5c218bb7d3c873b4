"""Importing one Markdown file loads what Markdown needs, not the readers of other formats.

A one-file edit (import, then build) is mostly start-up: the HTML extractor, the feed parser and
the HTTP client are imported only when a page, a feed or a URL comes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from permapress.newsroom.home import init_newsroom

HEAVY = (
    "trafilatura",
    "feedparser",
    "bs4",
    "httpx",
    "readability",
    "markdownify",
    "permapress.articles.html",
    "permapress.articles.feed",
    "permapress.articles.wxr",
    "yaml",  # front matter of plain lines is read without it
)

SCRIPT = """
import json, sys
from pathlib import Path
from permapress.cli import main
try:
    main(["import", sys.argv[1], "--home", sys.argv[2], "--json"])
except SystemExit as exit:
    assert not exit.code, exit.code
heavy = json.loads(sys.argv[3])
print(json.dumps(sorted(m for m in sys.modules if m in heavy)))
"""


def _modules_after_import(home: Path, source: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(source), str(home), json.dumps(HEAVY)],
        check=True,
        capture_output=True,
        text=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_one_markdown_file_imports_no_html_feed_or_http_code(tmp_path: Path) -> None:
    home = tmp_path / "news"
    init_newsroom(home, "Startup Courier")
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: Harbour budget\ndate: 2025-03-01\n---\n\nThe council met.\n")
    assert _modules_after_import(home, story) == []
    # a page still imports, with its reader loaded when it comes
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Quay</title></head><body><article><h1>Quay</h1>"
                    "<p>The quay reopened on Monday after repairs to the wall.</p>"
                    "</article></body></html>")  # fmt: skip
    assert "permapress.articles.html" in _modules_after_import(home, page)
