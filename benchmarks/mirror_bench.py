"""Mirror: `permapress mirror` of the 10,000-article site from `permapress serve` on 127.0.0.1.

Measured: the first mirror (time, peak memory, blocks and bytes fetched); the mirror after one
correction (bytes fetched, as a share of the first); a first mirror killed with SIGKILL at a
random moment and run again (blocks and bytes fetched twice, the CAR batches of the rerun).

Goals (issue: carry and mirror): after one correction at most 1 % of the first mirror's bytes
(plus the changed blocks); after `kill -9` the rerun fetches again at most one batch.

The newsroom is the carry benchmark's (built once in the work folder); each run works on a copy
whose blocks are hard links (blocks are never changed in place) and whose catalog is copied, so
the correction made here never reaches the carry benchmark's newsroom.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.build_bench import _run_measured
from benchmarks.carry_bench import _newsroom
from benchmarks.common import Result
from benchmarks.serve_bench import _free_port, _wait

ARTICLES = int(os.environ.get("PERMAPRESS_BENCH_ARTICLES", "10000"))
PERMAPRESS = str(Path(sys.executable).with_name("permapress"))


def _copy(home: Path, to: Path) -> Path:
    """A working copy of a built newsroom: blocks hard-linked, everything else copied."""
    shutil.rmtree(to, ignore_errors=True)

    def link_or_copy(src: str, dst: str) -> object:
        if f"{os.sep}blocks{os.sep}" in src:
            os.link(src, dst)
            return dst
        return shutil.copy2(src, dst)

    shutil.copytree(home, to, copy_function=link_or_copy)
    return to


def _served_root(base: str) -> str:
    header = httpx.get(f"{base}/publisher.json", timeout=60).headers.get("x-ipfs-path", "")
    return header.split("/")[2] if header.count("/") == 3 else ""


def _correct(home: Path, work: Path) -> str:
    """Correct one article in the middle of the site and build: the new root."""
    number = ARTICLES // 2
    text = (work / f"corpus-{ARTICLES}" / f"story-{number:05d}.md").read_text("utf-8")
    fixed = work / "mirror-corrected.md"
    fixed.write_text(text.rstrip() + f"\n\nCorrected at {time.time():.0f}: one figure was wrong.\n",
                     encoding="utf-8")  # fmt: skip
    slug = f"story-{number:05d}"
    subprocess.run([PERMAPRESS, "correct", slug, str(fixed), "--note", "A figure was wrong.",
                    "--home", str(home)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    built = subprocess.run([PERMAPRESS, "build", "--home", str(home), "--json"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return str(json.loads(built.stdout)["root_cid"])


def _held(folder: Path) -> int:
    blocks = folder / "blocks"
    if not blocks.is_dir():
        return 0
    return sum(len(os.listdir(d.path)) for d in os.scandir(blocks) if d.is_dir())


def _mirror(base: str, folder: Path) -> tuple[float, int, dict[str, object]]:
    seconds, peak, out = _run_measured([PERMAPRESS, "mirror", base, str(folder), "--json"])
    return seconds, peak, json.loads(out)


def run(work: Path) -> list[Result]:
    source = _newsroom(work)
    home = _copy(source, work / f"mirror-newsroom-{ARTICLES}")
    # built again by this code first, so that the correction below changes only what a
    # correction changes (not every page the templates of a newer permapress render anew)
    subprocess.run([PERMAPRESS, "build", "--home", str(home), "--json"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    mirror = work / f"mirror-{ARTICLES}"
    killed = work / f"mirror-killed-{ARTICLES}"
    for folder in (mirror, killed):
        shutil.rmtree(folder, ignore_errors=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([PERMAPRESS, "serve", "--home", str(home), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    results: list[Result] = []
    try:
        _wait(f"{base}/publisher.json", seconds=600)
        seconds, peak, first = _mirror(base, mirror)
        first_bytes = int(str(first["bytes_fetched"]))
        results += [
            Result(f"first mirror, {ARTICLES} articles (peak {peak} MiB)", seconds, "s"),
            Result(f"  fetched: {first['blocks_fetched']} blocks", first_bytes / 1e6, "MB"),
        ]

        new_root = _correct(home, work)
        deadline = time.monotonic() + 120
        while _served_root(base) != new_root and time.monotonic() < deadline:
            time.sleep(0.5)
        seconds, peak, after = _mirror(base, mirror)
        share = int(str(after["bytes_fetched"])) / first_bytes
        results += [
            Result(f"mirror after one correction (peak {peak} MiB)", seconds, "s"),
            Result(f"  fetched: {after['blocks_fetched']} blocks, {after['bytes_fetched']} "
                   "bytes, share of the first", share * 100, "%", "first mirror", share,
                   "<= 1 %", share <= 0.01),  # fmt: skip
        ]

        # a first mirror killed at a random moment of its transfer, then run again
        target = int(random.Random().uniform(0.05, 0.95) * int(str(first["blocks_fetched"])))
        started = time.perf_counter()
        proc = subprocess.Popen([PERMAPRESS, "mirror", base, str(killed)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        while _held(killed) < target and proc.poll() is None:
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        moment = time.perf_counter() - started
        held = _held(killed)
        from permapress.newsroom.mirror import mirror_once

        started = time.perf_counter()
        rerun = mirror_once(base, killed)
        took = time.perf_counter() - started
        results += [
            Result(f"mirror killed (SIGKILL) after {moment:.0f} s holding {held} blocks; "
                   f"rerun fetched {rerun.blocks_fetched} blocks in {rerun.batches} batches",
                   took, "s"),  # fmt: skip
            Result(f"  fetched twice: {rerun.blocks_refetched} blocks, vs the largest batch "
                   f"({rerun.largest_batch} bytes)", rerun.bytes_refetched, "bytes",
                   "largest batch", rerun.bytes_refetched / max(1, rerun.largest_batch),
                   "<= one batch", rerun.bytes_refetched <= rerun.largest_batch),  # fmt: skip
        ]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results
