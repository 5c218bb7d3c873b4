"""Tests for permapress/cli/ipfs.py: `permapress ipfs add | verify | unpack | reindex` through
main()."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from data_paths import GATEWAY_CONFORMANCE

from permapress.cli import main
from permapress.config import default_config_text
from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import FileBlockstore, MemoryBlockstore
from permapress.ipfs.car import car_header, car_section, dag_blocks, read_car, write_car
from permapress.ipfs.cid import CID, DAG_CBOR
from permapress.ipfs.dagpb import PBNode, encode_node
from permapress.ipfs.importer import Imported, build_directory, import_path, import_tree
from permapress.ipfs.profiles import PROFILES
from permapress.ipfs.unixfs import SYMLINK, UnixFSData, encode_data
from permapress.ipfs.verify import verify_car, verify_dag

FIXTURES = GATEWAY_CONFORMANCE
V1 = PROFILES["unixfs-v1-2025"]


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = 0
    try:
        main([str(arg) for arg in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def make_folder(base: Path) -> Path:
    folder = base / "story"
    (folder / "media").mkdir(parents=True)
    (folder / "index.html").write_bytes(b"<h1>Harbour</h1>" * 100)
    (folder / "media" / "photo.jpg").write_bytes(os.urandom(3000))
    (folder / ".draft").write_text("not published")
    (folder / "empty").mkdir()
    os.symlink("index.html", folder / "latest.html")
    return folder


def expected_cid(path: Path, profile_name: str = "unixfs-v1-2025", hidden: bool = False) -> CID:
    return import_path(path, PROFILES[profile_name], lambda c, b: None, hidden=hidden).cid


def newsroom(base: Path) -> Path:
    home = base / "newsroom"
    home.mkdir()
    (home / "permapress.toml").write_text(default_config_text("Test News"), encoding="utf-8")
    return home


# --- add ---------------------------------------------------------------------------------------


def test_add_prints_the_cid_last(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = make_folder(tmp_path)
    code, out, err = run(capsys, "ipfs", "add", folder)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-1] == str(expected_cid(folder))
    assert "not stored" in lines[0]
    code, out, _ = run(capsys, "ipfs", "add", folder / "index.html")
    assert out.strip().splitlines()[-1] == str(expected_cid(folder / "index.html"))


@pytest.mark.parametrize("profile", ["unixfs-v1-2025", "kubo-cid-v1", "unixfs-v0-2015"])
def test_add_json_with_profiles_and_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str
) -> None:
    folder = make_folder(tmp_path)
    code, out, _ = run(capsys, "ipfs", "add", folder, "--profile", profile, "--json", "--hidden")
    assert code == 0
    result = json.loads(out)
    assert result["cid"] == str(expected_cid(folder, profile, hidden=True))
    assert result["profile"] == profile
    assert result["size"] == 1600 + 3000 + len("not published")
    assert result["blocks"] >= 5
    assert result["cid"] != str(expected_cid(folder, profile, hidden=False))
    if profile == "unixfs-v0-2015":
        assert result["cid"].startswith("Qm")


def test_add_with_car(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_folder(tmp_path)
    car = tmp_path / "out" / "story.car"
    car.parent.mkdir()
    code, out, _ = run(capsys, "ipfs", "add", folder, "--car", car, "--only-hash")
    assert code == 0
    cid = CID.parse(out.strip().splitlines()[-1])
    with car.open("rb") as stream:
        reader = read_car(stream)
        assert reader.roots == (cid,)
        blocks = list(reader)
    store = MemoryBlockstore()
    import_path(folder, V1, store.put)
    assert blocks == list(dag_blocks(cid, store.get))
    assert verify_car(car).ok
    assert [p.name for p in car.parent.iterdir()] == ["story.car"]  # no temp file left


def test_add_into_a_newsroom(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    home = newsroom(tmp_path)
    folder = make_folder(tmp_path)
    monkeypatch.chdir(home)
    code, out, _ = run(capsys, "ipfs", "add", folder)
    assert code == 0
    cid = CID.parse(out.strip().splitlines()[-1])
    assert f"stored in {home / 'blocks'}" in out
    assert verify_dag(cid, FileBlockstore(home / "blocks").get).ok
    # --home from elsewhere, and --only-hash stores nothing
    other = tmp_path / "other.txt"
    other.write_bytes(b"another file")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "ipfs", "add", other, "--home", home, "--only-hash", "--json")
    assert json.loads(out)["stored"] is None
    assert not FileBlockstore(home / "blocks").has(CID.parse(json.loads(out)["cid"]))
    code, out, _ = run(capsys, "ipfs", "add", other, "--home", home, "--json")
    assert FileBlockstore(home / "blocks").has(CID.parse(json.loads(out)["cid"]))


def test_add_profile_comes_from_the_newsroom(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    home = newsroom(tmp_path)
    toml = home / "permapress.toml"
    toml.write_text(toml.read_text().replace('"unixfs-v1-2025"', '"unixfs-v0-2015"', 1))
    folder = make_folder(tmp_path)
    code, out, _ = run(capsys, "ipfs", "add", folder, "--home", home, "--json")
    assert code == 0
    assert json.loads(out)["profile"] == "unixfs-v0-2015"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ipfs", "add", "no-such-file"], "no such file or folder"),
        (["ipfs", "add", ".", "--profile", "fast"], "choose one of: kubo-cid-v1"),
        (["ipfs", "add", ".", "--home", "."], "not a newsroom folder"),
        (["ipfs", "verify", "missing.car"], "cannot open CAR file"),
        (["ipfs", "verify", "."], "cannot open CAR file"),
        (["ipfs", "verify", "garbage.car"], "CAR"),
        (["ipfs", "verify", "v3.car"], "version 3"),
        (["ipfs", "verify", "cut.car"], "truncated"),
        (["ipfs", "verify", "cut.car", "--root", "notacid"], "not a CID"),
        (["ipfs", "unpack", "garbage.car", "out"], "CAR"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "garbage.car").write_bytes(b"\x0bthis is not a CAR at all")
    body = dagcbor.encode({"roots": [CID.hash(b"x")], "version": 3})
    (tmp_path / "v3.car").write_bytes(bytes([len(body)]) + body)
    good = (FIXTURES / "path_gateway_unixfs" / "dir-with-files.car").read_bytes()
    (tmp_path / "cut.car").write_bytes(good[:-7])
    code, out, err = run(capsys, *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


# --- verify ------------------------------------------------------------------------------------


def test_verify_ok_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    car = FIXTURES / "path_gateway_unixfs" / "dir-with-files.car"
    code, out, _ = run(capsys, "ipfs", "verify", car)
    assert code == 0
    root = "bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy"
    assert out.strip() == f"OK {root}: 9 blocks, 1541 bytes"
    code, out, _ = run(capsys, "ipfs", "verify", car, "--json")
    result = json.loads(out)
    assert code == 0 and result["ok"] and result["root"] == root and result["problems"] == []
    sub = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    code, out, _ = run(capsys, "ipfs", "verify", car, "--root", sub)
    assert code == 0 and out.startswith(f"OK {sub}: 1 blocks, 12 bytes, 8 extra")


def test_verify_names_the_missing_block(capsys: pytest.CaptureFixture[str]) -> None:
    car = FIXTURES / "trustless_gateway_car" / "file-3k-and-3-blocks-missing-block.car"
    code, out, err = run(capsys, "ipfs", "verify", car)
    assert code == 1
    assert "missing: QmSNLTo6Wv9dfroVaw7MFYjLqf9ho7PKrgsjdzYDtv8h1W" in out
    assert "FAILED QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk: 1 missing" in err
    code, out, err = run(capsys, "ipfs", "verify", car, "--json")
    assert code == 1
    assert json.loads(out)["problems"][0]["kind"] == "missing"


def test_verify_names_a_corrupt_block_by_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    store = MemoryBlockstore()
    site = import_tree({"articles": {"x": {"index.html": b"original text"}}}, V1, store.put)
    blocks = list(dag_blocks(site.cid, store.get))
    car = tmp_path / "edited.car"
    target = CID.hash(b"original text")
    sections = [car_section(c, b"edited text!!" if c == target else d) for c, d in blocks]
    car.write_bytes(car_header([site.cid]) + b"".join(sections))
    code, out, _err = run(capsys, "ipfs", "verify", car)
    assert code == 1
    assert f"corrupt: {target} (articles/x/index.html)" in out


# --- unpack ----------------------------------------------------------------------------------


def tree_of(folder: Path) -> dict[str, bytes | str]:
    """Everything under a folder: files by content, symlinks by target, folders as 'dir'."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = path.read_bytes()
    return found


