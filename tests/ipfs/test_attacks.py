"""Every reader and walker of `ipfs verify`, `ipfs unpack` and `verify`, tried as an attacker
would: hostile CAR headers, sections, CARv2 offsets, blocks and DAGs. Each must end with a result
or one clear error line (exit 1), never a traceback, a hang or a flood of output, and unpack must
leave nothing behind when it refuses.

``python tests/ipfs/test_attacks.py`` prints the same cases as a table (input, command, exit
code, last line)."""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from types import FrameType

import pytest

from permapress.cli import main
from permapress.ipfs import dagcbor
from permapress.ipfs.car import CARV2_PRAGMA, car_header, car_section
from permapress.ipfs.cid import CID, DAG_CBOR, DAG_PB, encode_varint
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.unixfs import FILE, HAMT_SHARD, SYMLINK, UnixFSData, encode_data

sys.path.insert(0, str(Path(__file__).parent))  # the suite runs with --import-mode=importlib
import hostile_dags as h  # noqa: E402

BOUND = 60
MAX_LINES = 30
LEAF = b"a leaf"
LEAF_CID = CID.hash(LEAF)


def _v1(roots: list[CID], blocks: list[tuple[CID, bytes]]) -> bytes:
    return car_header(roots) + b"".join(car_section(c, d) for c, d in blocks)


def _v2(v1: bytes, offset: int | None = None, size: int | None = None, index: int = 0) -> bytes:
    offset = len(CARV2_PRAGMA) + 40 if offset is None else offset
    size = len(v1) if size is None else size
    fields = bytes(16) + offset.to_bytes(8, "little") + size.to_bytes(8, "little")
    return CARV2_PRAGMA + fields + index.to_bytes(8, "little") + v1


def _raw_header(value: object) -> bytes:
    body = dagcbor.encode(value)  # type: ignore[arg-type]
    return encode_varint(len(body)) + body


def _dag(block: bytes, codec: int = DAG_PB) -> bytes:
    cid = CID.hash(block, codec)
    return _v1([cid], [(cid, block), (LEAF_CID, LEAF)])


def _dir(links: list[tuple[str, CID]]) -> bytes:
    return h.folder(links)


def _deep_cbor(levels: int) -> bytes:
    return b"\x81" * levels + b"\x00"


def _many_bad_blocks(count: int) -> bytes:
    cids = [CID.hash(f"block {i}".encode()) for i in range(count)]
    top = _dir([(f"f{i}", c) for i, c in enumerate(cids)])
    root = h.pb(top)
    return _v1([root], [(root, top)] + [(c, b"not the content") for c in cids])


def _hamt_doubling(levels: int) -> bytes:
    shard = encode_data(UnixFSData(HAMT_SHARD, hash_type=0x22, fanout=256))
    inner = encode_node(PBNode((PBLink(LEAF_CID, "00name", len(LEAF)),), shard))
    cid = h.pb(inner)
    blocks = [(cid, inner), (LEAF_CID, LEAF)]
    for _ in range(levels):
        block = encode_node(PBNode((PBLink(cid, "01", 0), PBLink(cid, "02", 0)), shard))
        cid = h.pb(block)
        blocks.append((cid, block))
    return _v1([cid], blocks[::-1])


def _symlink_out() -> bytes:
    link = encode_node(PBNode((), encode_data(UnixFSData(SYMLINK, data=b"../../etc/passwd"))))
    top = _dir([("l", h.pb(link))])
    return _v1([h.pb(top)], [(h.pb(top), top), (h.pb(link), link)])


def _named(name: str) -> bytes:
    top = _dir([(name, LEAF_CID)])
    return _v1([h.pb(top)], [(h.pb(top), top), (LEAF_CID, LEAF)])


def _huge_named(*path: str, sibling: str | None = None) -> bytes:
    """A site or bundle whose file at ``path`` (and ``sibling`` beside it) declares 1 TiB: one
    1 KiB leaf, linked 2^30 times."""
    _root, blocks = h.huge_file(bytes(1024), 1024, 3)
    cid = blocks[1][0]  # the file node under the wrapping folder
    names = [(path[-1], cid)] + ([(sibling, cid)] if sibling else [])
    folder = _dir(sorted(names))
    cid = h.pb(folder)
    blocks.append((cid, folder))
    for name in reversed(path[:-1]):
        folder = _dir([(name, cid)])
        cid = h.pb(folder)
        blocks.append((cid, folder))
    return _v1([cid], blocks[::-1])


HEAD = car_header([LEAF_CID])
SAMPLE_V1 = _v1([LEAF_CID], [(LEAF_CID, LEAF)])

