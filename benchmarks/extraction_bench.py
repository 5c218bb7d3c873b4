"""Article-body extraction on a public benchmark: permapress against trafilatura, same run.

The pages and the ground truth are in ``benchmarks/data/extraction/`` (181 real news and blog
pages, see its SOURCES). permapress reads each page the way ``permapress import page.html`` does
(``html.read_page``) and is scored on the words a reader sees in the stored body
(``markup.markdown_to_text``); trafilatura is ``trafilatura.extract(html)`` with its defaults.

The measure is the one the benchmark publishes, restated here: a text is cut into word tokens
(``\\w+``) and those into overlapping runs of four; per page the shared runs, the extra runs and
the missed runs are counted as multisets and divided by their sum; precision and recall are the
means over the pages where they are defined (a page with nothing extracted counts for recall
only), and F1 comes from those two means.

A quarter of the pages (those whose id starts with 0-3) is held out: the extraction rules were
tuned without looking at them, so their score shows how well the rules generalise.

    python -m benchmarks extraction
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import trafilatura

from benchmarks.common import ROOT, Result
from permapress.articles.html import read_page
from permapress.articles.markup import markdown_to_text
from permapress.errors import PermapressError

DATA: Final = ROOT / "benchmarks" / "data" / "extraction"
HELD_OUT: Final = tuple("0123")
BAR: Final = 0.958
GOAL: Final = 0.970
_TOKEN: Final = re.compile(r"\w+")
_RUN: Final = 4


@dataclass(frozen=True, slots=True)
class Score:
    f1: float
    precision: float
    recall: float
    pages: int


def _runs(text: str) -> Counter[tuple[str, ...]]:
    words = _TOKEN.findall(text)
    if not words:
        return Counter()
    if len(words) < _RUN:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + _RUN]) for i in range(len(words) - _RUN + 1))


def page_score(truth: str, found: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page; None where the measure leaves it undefined."""
    want, got = _runs(truth), _runs(found)
    shared = sum((want & got).values())
    extra = sum((got - want).values())
    missed = sum((want - got).values())
    if extra == 0 and missed == 0:
        return 1.0, 1.0
    precision = shared / (shared + extra) if shared + extra else None
    recall = shared / (shared + missed) if shared + missed else None
    return precision, recall


def score(truth: dict[str, str], found: dict[str, str], ids: Iterable[str]) -> Score:
    precisions: list[float] = []
    recalls: list[float] = []
    count = 0
    for page in ids:
        count += 1
        precision, recall = page_score(truth[page], found.get(page, ""))
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return Score(2 * p * r / (p + r) if p + r else 0.0, p, r, count)


def load() -> tuple[dict[str, str], dict[str, bytes]]:
    """Ground-truth bodies and the pages' bytes, by page id."""
    truth_file = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {page: entry["articleBody"] for page, entry in truth_file.items()}
    pages = {page: gzip.decompress((DATA / "html" / f"{page}.html.gz").read_bytes())
             for page in truth}  # fmt: skip
    return truth, pages


_RETRIEVED: Final = datetime(2020, 1, 1, tzinfo=UTC)


def permapress_text(data: bytes) -> str:
    """The words a reader sees in the body permapress stores for the page ``data``."""
    try:
        article = read_page(data, source="page.html", url=None, retrieved=_RETRIEVED)
    except PermapressError:
        return ""
    return markdown_to_text(article.body)


def trafilatura_text(data: bytes) -> str:
    return trafilatura.extract(data) or ""


def _extract_all(
    pages: dict[str, bytes], extract: Callable[[bytes], str]
) -> tuple[dict[str, str], float]:
    found: dict[str, str] = {}
    started = time.perf_counter()
    for page, data in pages.items():
        found[page] = extract(data)
    return found, (time.perf_counter() - started) / max(1, len(pages))


def _split(ids: Iterable[str]) -> tuple[list[str], list[str]]:
    ordered = sorted(ids)
    held = [page for page in ordered if page.startswith(HELD_OUT)]
    return [page for page in ordered if not page.startswith(HELD_OUT)], held


def run(work: Path) -> list[Result]:
    del work  # everything is read from the repository
    truth, pages = load()
    tuned, held = _split(truth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, ours_time = _extract_all(pages, permapress_text)
        theirs, theirs_time = _extract_all(pages, trafilatura_text)
    results: list[Result] = []
    for label, ids in (("all", sorted(truth)), ("held out", held), ("tuned on", tuned)):
        mine, other = score(truth, ours, ids), score(truth, theirs, ids)
        n = f"{label}, {mine.pages} pages"
        main = label == "all"
        results += [
            Result(f"extraction F1 permapress ({n})", mine.f1, "F1",
                   anchor=f"trafilatura {other.f1:.3f}", ratio=mine.f1 / other.f1,
                   goal=f">= {BAR} (goal > {GOAL})" if main else "",
                   met=mine.f1 >= BAR if main else None),
            Result(f"  precision permapress ({n})", mine.precision, "P",
                   anchor=f"trafilatura {other.precision:.3f}"),
            Result(f"  recall permapress ({n})", mine.recall, "R",
                   anchor=f"trafilatura {other.recall:.3f}"),
        ]  # fmt: skip
    results += [
        Result("extraction F1 trafilatura.extract (all)", score(truth, theirs, truth).f1, "F1",
               anchor="published 2.0.0: 0.958"),
        Result("import of one page (read_page), mean", ours_time * 1000, "ms",
               anchor=f"trafilatura {theirs_time * 1000:.0f} ms"),
    ]  # fmt: skip
    return results
