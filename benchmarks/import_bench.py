"""Import throughput: a 1 GiB file per profile against a bare sha256 pass and `ipfs-car pack`,
and a folder of 10,000 small files against `ipfs-car pack`.

Goal (issue: IPFS core): importing a large file takes at most 1.25x the bare sha256 pass over the
same bytes, and permapress beats ipfs-car on both inputs.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from benchmarks.common import NODE_BIN, ROOT, Result, run_timed, timed
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_file, import_path
from permapress.ipfs.profiles import PROFILES

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

        def once(profile=profile) -> None:
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