ATTACKS: dict[str, Callable[[], bytes]] = {
    "empty file": lambda: b"",
    "not a CAR (HTML)": lambda: b"<!doctype html><title>x</title>",
    "header length varint of 10 bytes (overflow)": lambda: b"\xff" * 10 + b"\x01",
    "header length varint not minimal": lambda: b"\x80\x00",
    "header length 2^62 (huge declared)": lambda: encode_varint(1 << 62) + b"\xa0",
    "header length 1 GiB, 3-byte file": lambda: encode_varint(1 << 30) + b"\xa0",
    "header length 32 MiB (the limit), 10-byte file": lambda: encode_varint(32 << 20) + bytes(8),
    "header length 0": lambda: b"\x00",
    "header not a map": lambda: _raw_header([1, 2]),
    "header version is text": lambda: _raw_header({"roots": [LEAF_CID], "version": "1"}),
    "header roots not CIDs": lambda: _raw_header({"roots": [b"\x01"], "version": 1}),
    "header with zero roots": lambda: _raw_header({"roots": [], "version": 1}),
    "header DAG-CBOR nested 10,000 deep": lambda: (
        encode_varint(10_001) + _deep_cbor(10_000)),
    "giant header: 20,000 roots, none present": lambda: car_header(
        [CID.hash(str(i).encode()) for i in range(20_000)]),
    "section length varint overflow": lambda: HEAD + b"\xff" * 10 + b"\x01",
    "section length 2^40 (huge declared)": lambda: HEAD + encode_varint(1 << 40),
    "section length 32 MiB + 1 (over the limit)": lambda: HEAD + encode_varint((32 << 20) + 1),
    "section longer than the file": lambda: HEAD + encode_varint(1000) + bytes(LEAF_CID),
    "zero-length section then zeros (padding)": lambda: SAMPLE_V1 + b"\x00" * 64,
    "zero-length section then data": lambda: SAMPLE_V1 + b"\x00" + SAMPLE_V1,
    "section CID with a 2^60 multihash length": lambda: (
        HEAD + encode_varint(20) + b"\x01\x55\x12" + encode_varint(1 << 60) + bytes(8)),
    "section CID version 7": lambda: HEAD + encode_varint(4) + b"\x07\x55\x00\x00",
    "truncated in the middle of a section": lambda: SAMPLE_V1[:-3],
    "CARv2 data offset 0 (inside the header)": lambda: _v2(SAMPLE_V1, offset=0),
    "CARv2 data offset 2^63 (negative as int64)": lambda: _v2(SAMPLE_V1, offset=1 << 63),
    "CARv2 data offset 2^64-1": lambda: _v2(SAMPLE_V1, offset=(1 << 64) - 1),
    "CARv2 data size 2^64-1": lambda: _v2(SAMPLE_V1, size=(1 << 64) - 1),
    "CARv2 data size 0": lambda: _v2(SAMPLE_V1, size=0),
    "CARv2 data size cuts a section": lambda: _v2(SAMPLE_V1, size=len(SAMPLE_V1) - 2),
    "CARv2 index offset past the end (index ignored)": lambda: _v2(SAMPLE_V1, index=1 << 62),
    "CARv2 pragma only": lambda: CARV2_PRAGMA,
    "CARv2 inside CARv2": lambda: _v2(_v2(SAMPLE_V1)),
    "DAG-CBOR block nested 10,000 deep": lambda: _dag(_deep_cbor(10_000), DAG_CBOR),
    "DAG-CBOR array claiming 2^32 items": lambda: _dag(b"\x9a\xff\xff\xff\xff\x00", DAG_CBOR),
    "DAG-CBOR text claiming 2^64-1 bytes": lambda: _dag(b"\x7b" + b"\xff" * 8, DAG_CBOR),
    "dag-pb link Tsize varint overflow": lambda: _dag(
        b"\x12\x2e\x0a\x22" + bytes(LEAF_CID)[2:] + b"\x18" + b"\xff" * 10 + b"\x01"),
    "dag-pb Data length 2^40": lambda: _dag(b"\x0a" + encode_varint(1 << 40)),
    "UnixFS file declaring 2^64-1 bytes, no links": lambda: _dag(encode_node(PBNode(
        (), encode_data(UnixFSData(FILE, filesize=(1 << 64) - 1))))),
    "UnixFS file blocksizes claiming 1 TiB for a 6-byte leaf": lambda: _dag(encode_node(PBNode(
        (PBLink(LEAF_CID, "", 6),), encode_data(UnixFSData(FILE, blocksizes=(1 << 40,)))))),
    "HAMT fanout 2^60": lambda: _dag(encode_node(PBNode((), encode_data(
        UnixFSData(HAMT_SHARD, hash_type=0x22, fanout=1 << 60))))),
    "HAMT with sub-shards linked twice, 40 levels": lambda: _hamt_doubling(40),
    "folder with 20,000 entries of one name": lambda: _dag(_dir([("same", LEAF_CID)] * 20_000)),
    "1,000 blocks that do not match their CIDs": lambda: _many_bad_blocks(1000),
    "entry named '..'": lambda: _named(".."),
    "entry named 'a/../../x'": lambda: _named("a/../../x"),
    "entry name of 100,000 characters": lambda: _named("n" * 100_000),
    "symlink to ../../etc/passwd": _symlink_out,
    "block stored under a CID it links to": lambda: h.car_bytes(*h.self_cycle()),
    "cycle through a block under a wrong CID": lambda: h.car_bytes(*h.cycle_via_bad_block()),
    "folder levels linking twice below (2^30 paths)": lambda: h.car_bytes(*h.doubling(30)),
    "same, with a 1000-byte file at the bottom": lambda: h.car_bytes(*h.doubling_files(30, 1000)),
    "10,000 nested folders": lambda: h.car_bytes(*h.nested(10_000)),
    "1 TiB file declared in 150 KB": lambda: h.car_bytes(*h.huge_file(bytes(1024), 1024, 3)),
    "raw root (a file)": lambda: SAMPLE_V1,
    "site whose publisher.json declares 1 TiB": lambda: _huge_named("publisher.json"),
    "bundle whose record/version.json declares 1 TiB": lambda: _huge_named(
        "record", "version.json", sibling="version.sig"),
}
COMMANDS = ("ipfs verify", "ipfs unpack", "verify")


