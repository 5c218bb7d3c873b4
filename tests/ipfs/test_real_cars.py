"""CAR files written by go-car (tests/fixtures/real/ipfs, see SOURCES.md there): what go-car,
kubo and Helia accept, permapress reads and verifies; what they refuse, it refuses in one line."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from data_paths import FIXTURES

from permapress.cli import main
from permapress.errors import FormatError
from permapress.ipfs import dagcbor
from permapress.ipfs.car import CARV2_PRAGMA, block_links, read_car
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import resolve_path
from permapress.ipfs.verify import load_car, verify_car, verify_loaded

REAL = FIXTURES / "real" / "ipfs"
INTEROP = Path(__file__).resolve().parents[1] / "interop"
JS_LINKS = """
import { CarReader } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import fs from 'node:fs'
const reader = await CarReader.fromBytes(fs.readFileSync(process.argv[1]))
const out = []
function walk(v) {
  const c = CID.asCID(v)
  if (c) out.push(c.toString())
  else if (Array.isArray(v)) v.forEach(walk)
  else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk)
}
for await (const { cid, bytes } of reader.blocks()) {
  if (cid.code === 0x71) { out.push('block ' + cid.toString()); walk(dagCbor.decode(bytes)) }
}
console.log(JSON.stringify(out))
"""
FILECOIN_ROOT = "bafy2bzaced4ueelaegfs5fqu4tzsh6ywbbpfk3cxppupmxfdhbpbhzawfw5oy"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(arg) for arg in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_listed_fixture_is_there() -> None:
    listed = {
        line.split("`")[1]
        for line in (REAL / "SOURCES.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    assert listed == {p.name for p in REAL.glob("*.car")}


def test_filecoin_chain_blocks_with_non_utf8_text_verify_with_warnings() -> None:
    report = verify_car(REAL / "sample-v1.car")
    assert report.ok, report.problems[:3]
    assert str(report.root) == FILECOIN_ROOT
    assert report.extra == 0  # every one of the 1,043 blocks is reached: links were followed
    assert len(report.warnings) == 140
    assert {w.kind for w in report.warnings} == {"warning"}
    assert all("not valid UTF-8" in w.message for w in report.warnings)


def test_non_utf8_text_is_kept_as_its_bytes() -> None:
    car = load_car(REAL / "sample-v1.car")
    warned = verify_loaded(car).warnings[0].cid
    block = car.store.get(warned)
    with pytest.raises(FormatError, match="not valid UTF-8"):
        dagcbor.decode(block)  # the strict decoder (our own blocks) still refuses it
    relaxed = dagcbor.decode_relaxed(block)
    assert relaxed.warnings == ("text that is not valid UTF-8 (kept as its bytes)",)
    strings: list[str] = []
    stack: list[dagcbor.DagValue] = [relaxed.value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    raw = [s.encode("utf-8", "surrogateescape") for s in strings]
    assert any(r in block for r in raw if r)
    assert any(b"\xff" in r or any(c >= 0x80 for c in r) for r in raw)


def first_link(value: dagcbor.DagValue, at: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The field path of the first CID inside a decoded value."""
    if isinstance(value, CID):
        return at
    items: list[tuple[str, dagcbor.DagValue]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(str(i), v) for i, v in enumerate(value)]
    for key, item in items:
        found = first_link(item, (*at, key))
        if found is not None:
            return found
    return None


def test_a_path_resolves_through_non_utf8_blocks() -> None:
    car = load_car(REAL / "sample-v1.car")
    root = car.roots[0]
    warned = min(verify_loaded(car).warnings, key=lambda w: len(w.path))
    assert "…" not in warned.path
    target, traversed = resolve_path(root, warned.path.split("/"), car.store.get)
    assert target == warned.cid and traversed[0] == root
    fields = first_link(dagcbor.decode_relaxed(car.store.get(warned.cid)).value)
    assert fields is not None
    further, through = resolve_path(warned.cid, list(fields), car.store.get)
    assert through == [warned.cid] and further != warned.cid


