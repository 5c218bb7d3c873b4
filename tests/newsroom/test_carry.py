"""The whole newsroom as one file: ``export --format car``, ``serve FILE.car``, ``verify FILE.car``.

A demo newsroom with one corrected article is built and exported; the CAR must hold the site
and everything a reader needs to check it (every version's bundle and CAR, the signed records,
the publisher log and key), be the same bytes twice, be read by ipfs-car (an independent
implementation), be served read-only with every block verified as read (in process and on a
real socket) and pass ``permapress verify`` whole; a damaged block is never served.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.car import dag_blocks, read_car, write_car
from permapress.ipfs.carstore import CarBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.reader import list_directory, read_file, resolve_path
from permapress.newsroom.serving import car_app

PERMAPRESS = str(Path(sys.executable).parent / "permapress")
INTEROP = Path(__file__).resolve().parents[1] / "interop"
IPFS_CAR = INTEROP / "node_modules" / "ipfs-car" / "bin.js"


@pytest.fixture(scope="module")
def carried(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> dict[str, Any]:
    """The demo newsroom with one article corrected, rebuilt and exported."""
    from permapress.cli import main

    tmp = tmp_path_factory.mktemp("carry")
    home = tmp / "newsroom"
    shutil.copytree(demo_template, home)

    def run(*args: str) -> None:
        try:
            main(list(args))
        except SystemExit as exc:
            assert not exc.code, args

    from permapress.handle import Newsroom
    from permapress.newsroom.query import list_articles

    with Newsroom.open(home, readonly=True) as room:
        first = list_articles(room, category=None, drafts=False)[0]
    slug = first["slug"]
    source = tmp / "fix.md"
    source.write_text(
        f"---\ntitle: {first['headline']}\ndate: {first['published']}\nslug: {slug}\n---\n\n"
        "The corrected body of this story.\n",
        encoding="utf-8",
    )
    run("correct", slug, str(source), "--note", "Corrected the body.", "--home", str(home))
    run("build", "--home", str(home))
    car = tmp / "site.car"
    run("export", "--format", "car", str(car), "--home", str(home))
    with Newsroom.open(home, readonly=True) as room:
        root = room.catalog.latest_build()
    assert root is not None
    return {"home": home, "car": car, "slug": slug, "root": CID.parse(root), "tmp": tmp}


def blocks_of(home: Path) -> FileBlockstore:
    return FileBlockstore(home / "blocks")


def file_bytes(root: CID, path: str, get: Callable[[CID], bytes]) -> bytes:
    cid, _trail = resolve_path(root, path.split("/"), get)
    return b"".join(read_file(cid, get))


# --- export ------------------------------------------------------------------------------------


def test_the_car_holds_the_site_and_everything_needed_to_check_it(carried: dict[str, Any]) -> None:
    root, slug = carried["root"], carried["slug"]
    local = blocks_of(carried["home"])
    with CarBlockstore(carried["car"]) as store:
        assert store.version == 2 and store.index_source == "carv2"
        assert store.roots == (root,)
        wanted = [cid for cid, _data in dag_blocks(root, local.get)]
        assert [cid for cid in store] == wanted  # depth-first from the root, each block once
        for name in ("publisher.json", "log.jsonl", f"articles/{slug}/index.html",
                     f"articles/{slug}/{slug}.car", f"articles/{slug}/{slug}-v1.car",
                     f"articles/{slug}/{slug}-v2.car"):  # fmt: skip
            assert file_bytes(root, name, store.get) == file_bytes(root, name, local.get), name
        versions = {name for name, _cid, _size in list_directory(
            resolve_path(root, ["articles", slug, "v"], store.get)[0], store.get)}
        assert versions == {"1", "2"}
        record = file_bytes(root, f"articles/{slug}/v/2/record/version.json", store.get)
        assert b'"version":2' in record.replace(b" ", b"")
        assert store.check().problems == ()


def test_the_same_newsroom_gives_the_same_bytes(carried: dict[str, Any], cli: Any) -> None:
    again = carried["tmp"] / "again.car"
    run = cli("export", "--format", "car", str(again), "--home", str(carried["home"]), "--json")
    assert run.code == 0, run.err
    assert again.read_bytes() == carried["car"].read_bytes()
    report = run.json()
    assert report["root_cid"] == str(carried["root"])
    assert report["bytes"] == again.stat().st_size


def test_export_refuses_what_it_cannot_do_in_one_line(
    cli: Any, tmp_path: Path, carried: dict[str, Any]
) -> None:
    empty = tmp_path / "empty"
    assert cli("init", str(empty)).code == 0
    run = cli("export", "--format", "car", str(tmp_path / "x.car"), "--home", str(empty))
    assert run.code == 1 and "permapress build" in run.err and len(run.err.splitlines()) == 1
    run = cli("export", "--format", "car", str(tmp_path), "--home", str(carried["home"]))
    assert run.code == 1 and "is a folder" in run.err
    run = cli("export", "--format", "car", str(tmp_path / "y.car"), "--drafts",
              "--home", str(carried["home"]))  # fmt: skip
    assert run.code == 1 and "--drafts" in run.err
    assert not (tmp_path / "x.car").exists() and not (tmp_path / "y.car").exists()


@pytest.mark.interop
@pytest.mark.skipif(
    shutil.which("node") is None or not IPFS_CAR.is_file(),
    reason="node or tests/interop/node_modules/ipfs-car is missing (run npm ci there)",
)
def test_ipfs_car_reads_the_exported_site(carried: dict[str, Any], tmp_path: Path) -> None:
    def ipfs_car(*args: str | Path) -> str:
        done = subprocess.run(["node", IPFS_CAR, *map(str, args)], capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    car, root, slug = carried["car"], carried["root"], carried["slug"]
    assert ipfs_car("roots", car).split() == [str(root)]
    with CarBlockstore(car) as store:
        assert ipfs_car("blocks", car).split() == [str(cid) for cid in store]
    out = tmp_path / "unpacked"
    ipfs_car("unpack", car, "--output", out)
    local = blocks_of(carried["home"])
    for name in ("publisher.json", "log.jsonl", f"articles/{slug}/index.html",
                 f"articles/{slug}/{slug}-v1.car", f"articles/{slug}/v/2/record/version.sig"):
        assert (out / name).read_bytes() == file_bytes(root, name, local.get), name


# --- verify ------------------------------------------------------------------------------------


def test_verify_checks_the_whole_file(carried: dict[str, Any], cli: Any) -> None:
    run = cli("verify", str(carried["car"]), "--json")
    assert run.code == 0, run.out
    report = run.json()
    assert report["valid"] and report["kind"] == "site"
    assert report["log_entries"] >= len(report["articles"]) + 1  # the correction is logged
    corrected = [a for a in report["articles"] if a["slug"] == carried["slug"]]
    assert corrected[0]["versions"] == 2


def damaged_copy(car: Path, target: Path, cid: CID, data: bytes) -> Path:
    raw = bytearray(car.read_bytes())
    at = bytes(raw).index(bytes(cid) + data) + len(bytes(cid))
    raw[at + len(data) // 2] ^= 0x20
    target.write_bytes(bytes(raw))
    return target


def page_leaf(carried: dict[str, Any]) -> tuple[CID, bytes]:
    """A block holding bytes of the corrected article's page."""
    get = blocks_of(carried["home"]).get
    page, _trail = resolve_path(carried["root"], ["articles", carried["slug"], "index.html"], get)
    return max(dag_blocks(page, get), key=lambda pair: len(pair[1]))