def test_add_then_unpack_gives_the_same_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    folder = make_folder(tmp_path)
    car = tmp_path / "story.car"
    assert run(capsys, "ipfs", "add", folder, "--car", car, "--hidden")[0] == 0
    out_dir = tmp_path / "unpacked"
    code, out, err = run(capsys, "ipfs", "unpack", car, out_dir)
    assert code == 0, err
    assert ": 3 files, 3 folders, 1 symlinks, 4613 bytes" in out
    assert tree_of(out_dir) == tree_of(folder)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_unpack_a_file_root_and_an_empty_outdir(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                ) -> None:
    car = FIXTURES / "trustless_gateway_car" / "dir-with-duplicate-files.car"
    sub = "bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa"
    target = tmp_path / "multiblock.txt"
    code, _out, err = run(capsys, "ipfs", "unpack", car, target, "--root", sub)
    assert code == 0, err
    assert target.is_file() and len(target.read_bytes()) == 1026
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(capsys, "ipfs", "unpack", car, empty)[0] == 0
    assert sorted(p.name for p in empty.iterdir()) == [
        "ascii-copy.txt", "ascii.txt", "hello.txt", "multiblock.txt"
    ]
    code, _out, err = run(capsys, "ipfs", "unpack", car, empty)
    assert code == 1 and "not empty" in err
    code, _out, err = run(capsys, "ipfs", "unpack", car, target)
    assert code == 1 and "already exists" in err