def test_verify_cli_summarizes_warnings_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ipfs", "verify", REAL / "sample-v1.car")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("warning: DAG-CBOR with text that is not valid UTF-8")
    assert lines[0].endswith("and 139 more blocks")
    assert "…" in lines[0]  # the path is elided in the middle
    assert lines[1].startswith(f"OK {FILECOIN_ROOT}: 1049 blocks")
    code, out, err = run(capsys, "ipfs", "verify", REAL / "sample-v1.car", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["problems"] == []
    assert len(report["warnings"]) == 140


def carv2_of(v1: bytes) -> bytes:
    """A CARv2 wrapping ``v1`` with no index, as go-car's WrapV1 lays it out."""
    offset = len(CARV2_PRAGMA) + 40
    header = bytes(16) + offset.to_bytes(8, "little") + len(v1).to_bytes(8, "little")
    return CARV2_PRAGMA + header + bytes(8) + v1


def test_filecoin_sample_wrapped_in_carv2() -> None:
    v1 = (REAL / "sample-v1.car").read_bytes()
    report = verify_car(io.BytesIO(carv2_of(v1)))
    assert report.ok and len(report.warnings) == 140


def test_zero_length_section_is_padding(capsys: pytest.CaptureFixture[str]) -> None:
    car = load_car(REAL / "sample-v1-with-zero-len-section2.car")
    assert len(car.store) == 20 and car.padding > 1 and not car.padding_nonzero
    code, out, err = run(capsys, "ipfs", "verify", REAL / "sample-v1-with-zero-len-section2.car")
    assert code == 0, err
    assert "zero-length section followed by" in out and "padding" in out


@pytest.mark.parametrize(
    ("name", "roots", "blocks"),
    [("sample-unixfs-v2.car", 1, 3), ("sample-rw-bs-v2.car", 3, 3), ("simple-unixfs.car", 1, 22)],
)
def test_unixfs_and_carv2_samples_verify(name: str, roots: int, blocks: int) -> None:
    car = load_car(REAL / name)
    report = verify_loaded(car)
    assert report.ok and not report.warnings
    assert len(car.roots) == roots and len(car.store) == blocks


def test_simple_unixfs_unpacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ipfs", "unpack", REAL / "simple-unixfs.car", tmp_path / "out")
    assert code == 0, err
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                   if p.is_file())
    assert files and "b/5/E.txt" in files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_missing_blocks_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ipfs", "verify", REAL / "simple-unixfs-missing-blocks.car")
    assert code == 1
    assert out.count("missing: ") == 3 and "(b/5/E.txt)" in out
    assert err.strip().splitlines()[-1].endswith("3 missing (17 blocks, 964 bytes checked)")


def test_partial_car_prints_a_summary_not_680_lines(capsys: pytest.CaptureFixture[str]) -> None:
    path = REAL / "wikipedia-cryptographic-hash-function.car"
    code, out, err = run(capsys, "ipfs", "verify", path)
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 21
    assert lines[-1] == "… and 660 more problems (--json lists every one)"
    assert "680 missing" in err
    code, out, _ = run(capsys, "ipfs", "verify", path, "--json")
    assert len(__import__("json").loads(out)["problems"]) == 680


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("sample-rootless-v42.car", "version 42; only 1 and 2 exist"),
        ("sample-corrupt-pragma.car", "CAR truncated: header needs 18 bytes"),
        ("badheaderlength.car", "claims 216830324832 bytes"),
        ("badsectionlength.car", "zero roots"),
    ],
)
def test_samples_go_car_refuses_are_refused_in_one_line(
    name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FormatError, match=message):
        read_car(io.BytesIO((REAL / name).read_bytes()))
    code, out, err = run(capsys, "ipfs", "verify", REAL / name)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("Error: ") and message in err


@pytest.mark.interop
@pytest.mark.skipif(
    shutil.which("node") is None or not (INTEROP / "node_modules" / "@ipld" / "dag-cbor").is_dir(),
    reason="node or tests/interop/node_modules is missing (run npm ci there)",
)
def test_js_dag_cbor_decoder_finds_the_same_links() -> None:
    """@ipld/dag-cbor (Helia's decoder) reads every Filecoin block; we find the same links."""
    path = REAL / "sample-v1.car"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", JS_LINKS, str(path)],
        cwd=INTEROP, capture_output=True, text=True, check=True, timeout=120,
    )
    theirs = json.loads(done.stdout)
    ours: list[str] = []
    for cid, data in read_car(io.BytesIO(path.read_bytes())):
        if cid.codec == 0x71:
            ours.append(f"block {cid}")
            ours.extend(str(link) for link in block_links(cid, data))
    assert len(ours) == 1043 + 6750
    assert ours == theirs