def test_verify_finds_a_damaged_block_and_a_damaged_index(
    carried: dict[str, Any], cli: Any, tmp_path: Path
) -> None:
    cid, data = page_leaf(carried)
    bad = damaged_copy(carried["car"], tmp_path / "bad.car", cid, data)
    run = cli("verify", str(bad))
    assert run.code == 1 and "NOT VALID" in run.out
    assert f"block {cid}" in run.out and "does not match its CID" in run.out
    raw = bytearray(carried["car"].read_bytes())
    with CarBlockstore(carried["car"]) as store:
        index_at = len(raw) - sum(1 for _ in store) * 40  # one bucket of sha2-256 records
    raw[index_at + 5] ^= 0xFF  # a digest in the index no longer names its block
    (tmp_path / "index.car").write_bytes(bytes(raw))
    run = cli("verify", str(tmp_path / "index.car"))
    assert run.code == 1 and "index" in run.out
    raw = bytearray(carried["car"].read_bytes())
    index_offset = int.from_bytes(raw[43:51], "little")
    raw[index_offset : index_offset + 2] = b"\x82\x08"  # an index codec nobody defined
    (tmp_path / "codec.car").write_bytes(bytes(raw))
    run = cli("verify", str(tmp_path / "codec.car"))
    assert run.code == 1 and "index cannot be read" in run.out