def test_unpack_hamt_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    car = FIXTURES / "trustless_gateway_car" / "single-layer-hamt-with-multi-block-files.car"
    code, out, _ = run(capsys, "ipfs", "unpack", car, tmp_path / "hamt")
    assert code == 0
    names = {p.name for p in (tmp_path / "hamt").iterdir()}
    assert names == {f"{i}.txt" for i in range(1, 1001)}
    assert len((tmp_path / "hamt" / "777.txt").read_bytes()) == 1026


def test_unpack_symlink_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    car = FIXTURES / "path_gateway_unixfs" / "symlink.car"
    assert run(capsys, "ipfs", "unpack", car, tmp_path / "s")[0] == 0
    assert os.readlink(tmp_path / "s" / "bar") == "foo"
    assert (tmp_path / "s" / "bar").read_bytes() == b"content\n"


def car_with_symlinks(tmp_path: Path, links: dict[str, str]) -> Path:
    store = MemoryBlockstore()
    entries: dict[str, Imported] = {}
    for name, target in links.items():
        block = encode_node(PBNode((), encode_data(UnixFSData(SYMLINK, data=target.encode()))))
        cid = CID.hash(block, 0x70)
        store.put(cid, block)
        entries[name] = Imported(cid, len(block), 0)
    file_root = import_tree({"file.txt": b"inside"}, V1, store.put)
    entries["sub"] = file_root
    root = build_directory(entries, V1, store.put)
    car = tmp_path / "links.car"
    with car.open("wb") as out:
        write_car([root.cid], dag_blocks(root.cid, store.get), out)
    return car


@pytest.mark.parametrize(
    "links",
    [
        {"evil": "../../outside"},
        {"abs": "/etc/passwd"},
        {"s": ".", "e": "s/../outside.txt"},
        {"ok": "sub/file.txt", "evil": "sub/../../x"},
    ],
)
def test_unpack_refuses_symlinks_leaving_outdir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], links: dict[str, str]
) -> None:
    car = car_with_symlinks(tmp_path, links)
    out_dir = tmp_path / "out"
    code, _out, err = run(capsys, "ipfs", "unpack", car, out_dir)
    assert code == 1
    assert "refusing to unpack symlink" in err
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["links.car"]


def test_unpack_keeps_symlinks_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    car = car_with_symlinks(tmp_path, {"ok": "sub/file.txt", "up": "sub/.."})
    code, _out, err = run(capsys, "ipfs", "unpack", car, tmp_path / "out")
    assert code == 0, err
    assert (tmp_path / "out" / "ok").read_bytes() == b"inside"


@pytest.mark.parametrize(
    ("fixture", "name"),
    [
        ("path_gateway_tar/outside-root.car", "../foo"),
        ("path_gateway_tar/inside-root.car", "../file"),
    ],
)
def test_unpack_refuses_names_that_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str, name: str
) -> None:
    code, _out, err = run(capsys, "ipfs", "unpack", FIXTURES / fixture, tmp_path / "out")
    assert code == 1
    assert f"entry {name!r}" in err
    assert list(tmp_path.iterdir()) == []


