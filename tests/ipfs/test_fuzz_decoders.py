"""Fuzzing the IPFS decoders and walkers: random and mutated CARs, dag-pb, DAG-CBOR and UnixFS.

Every reader must give its own error (``PermapressError``) or a result, nothing else, and end:
each example runs under a generous alarm (``BOUND`` seconds) that turns a hang into a failure.
``PERMAPRESS_FUZZ_EXAMPLES=5000`` runs a longer session (150 examples per test by default).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permapress.errors import PermapressError
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import dag_blocks, read_car, write_car
from permapress.ipfs.cid import CID
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.importer import import_tree
from permapress.ipfs.profiles import PROFILES
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.ipfs.unixfs import decode_data
from permapress.ipfs.unpack import check_plan, plan_unpack, write_tree
from permapress.ipfs.verify import load_car, verify_dag, verify_loaded

BOUND = 20
EXAMPLES = int(os.environ.get("PERMAPRESS_FUZZ_EXAMPLES", "150"))  # more for a long session
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(Exception):
    """An example ran past BOUND seconds."""


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


def _sample_car() -> tuple[bytes, dict[CID, bytes]]:
    store = MemoryBlockstore()
    profile = PROFILES["unixfs-v0-2015"]
    tree = {
        "a.txt": b"hello " * 50,
        "big.bin": bytes(range(256)) * 1200,  # several chunks under the 256 KiB profile
        "sub": {"b.txt": b"b", "deeper": {"c.txt": b"c" * 3000}},
    }
    imported = import_tree(tree, profile, store.put)  # type: ignore[arg-type]
    cbor = dagcbor.encode({"dir": imported.cid, "list": [imported.cid, "text", 1.5], "n": None})
    cbor_cid = CID.hash(cbor, 0x71)
    store.put(cbor_cid, cbor)
    out = io.BytesIO()
    write_car([cbor_cid], dag_blocks(cbor_cid, store.get), out)
    blocks = {cid: store.get(cid) for cid in store}
    return out.getvalue(), blocks


SAMPLE, BLOCKS = _sample_car()
PB_BLOCKS = [data for cid, data in BLOCKS.items() if cid.codec == 0x70]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few bytes flipped, cut, inserted or repeated."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "set"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[at] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0xFF]))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def check_car(data: bytes) -> None:
    """Everything a user can run on a CAR: read, verify, plan, unpack; only our errors."""
    with bounded():
        try:
            car = load_car(io.BytesIO(data))
        except PermapressError:
            return
        report = verify_loaded(car)
        report.lines()
        for root in car.roots:
            try:
                plan = plan_unpack(root, car.store.get)
                check_plan(plan, 1 << 24, 10_000, None)
            except PermapressError:
                continue
            if verify_dag(root, car.store.get).ok:
                folder = Path(tempfile.mkdtemp(prefix="fuzz-unpack-"))
                try:
                    write_tree(root, car.store.get, folder / "out")
                except PermapressError:
                    pass
                except OSError as exc:  # names the file system refuses (too long, …)
                    assert exc.errno is not None
                finally:
                    shutil.rmtree(folder)


def check_blocks(store: MemoryBlockstore, cid: CID) -> None:
    """The UnixFS reader on possibly broken blocks: only our errors."""
    with bounded():
        with suppress(PermapressError):
            stat(cid, store.get)
        try:
            for _entry in list_directory(cid, store.get):
                pass
        except PermapressError:
            pass
        try:
            for _chunk in read_file(cid, store.get):
                pass
        except PermapressError:
            pass


@given(st.binary(max_size=2048))
@FUZZ
def test_random_bytes_as_a_car(data: bytes) -> None:
    check_car(data)


@given(st.data())
@FUZZ
def test_mutated_cars(data: st.DataObject) -> None:
    check_car(data.draw(mutated(SAMPLE)))


@given(st.data())
@FUZZ
def test_mutated_carv2(data: st.DataObject) -> None:
    header = bytes(16) + (51).to_bytes(8, "little") + len(SAMPLE).to_bytes(8, "little")
    v2 = bytes.fromhex("0aa16776657273696f6e02") + header + bytes(8) + SAMPLE
    check_car(data.draw(mutated(v2[:160])) + v2[160:])


@given(st.data())
@FUZZ
def test_mutated_blocks_through_the_reader(data: st.DataObject) -> None:
    store = MemoryBlockstore()
    for cid, block in BLOCKS.items():
        store.put(cid, block)
    victim = data.draw(st.sampled_from(sorted(BLOCKS, key=str)))
    store.put(victim, data.draw(mutated(BLOCKS[victim])))  # stored under its old CID
    for cid in BLOCKS:
        check_blocks(store, cid)
    with bounded():
        report = verify_dag(data.draw(st.sampled_from(sorted(BLOCKS, key=str))), store.get)
    assert all(p.kind in ("corrupt", "malformed", "missing") for p in report.problems)


@given(st.binary(max_size=512))
@FUZZ
def test_random_dag_pb_and_unixfs(data: bytes) -> None:
    with bounded():
        for decoder in (decode_node, decode_data):
            with suppress(PermapressError):
                decoder(data)


@given(st.data())
@FUZZ
def test_mutated_dag_pb_and_unixfs(data: st.DataObject) -> None:
    block = data.draw(mutated(data.draw(st.sampled_from(PB_BLOCKS))))
    with bounded():
        try:
            node = decode_node(block)
        except PermapressError:
            return
        if node.data is not None:
            with suppress(PermapressError):
                decode_data(node.data)
        with suppress(PermapressError):
            decode_data(data.draw(mutated(node.data or b"\x08\x02")))


@given(st.data())
@FUZZ
def test_mutated_dag_cbor(data: st.DataObject) -> None:
    base = dagcbor.encode({"a": [1, -2, 1.5, None, True, b"\x00\xff", "t\u00e9xt"],
                           "link": CID.hash(b"x"), "nested": {"k": [[[]], {}]}})
    block = data.draw(mutated(base))
    with bounded():
        for decode in (dagcbor.decode, dagcbor.decode_relaxed):
            with suppress(PermapressError):
                decode(block)


def test_the_sample_is_a_valid_car() -> None:
    car = load_car(io.BytesIO(SAMPLE))
    assert verify_loaded(car).ok and len(car.store) == len(BLOCKS)
    assert read_car(io.BytesIO(SAMPLE)).version == 1
    assert any(cid.codec == 0x71 for cid in BLOCKS) and len(PB_BLOCKS) > 5
