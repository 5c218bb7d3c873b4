"""Shared pieces of the benchmarks: results, timing, the table."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
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


@dataclass(frozen=True, slots=True)
class Measured:
    """One command: wall seconds, CPU seconds of it and every process it waited for (its
    workers too), the largest resident size of one of them and the peak of their sum, in MiB
    (proportional set size: pages that forked workers share are counted once), and stdout."""

    seconds: float
    cpu: float
    max_rss: float
    peak_tree: float
    out: str


def _children(pid: int) -> list[int]:
    """Every living descendant of ``pid`` (from /proc; empty where there is none)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _pss_mib(pid: int) -> float:
    """Proportional set size of one process in MiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(cmd: list[str], env: dict[str, str] | None = None, every: float = 0.25) -> Measured:
    """Run ``cmd`` (after earlier writes reached the disk: os.sync) and measure it; see
    ``Measured``. Memory is sampled every ``every`` seconds."""
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        peak = 0.0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(every):
                tree = [proc.pid, *_children(proc.pid)]
                peak = max(peak, sum(_pss_mib(pid) for pid in tree))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(
                f"{' '.join(cmd)} failed: {err.read().decode(errors='replace')[-400:]}"
            )
        return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak,
                        out.read().decode())  # fmt: skip
