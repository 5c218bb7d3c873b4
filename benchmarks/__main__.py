"""Run the benchmarks and print one table of results against the anchors the issues name.

    python -m benchmarks                 everything (about 10–20 minutes on 2 cores)
    python -m benchmarks import build    only some groups: import, articles, edit, build, serve,
                                         trust, extraction, realimport, carry,
                                         search; scale (100,000 articles, about an hour)
                                         only when named

Nothing here asserts: the table says for each goal whether this run met it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from benchmarks import (
    admin_bench,
    build_bench,
    carry_bench,
    edit_bench,
    extraction_bench,
    import_bench,
    import_real,
    mirror_bench,
    scale_bench,
    search_bench,
    serve_bench,
    trust_bench,
)
from benchmarks.common import Result, print_table

WORK = Path(__file__).resolve().parent / ".work"

GROUPS = {
    "import": import_bench.run,
    "articles": import_bench.run_articles,
    "edit": edit_bench.run,  # one edited file vs Hugo, and start-up (about a minute once made)
    "build": build_bench.run,
    "serve": serve_bench.run,
    "trust": trust_bench.run,
    "extraction": extraction_bench.run,
    "realimport": import_real.run,
    "carry": carry_bench.run,
    "search": search_bench.run,
    "mirror": mirror_bench.run,
    "admin": admin_bench.run,
    "scale": scale_bench.run,  # about an hour: run by name (`make bench` runs it after the rest)
}
LONG = {"scale"}  # groups left out when none is named


def main(argv: list[str]) -> int:
    names = argv or [name for name in GROUPS if name not in LONG]
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        print(f"unknown benchmark group(s): {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
        return 1
    WORK.mkdir(exist_ok=True)
    # The timed commands run as users run them: with Python's bytecode cache (a machine that
    # sets PYTHONDONTWRITEBYTECODE would compile every module again on every run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: list[Result] = []
    started = time.perf_counter()
    for name in names:
        print(f"== {name} ==", flush=True)
        results += GROUPS[name](WORK)
    print()
    print_table(results)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
