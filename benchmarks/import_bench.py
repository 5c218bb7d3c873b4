"""Import throughput: a 1 GiB file per profile against a bare sha256 pass and `ipfs-car pack`,
and a folder of 10,000 small files against `ipfs-car pack` (``run``); and articles
(``run_articles``): generated Markdown corpora of 3,000 and 10,000 files (or the sizes in
PERMAPRESS_BENCH_IMPORT_SIZES), the milliseconds of import per article on one process and on
every core, import + build against Hugo's build of the same files, and one edited file imported
and built against Hugo's whole build; each in wall time and in CPU time of all processes.

Goal (issue: IPFS core): importing a large file takes at most 1.25x the bare sha256 pass over the
same bytes, and permapress beats ipfs-car on both inputs. Goals (issue: the site build): import +
build at most 2x Hugo's build of the same Markdown files; one edited file at most 0.1x.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from benchmarks.build_bench import hugo_build
from benchmarks.common import NODE_BIN, ROOT, Measured, Result, have, measure, run_timed, timed
from benchmarks.corpus import ensure_corpus
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_file, import_path
from permapress.ipfs.profiles import PROFILES, Profile

GIB = 1 << 30
PERMAPRESS = str(Path(sys.executable).with_name("permapress"))


def _big_file(work: Path) -> Path:
    path = work / "one-gib.bin"
    if path.exists() and path.stat().st_size == GIB:
        return path
    encryptor = Cipher(algorithms.ChaCha20(b"\x01" * 32, b"\0" * 16), mode=None).encryptor()
    zeros = bytes(1 << 24)
    with path.open("wb") as out:
        for _ in range(GIB // len(zeros)):
            out.write(encryptor.update(zeros))
    return path


def _small_files(work: Path) -> Path:
    folder = work / "ten-thousand"
    if folder.exists() and sum(1 for _ in folder.rglob("*.txt")) == 10_000:
        return folder
    rng = random.Random(7)
    for i in range(10_000):
        sub = folder / f"d{i // 500:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:05d}.txt").write_bytes(rng.randbytes(rng.randint(200, 6000)))
    return folder


def _sha256_pass(path: Path) -> None:
    digest = hashlib.sha256()
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buf):
            digest.update(view[:n])


def _fresh_write(out: Path, cmd: list[str]) -> float:
    """Time one command that writes ``out``, after earlier writes reached the disk (os.sync),
    so neither tool pays for the other's dirty pages."""
    out.unlink(missing_ok=True)
    os.sync()
    return run_timed(cmd, cwd=ROOT)


def _versus_ipfs_car(source: Path, label: str, car_out: Path) -> list[Result]:
    """`ipfs-car pack` and `permapress ipfs add --car` on the same input, each starting with
    the disk flushed."""
    theirs = _fresh_write(
        car_out, [str(NODE_BIN / "ipfs-car"), "pack", str(source), "--output", str(car_out)]
    )
    ours = _fresh_write(car_out, [PERMAPRESS, "ipfs", "add", str(source), "--car", str(car_out)])
    ratio = ours / theirs
    return [
        Result(f"ipfs-car pack {label} (anchor)", theirs, "s"),
        Result(
            f"permapress ipfs add {label} --car",
            ours,
            "s",
            "ipfs-car pack",
            ratio,
            "< 1",
            ours < theirs,
        ),
    ]


def _discard(_cid: CID, _data: bytes) -> None:
    return None


def run(work: Path) -> list[Result]:
    results: list[Result] = []
    big = _big_file(work)
    _sha256_pass(big)  # warm the page cache
    base = timed(lambda: _sha256_pass(big), repeat=2)
    results.append(Result("sha256 pass over 1 GiB (anchor)", base, "s"))
    for name, profile in PROFILES.items():

        def once(profile: Profile = profile) -> None:
            with big.open("rb") as f:
                import_file(f, profile, _discard)

        seconds = timed(once, repeat=2)
        ratio = seconds / base
        results.append(
            Result(
                f"import 1 GiB, {name}, only hash",
                seconds,
                "s",
                "sha256 pass",
                ratio,
                "<= 1.25",
                ratio <= 1.25,
            )
        )
    car_out = work / "out.car"
    results += _versus_ipfs_car(big, "1 GiB", car_out)
    folder = _small_files(work)
    only_hash = timed(lambda: import_path(folder, PROFILES["unixfs-v1-2025"], _discard))
    results.append(Result("import 10,000 small files, only hash", only_hash, "s"))
    results += _versus_ipfs_car(folder, "10,000 files", car_out)
    car_out.unlink(missing_ok=True)
    return results


