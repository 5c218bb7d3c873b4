"""Fuzzing IPFS data end to end: CAR files through ``ipfs verify``, ``ipfs unpack`` and the
UnixFS reader, and IPNS records through decoding and verification.

The decoders themselves (dag-pb, DAG-CBOR, UnixFS, CID, CAR framing) have their own property
tests in tests/ipfs; these targets feed whole inputs through the commands and walkers that use
them. CARs come from the gateway-conformance fixtures, changed two ways: bytes mutated anywhere
(mostly caught by hashing), and one block mutated then stored under its new CID (or an identity
CID) and made the root, so the decoders and walkers meet bytes that hash correctly.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from data_paths import GATEWAY_CONFORMANCE
from fuzzkit import FUZZ, bounded, mutated, ours_or_success, replay
from hypothesis import given
from hypothesis import strategies as st

from permapress.cli import main
from permapress.errors import PermapressError
from permapress.ipfs.car import car_header, car_section, read_car
from permapress.ipfs.cid import CID, DAG_PB, RAW, identity_cid
from permapress.ipfs.dagpb import PBLink, PBNode, encode_node
from permapress.ipfs.reader import list_directory, read_file, stat
from permapress.ipfs.unixfs import DIRECTORY, FILE, SYMLINK, UnixFSData, encode_data
from permapress.ipfs.verify import load_car, verify_loaded
from permapress.publish.ipns import (
    SIGNATURE_V2_PREFIX,
    IpnsEntry,
    create_record,
    decode_record,
    encode_record,
    name_of_key,
    verify_record,
)
from permapress.publish.names import parse_name

CARS = sorted(GATEWAY_CONFORMANCE.rglob("*.car"))
CAR_SEEDS = [p.read_bytes() for p in CARS]
CAR_TOKENS = (
    b"\x01\x70\x12\x20", b"\x01\x71\x12\x20", b"\x01\x55\x12\x20", b"\x01\x55\x00\x05",
    b"\x01\x70\x00\x7f", b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
    b"\x12\x22\x0a", b"\x0a\x22", b"\x08\x02\x12", b"\x18\xff\xff\xff\xff\xff\xff\xff\x7f",
    b"\xa2eroots", b"gversion\x02", b"\xd8\x2a\x58\x25\x00", b"\x9f" * 64, b"\xbf",
)  # fmt: skip
MAX_LISTED = 500
MAX_READ = 1 << 20


def _sections(car: bytes) -> list[tuple[CID, bytes]]:
    return [(cid, bytes(data)) for cid, data in read_car(io.BytesIO(car))]


SECTIONS = [s for s in (_sections(c) for c in CAR_SEEDS) if s]


@st.composite
def rehashed_cars(draw: st.DrawFn) -> bytes:
    """A fixture CAR plus one of its blocks mutated, stored under its own new CID (or inlined
    in an identity CID) and named as the CAR's root."""
    sections = draw(st.sampled_from(SECTIONS))
    cid, block = draw(st.sampled_from(sections))
    changed = draw(mutated([block], CAR_TOKENS, max_ops=4))
    if draw(st.booleans()) and len(changed) <= 128:
        root = identity_cid(changed, cid.codec)
    else:
        root = CID.hash(changed, cid.codec, 1)
    out = car_header([root]) + b"".join(car_section(c, d) for c, d in sections)
    return out + car_section(root, changed)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-ipfs")


