"""Carry: the 10,000-article site as one CARv2 (`export --format car`), then served from that file
(`serve FILE.car`) and, in the same run, from the newsroom's blockstore (`serve --home`).

Measured: export time, peak memory and file size; `verify FILE.car` time; time until each server
answers; wrk requests per second for an article page, the article's CAR file and the trustless
gateway's CAR of the article's bundle (`?format=car`), and the pages of random articles of the
whole site (a wrk script: most are read from blocks, not from a cache), each server with one
worker per core; both servers run at once and wrk alternates between them (best of three rounds
each).

Goal (issue: carry and mirror): serving from the CAR at least 0.8x serving from the blockstore,
for the page and for the CAR, with no errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.build_bench import _run_measured
from benchmarks.common import Result, have
from benchmarks.corpus import write_corpus
from benchmarks.serve_bench import _free_port, _wait, _wrk

ARTICLES = int(os.environ.get("PERMAPRESS_BENCH_ARTICLES", "10000"))
PERMAPRESS = str(Path(sys.executable).with_name("permapress"))
WORKERS = os.cpu_count() or 1
ROUNDS = 3


def newsroom(work: Path) -> Path:
    """A built newsroom of the corpus, made once and kept in the work folder."""
    home = work / f"carry-newsroom-{ARTICLES}"
    if (home / ".built").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    corpus = write_corpus(work / f"corpus-{ARTICLES}", ARTICLES)
    for cmd in (["init", str(home), "--name", "Bench Courier"],
                ["import", str(corpus), "--home", str(home), "--json"],
                ["build", "--home", str(home), "--json"]):  # fmt: skip
        subprocess.run([PERMAPRESS, *cmd], check=True, stdout=subprocess.DEVNULL)
    (home / ".built").write_text("built\n")
    return home


# A CID no site holds: the gateway answers it (404) once its served set is walked.
UNPUBLISHED = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def _serve(args: list[str], probe: str) -> tuple[subprocess.Popen[bytes], int, float]:
    port = _free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PERMAPRESS, "serve", *args, "--port", str(port), "--workers", str(WORKERS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/{probe}", seconds=600)
        ready = time.perf_counter() - start
        # measured once the walk of what may be served is done (steady state)
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ipfs/{UNPUBLISHED}", timeout=900)
    except BaseException:
        proc.terminate()
        proc.wait(30)
        raise
    return proc, port, ready


_newsroom = newsroom  # the name the mirror benchmark imports


def exported(work: Path, home: Path) -> Path:
    """The newsroom's CAR file: the one this benchmark wrote, or a new export."""
    car = work / f"carry-{ARTICLES}.car"
    if not car.exists():
        subprocess.run([PERMAPRESS, "export", "--format", "car", str(car), "--home", str(home)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return car


LUA = """local paths = {{{paths}}}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def _every_page(work: Path, listing: list[dict[str, str]]) -> str:
    """A wrk script asking for the page of a random article each time (most not yet cached)."""
    script = work / "carry-pages.lua"
    quoted = ",".join(f'"/articles/{row["slug"]}/"' for row in listing)
    script.write_text(LUA.format(paths=quoted))
    return f"script:{script}"


def _measure(port: int, path: str) -> tuple[float, float, int]:
    if not path.startswith("script:"):
        return _wrk(f"http://127.0.0.1:{port}/{path}")
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d8s", "-s", path.removeprefix("script:"),
         f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    assert rate is not None and latency is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return float(rate.group(1)), float(latency.group(1)) * scale, errors


def run(work: Path) -> list[Result]:
    home = newsroom(work)
    car = work / f"carry-{ARTICLES}.car"
    # the newest code may render pages differently: build first, so that the CAR and the
    # blockstore server hold the same site
    subprocess.run([PERMAPRESS, "build", "--home", str(home)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    car.unlink(missing_ok=True)
    seconds, peak, out = _run_measured(
        [PERMAPRESS, "export", "--format", "car", str(car), "--home", str(home), "--json"]
    )
    exported = json.loads(out)
    results = [
        Result(f"export --format car, {ARTICLES} articles (peak {peak} MiB)", seconds, "s"),
        Result(f"  CAR size ({exported['blocks']} blocks)", car.stat().st_size / (1 << 20), "MiB"),
    ]
    seconds, peak, _out = _run_measured([PERMAPRESS, "verify", str(car), "--json"])
    results.append(Result(f"verify FILE.car (peak {peak} MiB)", seconds, "s"))
    if not have("wrk"):
        return [*results, Result("wrk not installed: `make bench` installs it", 0, "", met=False)]
    listing = json.loads(
        subprocess.run([PERMAPRESS, "list", "--home", str(home), "--json"], check=True,
                       capture_output=True, text=True).stdout  # fmt: skip
    )
    slug = listing[len(listing) // 2]["slug"]
    bundle = json.loads(
        subprocess.run([PERMAPRESS, "show", slug, "--home", str(home), "--json"], check=True,
                       capture_output=True, text=True).stdout  # fmt: skip
    )["bundle_cid"]
    paths = {
        "article page": f"articles/{slug}/",
        "article CAR file": f"articles/{slug}/{slug}.car",
        "gateway CAR of the bundle": f"ipfs/{bundle}?format=car",
        f"random pages of all {len(listing)} articles": _every_page(work, listing),
    }
    # Both servers run at once and wrk alternates between them, ROUNDS times per path (best of
    # each kept): load from elsewhere on the machine then weighs on both alike.
    rates: dict[str, dict[str, tuple[float, float, int]]] = {"blockstore": {}, "CAR": {}}
    servers = {}
    try:
        for label, args in (("blockstore", ["--home", str(home)]), ("CAR", [str(car)])):
            proc, port, ready = _serve(args, "")
            servers[label] = (proc, port)
            results.append(Result(f"serve from the {label}: ready after", ready, "s"))
        for name, path in paths.items():
            for _round in range(ROUNDS):
                for label, (_proc, port) in servers.items():
                    rps, latency, errors = _measure(port, path)
                    best_rps, best_latency, so_far = rates[label].get(name, (0.0, 0.0, 0))
                    if rps > best_rps:
                        best_rps, best_latency = rps, latency
                    rates[label][name] = (best_rps, best_latency, so_far + errors)
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(30)
    for name in paths:
        base, base_lat, base_err = rates["blockstore"][name]
        ours, lat, err = rates["CAR"][name]
        results.append(
            Result(f"serve --home: {name}, {base_lat:.2f} ms, errors {base_err}", base, "req/s")
        )
        ratio = ours / base if base else 0.0
        met = ratio >= 0.8 and err == 0
        results.append(
            Result(f"serve FILE.car: {name}, {lat:.2f} ms, errors {err}", ours, "req/s",
                   "serve --home", ratio, ">= 0.8, 0 errors", met)  # fmt: skip
        )
    return results
