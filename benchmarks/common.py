"""Shared pieces of the benchmarks: results, timing, the table."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "tests" / "interop" / "node_modules" / ".bin"


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    value: float
    unit: str
    anchor: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None


def timed(func: Callable[[], object], repeat: int = 1) -> float:
    """Best wall-clock seconds of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def run_timed(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def print_table(results: list[Result]) -> None:
    header = f"{'benchmark':<52} {'value':>12} {'unit':<8} {'anchor':<28} {'ratio':>7}  goal"
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        verdict = {True: "  MET", False: "  MISSED", None: ""}[r.met]
        print(
            f"{r.name:<52} {r.value:>12.3f} {r.unit:<8} {r.anchor:<28} {ratio:>7}"
            f"  {r.goal}{verdict}"
        )