# --- serve -------------------------------------------------------------------------------------


def test_served_from_the_car_in_process(carried: dict[str, Any]) -> None:
    car, root, slug = carried["car"], carried["root"], carried["slug"]
    before = sorted(car.parent.iterdir())
    local = blocks_of(carried["home"])
    app, served_root, name = car_app(car)
    assert served_root == root and name == "The Harbour Courier"
    with TestClient(app) as client:
        home = client.get("/")
        assert home.status_code == 200 and "The Harbour Courier" in home.text
        page = client.get(f"/articles/{slug}/")
        assert page.status_code == 200
        assert page.content == file_bytes(root, f"articles/{slug}/index.html", local.get)
        assert "The corrected body" in page.text
        bundle = client.get(f"/ipfs/{root}/articles/{slug}/v/1/",
                            headers={"Accept": "application/vnd.ipld.car"})  # fmt: skip
        assert bundle.status_code == 200
        sent = [cid for cid, _data in read_car(_stream(bundle.content))]
        version_one, _ = resolve_path(root, ["articles", slug, "v", "1"], local.get)
        assert set(sent) >= {cid for cid, _ in dag_blocks(version_one, local.get)}
        raw = client.get(f"/ipfs/{root}?format=raw")
        assert raw.status_code == 200 and CID.hash(raw.content, codec=root.codec) == root
        outside = CID.hash(b"a block that is not in the site")
        assert client.get(f"/ipfs/{outside}?format=raw").status_code == 404
    assert sorted(car.parent.iterdir()) == before  # nothing written beside a CARv2


def _stream(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def test_a_damaged_block_is_an_error_page_never_its_bytes(
    carried: dict[str, Any], tmp_path: Path
) -> None:
    cid, data = page_leaf(carried)
    bad = damaged_copy(carried["car"], tmp_path / "bad.car", cid, data)
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0x20
    app, _root, _name = car_app(bad)
    with TestClient(app) as client:
        page = client.get(f"/articles/{carried['slug']}/")
        assert page.status_code >= 500 and bytes(damaged) not in page.content
        assert "damaged" in page.text
        block = client.get(f"/ipfs/{cid}?format=raw")
        assert block.status_code != 200 and bytes(damaged) not in block.content
        assert client.get("/").status_code == 200  # the rest of the site is still served


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


@pytest.mark.parametrize("index_file", [True, False])
def test_a_carv1_served_on_a_real_socket_gets_an_index(
    carried: dict[str, Any], tmp_path: Path, index_file: bool
) -> None:
    root, slug = carried["root"], carried["slug"]
    local = blocks_of(carried["home"])
    car = tmp_path / "site-v1.car"
    with car.open("wb") as out:
        write_car([root], dag_blocks(root, local.get), out)
    args = [PERMAPRESS, "serve", str(car), "--port", "0"]
    proc = subprocess.Popen(args + ([] if index_file else ["--no-index-file"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        line = ""
        for _ in range(5):
            line = proc.stdout.readline()
            if line.startswith("Serving"):
                break
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line + proc.stderr.read() if proc.stderr else line
        base = f"http://127.0.0.1:{found.group(1)}"
        status, body = _get(f"{base}/articles/{slug}/")
        assert status == 200
        assert body == file_bytes(root, f"articles/{slug}/index.html", local.get)
        status, body = _get(f"{base}/ipfs/{root}/publisher.json")
        assert status == 200 and json.loads(body)["name"] == "The Harbour Courier"
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and proc.returncode == 0, err
    assert (tmp_path / "site-v1.car.idx").exists() == index_file


def test_serve_a_car_with_home_is_one_line(carried: dict[str, Any], cli: Any) -> None:
    run = cli("serve", str(carried["car"]), "--home", str(carried["home"]))
    assert run.code == 1 and "--home" in run.err and len(run.err.splitlines()) == 1
