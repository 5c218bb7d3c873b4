"""Trust: offline verification of an article with 50 versions (goal: under 50 ms).

One article is recorded 50 times (49 corrections) in a temporary newsroom; its version-50
bundle's CAR (the "Download IPFS" file) carries all 50 signed records. We time what
``permapress verify FILE.car`` does: read the CAR, check every block, the signature of each of
the 50 records, the content manifest and the chain back to version 1. Best of several runs.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import Result, timed

VERSIONS = 50
GOAL_MS = 50.0


def _article_car(work: Path) -> bytes:
    from permapress.articles.model import Article
    from permapress.handle import Newsroom
    from permapress.ipfs.car import dag_blocks, write_car
    from permapress.ipfs.cid import CID
    from permapress.newsroom.home import init_newsroom
    from permapress.newsroom.record import record_article

    home = work / "newsroom"
    init_newsroom(home, "Bench Courier")
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    paragraph = "The council met on Tuesday and agreed the harbour budget after a long debate. "
    base = Article(
        headline="Harbour budget passes", slug="harbour-budget", published=start, modified=None,
        authors=("A. Reporter",), categories=("Politics",), tags=(), summary="The budget.",
        language="en", body=paragraph * 40,
    )
    with Newsroom.open(home) as newsroom:
        recorded = None
        for n in range(1, VERSIONS + 1):
            article = replace(
                base, body=base.body + f"\n\nUpdate {n}: figures revised.",
                modified=start + timedelta(hours=n) if n > 1 else None,
            )
            recorded = record_article(newsroom, article, now=start + timedelta(hours=n),
                                      note=f"Correction {n}." if n > 1 else None)
        assert recorded is not None and recorded.version == VERSIONS
        root = CID.parse(recorded.bundle_cid)
        out = io.BytesIO()
        write_car([root], dag_blocks(root, newsroom.blocks.get), out)
    return out.getvalue()


def run(work: Path) -> list[Result]:
    from permapress.ipfs.verify import load_car
    from permapress.trust.verify import verify_root

    with tempfile.TemporaryDirectory(dir=work) as tmp:
        car = _article_car(Path(tmp))

    def verify() -> None:
        loaded = load_car(io.BytesIO(car))
        report = verify_root(loaded.roots[0], loaded.store.get)
        assert report.valid and report.versions == VERSIONS, report.problems

    verify()
    seconds = timed(verify, repeat=20)
    ms = seconds * 1000
    print(f"verify {VERSIONS}-version article CAR ({len(car)} bytes): {ms:.1f} ms", flush=True)
    return [
        Result(f"trust: verify a {VERSIONS}-version article CAR", ms, "ms",
               goal=f"< {GOAL_MS:.0f} ms", met=ms < GOAL_MS),
        Result("trust: verify per signed version", ms / VERSIONS, "ms"),
    ]