def test_unpack_refuses_incomplete_and_non_unixfs(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    missing = FIXTURES / "trustless_gateway_car" / "file-3k-and-3-blocks-missing-block.car"
    code, _out, err = run(capsys, "ipfs", "unpack", missing, tmp_path / "out")
    assert code == 1 and "refusing to unpack" in err and "QmSNLTo6" in err
    cbor = FIXTURES / "trustless_gateway_car" / "dir-with-dag-cbor-with-links.car"
    code, _out, err = run(capsys, "ipfs", "unpack", cbor, tmp_path / "out")
    assert code == 1 and "dag-cbor block" in err
    assert list(tmp_path.iterdir()) == []
    stranger = str(CID.hash(b"elsewhere"))
    car = FIXTURES / "path_gateway_unixfs" / "dir-with-files.car"
    code, _out, err = run(capsys, "ipfs", "unpack", car, tmp_path / "o", "--root", stranger)
    assert code == 1 and "neither a root" in err


def test_unpack_refuses_many_roots_without_root(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryBlockstore()
    a = import_tree({"a.txt": b"a"}, V1, store.put)
    b = import_tree({"b.txt": b"b"}, V1, store.put)
    data = io.BytesIO()
    blocks = [*dag_blocks(a.cid, store.get), *dag_blocks(b.cid, store.get)]
    write_car([a.cid, b.cid], blocks, data)
    car = tmp_path / "two.car"
    car.write_bytes(data.getvalue())
    code, _out, err = run(capsys, "ipfs", "unpack", car, tmp_path / "out")
    assert code == 1 and "choose one with --root" in err
    code, _out, err = run(capsys, "ipfs", "unpack", car, tmp_path / "out", "--root", str(b.cid))
    assert code == 0 and (tmp_path / "out" / "b.txt").read_bytes() == b"b"


def test_dag_cbor_root_cannot_be_unpacked(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    block = dagcbor.encode({"hello": "world"})
    cid = CID.hash(block, DAG_CBOR)
    car = tmp_path / "doc.car"
    car.write_bytes(car_header([cid]) + car_section(cid, block))
    code, _out, err = run(capsys, "ipfs", "unpack", car, tmp_path / "out")
    assert code == 1 and "not a UnixFS file, folder or symlink" in err


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "permapress"
    source = tmp_path / "note.txt"
    source.write_bytes(b"published once, verifiable forever\n")
    car = tmp_path / "note.car"
    done = subprocess.run([script, "ipfs", "add", source, "--car", car], capture_output=True,
                          text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cid = done.stdout.strip().splitlines()[-1]
    assert cid == str(expected_cid(source))
    done = subprocess.run([script, "ipfs", "verify", car], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and done.stdout.startswith(f"OK {cid}: 1 blocks, 35 bytes")
    car.write_bytes(car.read_bytes()[:-5])
    done = subprocess.run([script, "ipfs", "verify", car], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: CAR truncated")
    assert "Traceback" not in done.stderr


def test_progress_bar_only_on_a_terminal(tmp_path: Path, on_terminal: Any) -> None:
    script = Path(sys.executable).parent / "permapress"
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 << 20))  # over the 8 MiB threshold
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    done, drawn = on_terminal("ipfs", "add", big, "--only-hash")
    assert done.returncode == 0
    assert b"importing big.bin" in drawn
    assert done.stdout.decode().strip().splitlines()[-1] == str(expected_cid(big))
    # not a terminal: nothing on stderr
    plain = subprocess.run([script, "ipfs", "add", big, "--only-hash"], capture_output=True,
                           env=env, check=False, timeout=120)
    assert plain.returncode == 0 and plain.stderr == b""


# --- reindex -----------------------------------------------------------------------------------


def test_reindex_reports_and_fails_on_a_damaged_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlockstore(tmp_path / "blocks")
    for batch in range(3):
        store.put_many([(CID.hash(f"{batch}-{i}".encode() * 40), f"{batch}-{i}".encode() * 40)
                        for i in range(6)])  # fmt: skip
    code, out, err = run(capsys, "ipfs", "reindex", store.root, "--json")
    assert code == 0 and "Traceback" not in err
    assert json.loads(out) == {"packs": 3, "blocks": 18, "added": 0, "dropped": 0,
                               "damaged": {}, "set_aside": False}  # fmt: skip
    pack = sorted((store.root / "packs").glob("*.pack"))[0]
    pack.write_bytes(pack.read_bytes()[:-1])
    code, _out, err = run(capsys, "ipfs", "reindex", store.root)
    assert code == 1 and "Traceback" not in err
    assert f"damaged pack {pack}: it ends inside a block" in err
    assert err.strip().splitlines()[-1].startswith("Error: 1 damaged pack(s)")
    code, _out, err = run(capsys, "ipfs", "reindex", tmp_path / "nothing")
    assert code == 1 and "not a block store" in err and len(err.strip().splitlines()) == 1
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERMAPRESS_HOME", raising=False)
    code, _out, err = run(capsys, "ipfs", "reindex")
    assert code == 1 and "no newsroom here" in err and len(err.strip().splitlines()) == 1
    home = newsroom(tmp_path)
    FileBlockstore(home / "blocks").put_many(
        [(CID.hash(b"a newsroom's block %d" % i), b"a newsroom's block %d" % i) for i in range(4)]
    )
    code, out, err = run(capsys, "ipfs", "reindex", "--home", home)
    assert code == 0 and out.startswith("Indexed 4 blocks in 1 packs")