# --- articles: Markdown files into the catalog, against Hugo building the same files ---------

ARTICLE_SIZES = tuple(
    int(n) for n in os.environ.get("PERMAPRESS_BENCH_IMPORT_SIZES", "3000,10000").split(",")
)


def _newsroom(work: Path, name: str) -> Path:
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run(
        [PERMAPRESS, "init", str(home), "--name", "Bench Courier"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return home


def _import(work: Path, corpus: Path, workers: str | None) -> tuple[Measured, Path]:
    """`permapress import` of ``corpus`` into a new newsroom, measured (``workers``:
    PERMAPRESS_IMPORT_WORKERS, None for every core)."""
    home = _newsroom(work, "import-newsroom")
    env = dict(os.environ)
    env.pop("PERMAPRESS_IMPORT_WORKERS", None)
    if workers is not None:
        env["PERMAPRESS_IMPORT_WORKERS"] = workers
    done = measure([PERMAPRESS, "import", str(corpus), "--home", str(home), "--json"], env=env)
    return done, home


def _files(folder: Path) -> int:
    """Files under ``folder`` (blocks: one per block, or one per pack of a batch's blocks)."""
    return sum(len(names) for _dir, _dirs, names in os.walk(folder))


def _per_article(name: str, cpu_of: str, done: Measured, home: Path, n: int) -> list[Result]:
    """An import of ``n`` articles per article: wall time, CPU (``cpu_of``: whose) and the
    files it left in ``home``'s blocks/."""
    return [
        Result(f"{name}: per article", done.seconds / n * 1000, "ms"),
        Result(f"{name}: CPU per article{cpu_of}", done.cpu / n * 1000, "ms"),
        Result(f"{name}: files in blocks/ per article", _files(home / "blocks") / n, "files"),
    ]


def _one_edit(corpus: Path, home: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of importing one edited file and building (the file is put back),
    and the build's mode."""
    edited = corpus / "story-00042.md"
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original + "\nA correction was added to this story.\n", "utf-8")
        imported = measure([PERMAPRESS, "import", str(edited), "--home", str(home), "--json"])
        built = measure([PERMAPRESS, "build", "--home", str(home), "--json"])
    finally:
        edited.write_text(original, encoding="utf-8")
    return (imported.seconds + built.seconds, imported.cpu + built.cpu,
            json.loads(built.out)["mode"])  # fmt: skip


def _ratio(name: str, ours: float, theirs: float, goal: float, unit: str = "s") -> Result:
    ratio = ours / theirs
    return Result(name, ours, unit, "hugo", ratio, f"<= {goal:g}", ratio <= goal)


def run_articles(work: Path) -> list[Result]:
    """Per article: import on one process (the first size) and on every core; then import +
    build against Hugo's build of the same Markdown files (median of 3), in wall time and in
    CPU time (all processes: a machine shared with other work slows every wall time, the CPU
    time much less); and one edited file imported and built against Hugo's whole build."""
    results: list[Result] = []
    for n in ARTICLE_SIZES:
        corpus = ensure_corpus(work / f"corpus-{n}", n)
        if n == ARTICLE_SIZES[0]:
            one, home = _import(work, corpus, "1")
            results += _per_article(f"import {n} articles, one process", "", one, home, n)
        every, home = _import(work, corpus, None)
        results += _per_article(f"import {n} articles, every core", " (all processes)",
                                every, home, n)  # fmt: skip
        build = measure([PERMAPRESS, "build", "--home", str(home), "--json"])
        total, cpu = every.seconds + build.seconds, every.cpu + build.cpu
        results.append(Result(f"import + build {n} articles", total, "s"))
        results.append(Result(f"import + build {n} articles, CPU (all processes)", cpu, "s"))
        edit, edit_cpu, mode = _one_edit(corpus, home)
        if not have("hugo"):
            results.append(Result("hugo not installed: `make bench` installs it", 0, "",
                                  met=False))  # fmt: skip
            continue
        hugo, hugo_cpu = hugo_build(work, corpus)
        results += [
            Result(f"hugo build of the same {n} files", hugo, "s"),
            Result(f"hugo build of the same {n} files, CPU", hugo_cpu, "s"),
            _ratio(f"import + build {n} articles vs hugo", total, hugo, 2),
            _ratio(f"import + build {n} articles vs hugo, CPU", cpu, hugo_cpu, 2),
            _ratio(f"one file edited at {n}: import + build ({mode}) vs hugo", edit, hugo, 0.1),
            _ratio(f"one file edited at {n}, CPU", edit_cpu, hugo_cpu, 0.1),
        ]
    return results