def _cli(*args: str) -> tuple[int, str]:
    """Run the CLI in-process with internal errors raised (PERMAPRESS_DEBUG); return the exit
    code and what it wrote to standard error."""
    err = io.StringIO()
    code = 0
    os.environ["PERMAPRESS_DEBUG"] = "1"
    try:
        with bounded(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.environ.pop("PERMAPRESS_DEBUG", None)
    return code, err.getvalue()


def _walk(root: CID, get: object) -> None:
    info = stat(root, get)  # type: ignore[arg-type]
    if info.kind in ("directory", "hamt"):
        for number, _entry in enumerate(list_directory(root, get)):  # type: ignore[arg-type]
            if number >= MAX_LISTED:
                break
    elif info.kind in ("file", "raw", "symlink"):
        for _chunk in read_file(root, get, 0, MAX_READ):  # type: ignore[arg-type]
            pass


def _car_pipeline(workdir: Path, data: bytes) -> None:
    car = workdir / "input.car"
    car.write_bytes(data)
    code, err = _cli("ipfs", "verify", str(car), "--json")
    assert code in (0, 1), err
    out = workdir / "unpacked"
    code, err = _cli("ipfs", "unpack", str(car), str(out))
    assert code in (0, 1), err
    assert [p.name for p in workdir.iterdir() if ".unpack-" in p.name] == []  # staging removed
    assert (out.exists() or out.is_symlink()) == (code == 0), err  # all or nothing
    if code == 1:
        assert err.strip() and "Traceback" not in err
    if out.is_dir() and not out.is_symlink():
        shutil.rmtree(out)
    elif out.exists() or out.is_symlink():
        out.unlink()
    loaded = ours_or_success(lambda: load_car(io.BytesIO(data)))
    if isinstance(loaded, Exception):
        return
    ours_or_success(lambda: verify_loaded(loaded))
    for root in loaded.roots[:3]:
        ours_or_success(lambda root=root: _walk(root, loaded.store.get))  # type: ignore[misc]


@FUZZ
@replay("car")
@given(mutated(CAR_SEEDS, CAR_TOKENS))
def test_car_bytes(workdir: Path, data: bytes) -> None:
    _car_pipeline(workdir, data)


@FUZZ
@replay("car-rehashed")
@given(rehashed_cars())
def test_car_with_a_rehashed_block(workdir: Path, data: bytes) -> None:
    _car_pipeline(workdir, data)


NAMES = st.one_of(st.sampled_from(["a", "b", "a", "..", ".", "", "x/y", "index.html", "é"]),
                  st.text(max_size=6))  # fmt: skip


@st.composite
def built_dags(draw: st.DrawFn) -> bytes:
    """A CAR of a DAG built from scratch with correct hashes: leaves, files and folders that
    link to any earlier node, any number of times, under any names. Shared and repeated links
    make paths multiply (a folder that links twice to the level below, at every level, has
    2^depth paths); declared sizes may lie."""
    blocks: list[tuple[CID, bytes]] = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["raw", "file", "dir", "dir", "symlink"]))
        earlier = [cid for cid, _ in blocks]
        if kind == "raw" or not earlier:
            data = draw(st.binary(max_size=64))
            blocks.append((CID.hash(data, RAW, 1), data))
            continue
        if kind == "symlink":
            node = PBNode((), encode_data(UnixFSData(SYMLINK, data=draw(NAMES).encode())))
        else:
            targets = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=4))
            if kind == "file":
                sizes = tuple(draw(st.integers(0, 2**40)) for _ in targets)
                unixfs = UnixFSData(FILE, filesize=draw(st.integers(0, 2**40)), blocksizes=sizes)
                links = tuple(PBLink(t, "", 1) for t in targets)
            else:
                unixfs = UnixFSData(DIRECTORY)
                links = tuple(PBLink(t, draw(NAMES), 1) for t in targets)
            node = PBNode(links, encode_data(unixfs))
        try:
            data = encode_node(node)
        except PermapressError:
            continue  # names dag-pb cannot order or hold
        blocks.append((CID.hash(data, DAG_PB, 1), data))
    root = blocks[-1][0]
    return car_header([root]) + b"".join(car_section(c, d) for c, d in blocks)


@FUZZ
@replay("car-built")
@given(built_dags())
def test_car_of_a_dag_built_from_scratch(workdir: Path, data: bytes) -> None:
    _car_pipeline(workdir, data)


# --- IPNS records ------------------------------------------------------------------------------

KEY = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
NAME = name_of_key(KEY)
NOW = datetime(2025, 6, 1, tzinfo=UTC)
OURS = create_record(
    KEY, "/ipfs/bafkqaddwgevxmmraojswg33smq", 7, NOW + timedelta(days=3), 3_600_000_000_000
)
RECORDS = sorted(GATEWAY_CONFORMANCE.rglob("*.ipns-record"))
RECORD_SEEDS = [p.read_bytes() for p in RECORDS] + [OURS]
RECORD_NAMES = [p.name.split("_")[0].removesuffix(".ipns-record") for p in RECORDS] + [str(NAME)]


@FUZZ
@replay("ipns-record")
@given(mutated(RECORD_SEEDS, CAR_TOKENS), st.sampled_from(RECORD_NAMES))
def test_ipns_record(data: bytes, name: str) -> None:
    ours_or_success(lambda: decode_record(data))
    ours_or_success(lambda: verify_record(parse_name(name), data, now=NOW))


@FUZZ
@replay("ipns-signed-data")
@given(mutated([decode_record(OURS).data or b""], CAR_TOKENS))
def test_ipns_record_with_signed_mutated_data(data: bytes) -> None:
    """The signed DAG-CBOR payload mutated and signed again, so verification reaches it."""
    entry = IpnsEntry(signature_v2=KEY.sign(SIGNATURE_V2_PREFIX + data), data=data)
    ours_or_success(lambda: verify_record(NAME, encode_record(entry), now=NOW))
