"""CAR interop with ipfs-car (tests/interop/node_modules): each side reads what the other writes.

- our CARs (``permapress ipfs add --car``): ``ipfs-car roots`` and ``ipfs-car blocks`` agree with
  us, and ``ipfs-car unpack`` writes byte-identical trees to ``permapress ipfs unpack``;
- their CARs (``ipfs-car pack``): ``permapress ipfs verify`` accepts them, our roots agree and
  our unpack gives back the packed folder; with ``--no-wrap`` the root CID equals ours for the
  default profile;
- a CARv2 wrapped around our CARv1 is read by both; a flipped bit is refused by both.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from data_paths import GATEWAY_CONFORMANCE

from permapress.cli import main
from permapress.ipfs.car import CARV2_PRAGMA, car_header, car_section, read_car
from permapress.ipfs.cid import CID

INTEROP = Path(__file__).resolve().parents[1] / "interop"
IPFS_CAR = INTEROP / "node_modules" / "ipfs-car" / "bin.js"
FIXTURES = GATEWAY_CONFORMANCE

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        shutil.which("node") is None or not IPFS_CAR.is_file(),
        reason="node or tests/interop/node_modules/ipfs-car is missing (run npm ci there)",
    ),
]


def ipfs_car(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["node", IPFS_CAR, *[str(a) for a in args]],
        capture_output=True, text=True, check=False, timeout=120,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def ours(*args: str | Path) -> None:
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code == 0, f"permapress {' '.join(map(str, args))} exited with {exc.code}"


def ours_fails(*args: str | Path) -> None:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    assert info.value.code == 1


def tree_of(folder: Path) -> dict[str, bytes | None]:
    return {
        path.relative_to(folder).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def packable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("interop") / "edition"
    rng = random.Random(2024)
    (base / "articles" / "harbour").mkdir(parents=True)
    (base / "articles" / "harbour" / "index.html").write_bytes(b"<h1>Harbour</h1>\n" * 300)
    (base / "articles" / "harbour" / "video.bin").write_bytes(rng.randbytes(2_600_000))
    (base / "articles" / "empty.txt").write_bytes(b"")
    (base / "index.html").write_text("<p>Front page \u00e9\u00e8</p>", encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def folder(packable: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same edition with an empty folder (``ipfs-car pack`` leaves those out)."""
    base = tmp_path_factory.mktemp("interop-empty") / "edition"
    shutil.copytree(packable, base)
    (base / "empty-folder").mkdir()
    return base


def our_car(folder: Path, tmp_path: Path, profile: str) -> tuple[Path, str]:
    car = tmp_path / f"{profile}.car"
    ours("ipfs", "add", folder, "--car", car, "--profile", profile, "--json")
    with car.open("rb") as stream:
        root = str(read_car(stream).roots[0])
    return car, root


@pytest.mark.parametrize("profile", ["unixfs-v1-2025", "unixfs-v0-2015"])
def test_ipfs_car_reads_and_unpacks_our_car(
    folder: Path, tmp_path: Path, profile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    car, root = our_car(folder, tmp_path, profile)
    capsys.readouterr()
    assert ipfs_car("roots", car).stdout.split() == [root]
    with car.open("rb") as stream:
        listed = [str(cid) for cid, _ in read_car(stream)]
    assert ipfs_car("blocks", car).stdout.split() == listed
    theirs = tmp_path / "theirs"
    ipfs_car("unpack", car, "--output", theirs)
    mine = tmp_path / "mine"
    ours("ipfs", "unpack", car, mine)
    assert tree_of(theirs) == tree_of(mine)
    assert tree_of(mine) == tree_of(folder)
    assert "empty-folder" in tree_of(theirs)


@pytest.mark.parametrize("wrap", [True, False])
def test_we_verify_and_unpack_ipfs_car_pack(
    packable: Path, tmp_path: Path, wrap: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    car = tmp_path / "theirs.car"
    ipfs_car("pack", packable, "--output", car, *([] if wrap else ["--no-wrap"]))
    root = ipfs_car("roots", car).stdout.split()
    with car.open("rb") as stream:
        assert [str(r) for r in read_car(stream).roots] == root
    capsys.readouterr()
    ours("ipfs", "verify", car)
    assert capsys.readouterr().out.startswith(f"OK {root[0]}: ")
    out = tmp_path / "out"
    ours("ipfs", "unpack", car, out)
    assert tree_of(out) == tree_of(packable)
    # ipfs-car packs a folder as the folder itself (wrapping only applies to files), with
    # 1 MiB raw leaves and 1024 links per node: the unixfs-v1-2025 profile gives the same CID
    ours("ipfs", "add", packable, "--profile", "unixfs-v1-2025")
    assert capsys.readouterr().out.strip().splitlines()[-1] == root[0]


@pytest.mark.parametrize(
    "fixture",
    [
        "trustless_gateway_car/single-layer-hamt-with-multi-block-files.car",
        "path_gateway_unixfs/dir-with-files.car",
        "redirects_file/redirects.car",
        "dir_listing/fixtures.car",
    ],
)
def test_fixture_unpacks_the_same_with_both(fixture: str, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    ipfs_car("unpack", FIXTURES / fixture, "--output", theirs)
    mine = tmp_path / "mine"
    ours("ipfs", "unpack", FIXTURES / fixture, mine)
    assert tree_of(mine) == tree_of(theirs)
    assert len(tree_of(mine)) > 2


def test_carv2_of_our_car_is_read_by_both(folder: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    car, root = our_car(folder, tmp_path, "unixfs-v1-2025")
    v1 = car.read_bytes()
    offset = len(CARV2_PRAGMA) + 40 + 7  # a little padding before the payload
    header = bytes(16) + struct.pack("<QQQ", offset, len(v1), 0)
    v2 = tmp_path / "v2.car"
    v2.write_bytes(CARV2_PRAGMA + header + bytes(7) + v1)
    assert ipfs_car("roots", v2).stdout.split() == [root]
    with v2.open("rb") as stream:
        reader = read_car(stream)
        assert reader.version == 2
        listed = [str(cid) for cid, _ in reader]
    assert ipfs_car("blocks", v2).stdout.split() == listed
    capsys.readouterr()
    ours("ipfs", "verify", v2)
    assert capsys.readouterr().out.startswith(f"OK {root}: ")


def test_a_flipped_bit_is_refused_by_both(folder: Path, tmp_path: Path) -> None:
    car, _root = our_car(folder, tmp_path, "unixfs-v1-2025")
    data = bytearray(car.read_bytes())
    data[len(data) // 2] ^= 0x10  # inside the big video's leaves
    bad = tmp_path / "bad.car"
    bad.write_bytes(bytes(data))
    done = ipfs_car("unpack", bad, "--output", tmp_path / "theirs", check=False)
    assert done.returncode != 0
    ours_fails("ipfs", "verify", bad)
    ours_fails("ipfs", "unpack", bad, tmp_path / "mine")
    assert not (tmp_path / "mine").exists()


def test_node_and_python_see_the_same_header(tmp_path: Path) -> None:
    """A header written by us decodes in JS to the same roots (through ipfs-car roots)."""
    blocks = [os.urandom(50) for _ in range(3)]
    cids = [CID.hash(b) for b in blocks]
    car = tmp_path / "many-roots.car"
    car.write_bytes(car_header(cids) + b"".join(car_section(c, b) for c, b in zip(cids, blocks,
                                                                                   strict=True)))
    assert ipfs_car("roots", car).stdout.split() == [str(c) for c in cids]
    assert ipfs_car("blocks", car).stdout.split() == [str(c) for c in cids]
