"""How much of real material the importers keep: the share of published items that become
articles, over real-world feeds and real WordPress exports.

    python -m benchmarks realimport
    python -m benchmarks.import_real [FEEDS_DIR] [WXR_DIR] [-v]

The feeds are the well-formed test feeds of feedparser's test suite (``tests/wellformed`` and
``tests/json`` of a feedparser checkout, BSD-2-Clause), the exports every WXR file of the
WordPress importer's tests (``phpunit/data`` and ``e2e/fixtures``, GPL-2.0-or-later). Give the
folders as arguments or in ``PERMAPRESS_REAL_FEEDS`` / ``PERMAPRESS_REAL_WXR``; without them the
small samples kept in ``tests/fixtures/real`` are measured.

Counting is independent of the importers: a feed's published items are the entries feedparser
finds in a feed it reads without an XML error (JSON Feeds: the ``items`` array) that hold a
title, some text (not only markup) or a link (feedparser's suite also has entries made of one
author, one date or an empty <span>, of which no article can be made: those must be refused,
and are not counted); an export's
published posts are its ``post`` items with status ``publish`` and no password, counted with a
strict XML parser (a file that is not well-formed, or lacks a known ``wp:wxr_version``, holds
none, and must be refused). Each file
goes through the import command's own path (``importing.iter_items``: detection, reading,
inference), nothing stored. Goals (issue 10): feeds >= 99 %, WordPress exports 100 %.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser  # type: ignore[import-untyped]
from lxml import etree

from benchmarks.common import ROOT, Result
from permapress.articles.items import Failed, ReadOptions
from permapress.articles.model import Article
from permapress.newsroom.importing import iter_items

SAMPLES = ROOT / "tests" / "fixtures" / "real"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
_TAG = re.compile(r"<[^>]*>")
_IMAGE = re.compile(r"<img\b[^>]*\bsrc=", re.IGNORECASE)
_JSON_KEYS = ("title", "content_html", "content_text", "summary", "url", "external_url")


def feed_files(folder: Path) -> Iterator[Path]:
    """The feeds under ``folder`` (a feedparser checkout's tests, its parts, or a samples dir)."""
    roots = [folder / "wellformed", folder / "json"]
    roots = [r for r in roots if r.is_dir()] or [folder]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in (".xml", ".rss", ".atom", ".rdf",
                                                          ".json"):  # fmt: skip
                yield path


def published_entries(path: Path) -> int | None:
    """Entries of a well-formed feed that hold anything to show (a title, text or a link);
    None for a file that is not a feed or not well-formed."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(data)
        except ValueError:
            return None
        items = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(items, list) or "jsonfeed.org" not in str(doc.get("version", "")):
            return None
        return sum(isinstance(i, dict) and any(str(i.get(k) or "").strip() for k in _JSON_KEYS)
                   for i in items)  # fmt: skip
    parsed = feedparser.parse(data)
    if parsed.get("bozo") or not parsed.get("version"):
        return None
    return sum(_shows_something(e) for e in parsed.get("entries") or [])


def _shows_something(entry: dict[str, object]) -> bool:
    """A title, some text, a link, or an id that is a link: what an article can be made of."""
    texts = [str(entry.get(k) or "") for k in ("title", "summary", "link")]
    texts += [str(c.get("value") or "") for c in entry.get("content") or []]  # type: ignore[attr-defined]
    entry_id = str(entry.get("id") or "")
    shown = [t for t in texts if _IMAGE.search(t) or _TAG.sub("", t).strip()]
    return bool(shown) or entry_id.startswith(("http://", "https://"))


def published_posts(path: Path) -> int | None:
    """Published posts of a well-formed WXR file; None for a file that is not well-formed."""
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    versions = [e.text for e in tree.iter() if _local(e) == "wxr_version"]
    if not versions or (versions[0] or "").strip() not in ("1.0", "1.1", "1.2"):
        return None
    count = 0
    for item in tree.iter("item"):
        fields = {_local(c): (c.text or "").strip() for c in item}
        if (fields.get("post_type") or "post") == "post" and \
                (fields.get("status") or "publish") == "publish" and \
                not fields.get("post_password"):  # fmt: skip
            count += 1
    return count


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def imported(path: Path) -> tuple[int, list[str]]:
    """(articles the import path makes of ``path``, its failure lines)."""
    options = ReadOptions(now=NOW)
    count, failures = 0, []
    for _label, item in iter_items([path], fmt=None, tz=UTC, options=options):
        if isinstance(item, Article):
            count += 1
        elif isinstance(item, Failed):
            failures.append(item.error)
    return count, failures


def measure(files: list[Path], counter: object, verbose: bool) -> tuple[int, int, int]:
    """(published items, imported, files refused) over ``files``."""
    assert callable(counter)
    total = got = refused = 0
    for path in files:
        expected = counter(path)
        count, failures = imported(path)
        if expected is None:
            refused += bool(failures) and count == 0
            continue
        total += expected
        got += min(count, expected)
        if verbose and (count < expected or failures):
            print(f"  {path}: {count}/{expected} {failures[:2]}")
    return total, got, refused


def _folder(env: str, default: Path) -> Path:
    given = os.environ.get(env)
    return Path(given) if given else default


def run(work: Path, feeds: Path | None = None, wxr: Path | None = None,
        verbose: bool = False) -> list[Result]:  # fmt: skip
    del work
    feeds = feeds or _folder("PERMAPRESS_REAL_FEEDS", SAMPLES / "feeds")
    wxr = wxr or _folder("PERMAPRESS_REAL_WXR", SAMPLES / "wxr")
    results = []
    feed_list = list(feed_files(feeds))
    total, got, _ = measure(feed_list, published_entries, verbose)
    share = 100.0 * got / total if total else 0.0
    print(f"feeds: {got}/{total} published items imported from {len(feed_list)} files in {feeds}")
    results.append(Result(f"real feeds: items imported ({total})", share, "%",
                          goal=">= 99 %", met=share >= 99.0))  # fmt: skip
    wxr_list = sorted(p for p in wxr.rglob("*") if p.suffix.lower() in (".xml", ".wxr"))
    total, got, refused = measure(wxr_list, published_posts, verbose)
    share = 100.0 * got / total if total else 0.0
    malformed = sum(published_posts(p) is None for p in wxr_list)
    print(f"wxr: {got}/{total} published posts imported from {len(wxr_list)} files in {wxr}; "
          f"{refused}/{malformed} files that are not well-formed WXR refused")  # fmt: skip
    results.append(Result(f"real WordPress exports: posts imported ({total})", share, "%",
                          goal="100 %", met=got == total))  # fmt: skip
    return results


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args: list[Path | None] = [Path(a) for a in argv if a != "-v"]
    feeds, wxr = (args + [None, None])[:2]
    results = run(ROOT / "benchmarks" / ".work", feeds, wxr, verbose=verbose)
    for r in results:
        print(f"{r.name}: {r.value:.2f} {r.unit} (goal {r.goal})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