class Hang(Exception):
    pass


@contextmanager
def bounded() -> Iterator[None]:
    def alarm(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"still running after {BOUND} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, BOUND)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def attack(name: str, command: str, folder: Path) -> tuple[int, str, str]:
    """Run one command on one hostile CAR in-process; return (exit code, stdout, stderr)."""
    car = folder / "attack.car"
    car.write_bytes(ATTACKS[name]())
    args = [*command.split(), str(car)]
    if command == "ipfs unpack":
        args.append(str(folder / "out"))
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with bounded(), redirect_stdout(out), redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack(name: str, command: str, tmp_path: Path) -> None:
    code, out, err = attack(name, command, tmp_path)
    assert code in (0, 1), (code, out, err)
    assert "Traceback" not in err and "Internal error" not in err, err
    assert len(out.splitlines()) + len(err.splitlines()) <= MAX_LINES, (out, err)
    assert all(len(line) < 1000 for line in (out + err).splitlines())
    if code == 1 and command.startswith("ipfs"):
        assert err.strip().splitlines()[-1].startswith("Error: "), err
    left = sorted(p.name for p in tmp_path.iterdir())
    if command == "ipfs unpack" and code == 1:
        assert left == ["attack.car"], left  # refused: nothing half-written, no staging folder
    elif command == "ipfs unpack":
        assert left == ["attack.car", "out"], left


def test_trust_verify_never_reads_a_terabyte_file(tmp_path: Path) -> None:
    code, out, err = attack("site whose publisher.json declares 1 TiB", "verify", tmp_path)
    assert code == 1 and "publisher.json cannot be read" in err
    code, out, err = attack("bundle whose record/version.json declares 1 TiB", "verify", tmp_path)
    assert code == 1 and "cannot be read" in out


def test_the_terabyte_file_is_refused_and_the_padding_noted(tmp_path: Path) -> None:
    code, _out, err = attack("1 TiB file declared in 150 KB", "ipfs unpack", tmp_path)
    assert code == 1 and "--max-size" in err
    code, out, _err = attack("zero-length section then data", "ipfs verify", tmp_path)
    assert code == 0 and "not all zero" in out


def _table() -> None:
    import tempfile

    print("| input | command | exit | last line |")
    print("|---|---|---|---|")
    for name in ATTACKS:
        for command in COMMANDS:
            with tempfile.TemporaryDirectory() as folder:
                code, out, err = attack(name, command, Path(folder))
            last = (err.strip() or out.strip()).splitlines()[-1:] or [""]
            shown = last[0].replace("|", "\\|")
            print(f"| {name} | {command} | {code} | {shown[:150]} |")


if __name__ == "__main__":
    _table()
