"""Hostile CARs: cycles through blocks under wrong CIDs, paths that multiply, deep nesting and
files that declare terabytes. `ipfs verify`, `verify` and `ipfs unpack` must end at once with a
result or one clear line, write nothing they should not, and always remove their staging folder.

Hang tests run the real command in a subprocess under a generous timeout (a hang fails the test
through ``subprocess.TimeoutExpired``); no test measures time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from permapress.errors import FormatError, IpfsError
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.hamt import MURMUR3_X64_64
from permapress.ipfs.reader import MAX_FILE_DEPTH, list_directory, read_file
from permapress.ipfs.report import ROOT
from permapress.ipfs.unixfs import FILE, HAMT_SHARD, UnixFSData, encode_data
from permapress.ipfs.unpack import (
    UnpackPlan,
    check_plan,
    human,
    parse_size,
    plan_unpack,
)
from permapress.ipfs.verify import checked_getter, verify_dag
from permapress.trust.check import MAX_BUNDLE_ENTRIES, tree_files

sys.path.insert(0, str(Path(__file__).parent))  # the suite runs with --import-mode=importlib
import hostile_dags as h  # noqa: E402

COMMAND = [str(Path(sys.executable).parent / "permapress")]
HANG_TIMEOUT = 120


def permapress(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=HANG_TIMEOUT,
        cwd=cwd, check=False,
    )


def write(tmp_path: Path, name: str, dag: tuple[CID, h.Blocks]) -> Path:
    path = tmp_path / f"{name}.car"
    path.write_bytes(h.car_bytes(*dag))
    return path


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Internal error" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ")
    return last


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix != ".car")


# --- ipfs verify and verify end --------------------------------------------------------------


@pytest.mark.parametrize("dag", ["self_cycle", "cycle_via_bad_block"])
def test_cycles_through_bad_blocks_end(dag: str, tmp_path: Path) -> None:
    car = write(tmp_path, dag, getattr(h, dag)())
    done = permapress("ipfs", "verify", car)
    assert "corrupt: " in done.stdout
    assert "1 corrupt" in one_error_line(done)
    trust = permapress("verify", car)
    assert trust.returncode == 1 and "Traceback" not in trust.stderr
    assert "NOT VALID" in trust.stdout and "does not match its CID" in trust.stdout


def test_doubling_dag_is_one_visit_per_block(tmp_path: Path) -> None:
    car = write(tmp_path, "doubling", h.doubling(30))
    done = permapress("ipfs", "verify", car)
    assert done.returncode == 0, done.stderr
    assert ": 31 blocks," in done.stdout
    trust = permapress("verify", car)
    assert trust.returncode == 1 and "Traceback" not in trust.stderr
    assert f"more than {MAX_BUNDLE_ENTRIES} files and folders" in trust.stdout


def test_ten_thousand_nested_folders_verify(tmp_path: Path) -> None:
    car = write(tmp_path, "nested", h.nested(10_000))
    done = permapress("ipfs", "verify", car)
    assert done.returncode == 0, done.stderr
    assert ": 10000 blocks," in done.stdout
    trust = permapress("verify", car)
    assert trust.returncode == 1 and "Traceback" not in trust.stderr
    assert "nested deeper than" in trust.stdout


def test_deep_problem_paths_are_elided() -> None:
    root, blocks = h.nested(5_000)
    store = MemoryBlockstore()
    for cid, data in blocks[:-1]:  # the innermost folder is missing
        store.put(cid, data)
    report = verify_dag(root, store.get)
    (problem,) = report.problems
    assert problem.kind == "missing" and problem.cid == blocks[-1][0]
    assert problem.path == "d/d/d/…4993 more…/d/d/d"


def test_trail_keeps_short_paths_whole_and_cuts_long_names() -> None:
    assert ROOT.child("a/b").child("c").short() == "a/b/c"
    long = "x" * 500
    shown = ROOT.child(long).short()
    assert len(shown) < 50 and shown.startswith("xxx") and "…" in shown
    deep = ROOT
    for index in range(10):
        deep = deep.child(str(index))
    assert deep.short() == "0/1/2/…4 more…/7/8/9"


def test_checked_getter_refuses_a_block_under_a_wrong_cid() -> None:
    root, blocks = h.self_cycle()
    store = MemoryBlockstore()
    for cid, data in blocks:
        store.put(cid, data)
    get = checked_getter(store.get)
    with pytest.raises(IpfsError, match="does not match its CID"):
        list(list_directory(root, get))
    with pytest.raises(IpfsError):
        tree_files(root, get)


def test_tree_files_counts_paths_not_blocks() -> None:
    root, blocks = h.doubling(30)
    store = MemoryBlockstore()
    for cid, data in blocks:
        store.put(cid, data)
    with pytest.raises(Exception, match=f"more than {MAX_BUNDLE_ENTRIES}"):
        tree_files(root, store.get)


# --- reader bounds ---------------------------------------------------------------------------


def test_hamt_reaching_a_sub_shard_twice_is_refused() -> None:
    store = MemoryBlockstore()
    shard = UnixFSData(HAMT_SHARD, hash_type=MURMUR3_X64_64, fanout=256)
    leaf = h.folder([])
    leaf_cid = h.pb(leaf)
    store.put(leaf_cid, leaf)
    inner = encode_node(PBNode((PBLink(leaf_cid, "00name", 0),), encode_data(shard)))
    cid = h.pb(inner)
    store.put(cid, inner)
    for _ in range(40):  # 2^40 entries if sub-shards were walked once per link
        block = encode_node(PBNode((PBLink(cid, "01", 0), PBLink(cid, "02", 0)),
                                   encode_data(shard)))
        cid = h.pb(block)
        store.put(cid, block)
    with pytest.raises(FormatError, match="twice"):
        list(list_directory(cid, store.get))


def test_a_file_node_linking_to_itself_ends() -> None:
    fake = h.pb(b"never stored under its own hash")
    node = encode_node(PBNode((PBLink(fake, "", 10),),
                              encode_data(UnixFSData(FILE, filesize=10, blocksizes=(10,)))))
    store = MemoryBlockstore()
    store.put(fake, node)
    with pytest.raises(FormatError, match=f"deeper than {MAX_FILE_DEPTH}"):
        b"".join(read_file(fake, store.get))


# --- unpack ----------------------------------------------------------------------------------


def test_unpack_refuses_ten_thousand_nested_folders(tmp_path: Path) -> None:
    car = write(tmp_path, "nested", h.nested(10_000))
    done = permapress("ipfs", "unpack", car, tmp_path / "out")
    assert "nested deeper than 256 levels" in one_error_line(done)
    assert leftovers(tmp_path) == []


def test_unpack_writes_nesting_within_the_limit(tmp_path: Path) -> None:
    car = write(tmp_path, "nested", h.nested(200))
    done = permapress("ipfs", "unpack", car, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "0 files, 200 folders" in done.stdout
    assert (tmp_path / "out" / "/".join(["d"] * 199)).is_dir()
    assert leftovers(tmp_path) == ["out"]


def test_unpack_refuses_a_terabyte_file_before_writing(tmp_path: Path) -> None:
    car = write(tmp_path, "huge", h.huge_file(bytes(1024), 1024, 3))
    assert car.stat().st_size < 200_000
    done = permapress("ipfs", "unpack", car, tmp_path / "out")
    line = one_error_line(done)
    assert "1.0 TiB (1099511627776 bytes)" in line and "--max-size" in line
    assert leftovers(tmp_path) == []


def test_unpack_counts_every_path_of_a_doubling_dag(tmp_path: Path) -> None:
    car = write(tmp_path, "files", h.doubling_files(30, 1000))
    line = one_error_line(permapress("ipfs", "unpack", car, tmp_path / "out"))
    assert "1073741824 files" in line and "1073741824000 bytes" in line
    empty = write(tmp_path, "folders", h.doubling(30))
    line = one_error_line(permapress("ipfs", "unpack", empty, tmp_path / "out"))
    assert f"{2**31 - 1} files, folders and symlinks" in line and "--max-files" in line
    assert leftovers(tmp_path) == []


def test_unpack_max_size_and_max_files_options(tmp_path: Path) -> None:
    car = write(tmp_path, "files", h.doubling_files(3, 1000))  # 8 files of 1000 bytes
    line = one_error_line(permapress("ipfs", "unpack", car, tmp_path / "a", "--max-size", "7999"))
    assert "7.8 KiB (8000 bytes)" in line
    line = one_error_line(permapress("ipfs", "unpack", car, tmp_path / "a", "--max-files", "22"))
    assert "23 files, folders and symlinks" in line
    done = permapress("ipfs", "unpack", car, tmp_path / "a", "--max-size", "8000",
                      "--max-files", "23")
    assert done.returncode == 0, done.stderr
    assert "8 files, 15 folders, 0 symlinks, 8000 bytes" in done.stdout
    assert (tmp_path / "a" / "b" / "a" / "b" / "f.bin").read_bytes() == bytes(1000)
    bad = one_error_line(permapress("ipfs", "unpack", car, tmp_path / "c", "--max-size", "lots"))
    assert "--max-size 'lots' is not a size" in bad


def test_plan_is_counted_per_path_without_writing() -> None:
    root, blocks = h.doubling_files(40, 7)
    store = MemoryBlockstore()
    for cid, data in blocks:
        store.put(cid, data)
    plan = plan_unpack(root, store.get)
    assert plan == UnpackPlan(files=2**40, folders=2**41 - 1, symlinks=0, bytes=7 * 2**40,
                              depth=41)


def test_check_plan_refuses_more_than_the_free_space() -> None:
    plan = UnpackPlan(files=1, bytes=5000)
    check_plan(plan, max_size=10_000, max_entries=10, free=5000)
    with pytest.raises(IpfsError, match="only 4.9 KiB \\(4999 bytes\\) is free"):
        check_plan(plan, max_size=10_000, max_entries=10, free=4999)


@pytest.mark.parametrize(
    ("text", "size"),
    [("10GiB", 10 << 30), ("500MB", 500_000_000), ("1.5G", 3 << 29), ("123", 123),
     ("2 tib", 2 << 40), ("64k", 65536)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_human_sizes() -> None:
    assert human(512) == "512 bytes"
    assert human(1 << 40) == "1.0 TiB (1099511627776 bytes)"
    assert human(1 << 100) == "about 2^100 bytes"


def test_unpack_write_error_leaves_nothing(tmp_path: Path) -> None:
    # a name the file system refuses (too long) fails while writing, after the plan passed
    leaf = b"x"
    leaf_cid = CID.hash(leaf)
    top = h.folder([("n" * 300, leaf_cid)])
    root = h.pb(top)
    car = write(tmp_path, "longname", (root, [(root, top), (leaf_cid, leaf)]))
    line = one_error_line(permapress("ipfs", "unpack", car, tmp_path / "out"))
    assert "cannot write" in line and "File name too long" in line and len(line) < 300
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_ctrl_c_during_unpack_removes_the_staging_folder(
    tmp_path: Path, signum: signal.Signals
) -> None:
    car = write(tmp_path, "big", h.huge_file(bytes(1024), 1024, 2))  # a 1 GiB file of zeros
    process = subprocess.Popen(
        [*COMMAND, "ipfs", "unpack", str(car), str(tmp_path / "out"), "--max-size", "2GiB"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        staged = tmp_path / "never"
        for _ in range(6000):  # wait until bytes are being written into the staging folder
            found = [p for p in tmp_path.glob(".out.unpack-*/content/big.bin")]
            if found and found[0].stat().st_size > 0:
                staged = found[0]
                break
            if process.poll() is not None:
                break
            time.sleep(0.01)
        assert staged.exists(), "the unpack never started writing"
        process.send_signal(signum)
        _out, err = process.communicate(timeout=HANG_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in err
    assert err.strip() == f"interrupted; nothing was written to {tmp_path / 'out'}"
    assert leftovers(tmp_path) == []


def test_unpack_of_a_normal_car_still_works(tmp_path: Path) -> None:
    root, blocks = h.doubling_files(2, 10)
    car = write(tmp_path, "small", (root, blocks))
    done = permapress("ipfs", "unpack", car, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["a", "b"]
    assert leftovers(tmp_path) == ["out"]


def test_names_cannot_forge_output_lines(tmp_path: Path) -> None:
    evil = "x\x1b[2K\rOK all good\nfake\udcff"
    absent = CID.hash(b"a block that is not in the CAR")
    top = h.folder([(evil, absent)])
    root = h.pb(top)
    car = write(tmp_path, "evil", (root, [(root, top)]))
    done = permapress("ipfs", "verify", car)
    assert "\x1b" not in done.stdout + done.stderr and "\r" not in done.stdout
    (line,) = done.stdout.strip().splitlines()
    shown = "x\\x1b[2K\\x0dOK all good\\x0afake\\xff"
    assert line == f"missing: {absent} ({shown}): block is not present"
    trust = permapress("verify", car)
    assert "\x1b" not in trust.stdout and "\r" not in trust.stdout
    assert all(not line.startswith("OK all good") for line in trust.stdout.splitlines())
