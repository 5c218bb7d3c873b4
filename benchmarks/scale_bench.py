"""Scale: import + build of 10,000 and 100,000 generated articles (``python -m benchmarks scale``;
about an hour on 2 cores, so not in the default run).

For each size: `permapress import` of the folder into a new newsroom, then `permapress build`,
each measured for wall time, CPU time (the command and its worker processes) and peak memory
(the sum over the command's processes, proportional set size, so that pages forked workers
share count once; and the largest single process). Then at 100,000: one file edited, imported
and built again. Hugo builds the 10,000 files three times in the same run; the median is the
anchor of that size.

Goals (issue: the site build): peak memory at 100,000 articles at most 1 GiB (goal 500 MiB);
100k time / 10k time at most 11 (goal 10).

PERMAPRESS_BENCH_SCALE_SIZES changes the sizes (two, run in the order given), e.g. "1000,10000"
("100000,10000" gives the large one's numbers first). PERMAPRESS_BENCH_SCALE_KEEP=1 keeps each
newsroom (``scale-newsroom-<n>`` in the work folder) for a look afterwards; by default they go.
``make bench`` runs this group after the others; ``python -m benchmarks`` alone leaves it out,
``python -m benchmarks scale`` runs only it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from benchmarks.build_bench import hugo_build
from benchmarks.common import Measured, Result, have, measure
from benchmarks.corpus import ensure_corpus

PERMAPRESS = str(Path(sys.executable).with_name("permapress"))
SIZES = tuple(
    int(n) for n in os.environ.get("PERMAPRESS_BENCH_SCALE_SIZES", "10000,100000").split(",")
)
GIB_MIB = 1024
KEEP = os.environ.get("PERMAPRESS_BENCH_SCALE_KEEP", "") not in ("", "0")


def _newsroom(work: Path, n: int) -> Path:
    home = work / f"scale-newsroom-{n}"
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run([PERMAPRESS, "init", str(home), "--name", "Bench Courier"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return home


def _edit_once(corpus: Path, home: Path) -> tuple[Measured, Measured]:
    """Append a sentence to one story, import that file and build; the file is put back."""
    edited = corpus / "story-00042.md"
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original + "\nA correction was added to this story.\n", "utf-8")
        imported = measure([PERMAPRESS, "import", str(edited), "--home", str(home), "--json"])
        built = measure([PERMAPRESS, "build", "--home", str(home), "--json"])
    finally:
        edited.write_text(original, encoding="utf-8")
    return imported, built


class _Shown(list[Result]):
    """Results printed as they come: the run is long, and a partial table still says much."""

    def append(self, result: Result) -> None:
        super().append(result)
        ratio = f"  ratio {result.ratio:.2f}" if result.ratio is not None else ""
        print(f"  {result.name}: {result.value:.3f} {result.unit}{ratio}", flush=True)

    def extend(self, more: Iterable[Result]) -> None:
        for result in more:
            self.append(result)


def run(work: Path) -> list[Result]:
    results = _Shown()
    totals: dict[int, tuple[float, float]] = {}
    for n in SIZES:
        print(f"  {n} articles: corpus", flush=True)
        corpus = ensure_corpus(work / f"corpus-{n}", n)
        home = _newsroom(work, n)
        print(f"  {n} articles: import", flush=True)
        imported = measure([PERMAPRESS, "import", str(corpus), "--home", str(home), "--json"])
        print(f"  {n} articles: build", flush=True)
        built = measure([PERMAPRESS, "build", "--home", str(home), "--json"])
        wall = imported.seconds + built.seconds
        cpu = imported.cpu + built.cpu
        totals[n] = (wall, cpu)
        peak = max(imported.peak_tree, built.peak_tree)
        results.extend([
            Result(f"scale {n}: import", imported.seconds, "s"),
            Result(f"scale {n}: build ({json.loads(built.out)['mode']})", built.seconds, "s"),
            Result(f"scale {n}: import + build", wall, "s"),
            Result(f"scale {n}: import + build, CPU (all processes)", cpu, "s"),
            Result(f"scale {n}: the build's share of that CPU", 100 * built.cpu / cpu, "%"),
            Result(f"scale {n}: peak memory, import (all processes)", imported.peak_tree, "MiB"),
            Result(f"scale {n}: peak memory, build (all processes)", built.peak_tree, "MiB"),
            Result(f"scale {n}: largest single process", max(imported.max_rss, built.max_rss),
                   "MiB"),
        ])  # fmt: skip
        if n == max(SIZES):
            results.append(Result(f"scale {n}: peak memory vs 1 GiB", peak, "MiB", "1024 MiB",
                                  peak / GIB_MIB, "<= 1", peak <= GIB_MIB))  # fmt: skip
            one_import, one_build = _edit_once(corpus, home)
            mode = json.loads(one_build.out)["mode"]
            edit = one_import.seconds + one_build.seconds
            results.append(Result(f"scale {n}: one file edited, import + build ({mode})", edit,
                                  "s", "import + build", edit / wall))  # fmt: skip
            results.append(Result(f"scale {n}: one file edited, the build alone ({mode})",
                                  one_build.seconds, "s", "cold build",
                                  one_build.seconds / built.seconds))  # fmt: skip
        elif have("hugo"):
            # the median of three, as in `articles`: Hugo's own time moves by a third from run
            # to run on this machine
            hugo_seconds, hugo_cpu = hugo_build(work, corpus)
            results.extend([
                Result(f"scale {n}: hugo build (anchor, median of 3)", hugo_seconds, "s"),
                Result(f"scale {n}: import + build vs hugo", wall, "s", "hugo",
                       wall / hugo_seconds, "<= 2", wall / hugo_seconds <= 2),
                Result(f"scale {n}: the same in CPU time", cpu, "s", "hugo CPU",
                       cpu / hugo_cpu, "<= 2", cpu / hugo_cpu <= 2),
            ])  # fmt: skip
        if not KEEP:
            shutil.rmtree(home, ignore_errors=True)  # millions of small files: not kept
    small, large = min(SIZES), max(SIZES)
    ratio = totals[large][0] / totals[small][0]
    factor = large / small
    results.append(Result(f"scale: {large} / {small} time", ratio, "", f"x{factor:g} articles",
                          ratio, f"<= {factor * 1.1:g}", ratio <= factor * 1.1))  # fmt: skip
    cpu_ratio = totals[large][1] / totals[small][1]
    results.append(Result(f"scale: {large} / {small} CPU time", cpu_ratio, "",
                          f"x{factor:g} articles", cpu_ratio))  # fmt: skip
    return results
