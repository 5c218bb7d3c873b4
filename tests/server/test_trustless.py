"""Trustless gateway behaviour (raw blocks, CAR with pathing, dag-scope, entity-bytes, order and
dups, format precedence) checked on the gateway-conformance fixtures, after the upstream tests
in ipfs/gateway-conformance (tests/trustless_gateway_*_test.go).

Expected block lists are computed here from the fixture blocks with small independent walkers
(named links, HAMT buckets from murmur3), or are the spec-level CIDs the upstream tests name.
"""

from __future__ import annotations

import io
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from permapress.ipfs import dagcbor
from permapress.ipfs.blockstore import MemoryBlockstore
from permapress.ipfs.car import read_car
from permapress.ipfs.cid import CID, DAG_PB, verify_block
from permapress.ipfs.dagpb import decode_node
from permapress.ipfs.hamt import hamt_index
from permapress.ipfs.importer import import_bytes
from permapress.ipfs.profiles import get_profile
from permapress.ipfs.unixfs import HAMT_SHARD, decode_data
from permapress.server.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from world import World, fixture_root  # noqa: E402

TWO = "trustless_gateway_car/subdir-with-two-single-block-files.car"
MIXED = "trustless_gateway_car/subdir-with-mixed-block-files.car"
HAMT = "trustless_gateway_car/single-layer-hamt-with-multi-block-files.car"
CBOR_DIR = "trustless_gateway_car/dir-with-dag-cbor-with-links.car"
DUPS = "trustless_gateway_car/dir-with-duplicate-files.car"
MISSING = "trustless_gateway_car/file-3k-and-3-blocks-missing-block.car"
RAW_BLOCK = "gateway-raw-block.car"

# multiblock.txt (4 x 256 + 2 bytes): its five raw chunks, named by the upstream tests
CHUNKS = [
    "bafkreie5noke3mb7hqxukzcy73nl23k6lxszxi5w3dtmuwz62wnvkpsscm",
    "bafkreih4ephajybraj6wnxsbwjwa77fukurtpl7oj7t7pfq545duhot7cq",
    "bafkreigu7buvm3cfunb35766dn7tmqyh2um62zcio63en2btvxuybgcpue",
    "bafkreicll3huefkc3qnrzeony7zcfo7cr3nbx64hnxrqzsixpceg332fhe",
    "bafkreifst3pqztuvj57lycamoi7z34b4emf7gawxs74nwrc2c7jncmpaqm",
]


# --- independent helpers ---------------------------------------------------------------------


def links(world: World, cid: CID) -> list[tuple[str, CID]]:
    node = decode_node(world.store.get(cid))
    return [(link.name or "", link.cid) for link in node.links]


def is_shard(world: World, cid: CID) -> bool:
    if cid.codec != DAG_PB:
        return False
    node = decode_node(world.store.get(cid))
    return node.data is not None and decode_data(node.data).type == HAMT_SHARD


def child(world: World, cid: CID, *names: str) -> CID:
    """The CID at a path of basic directories."""
    for name in names:
        cid = next(c for n, c in links(world, cid) if n == name)
    return cid


def hamt_path(world: World, root: CID, name: str) -> tuple[list[CID], CID]:
    """(sub-shards read to find ``name``, its CID), by murmur3 buckets."""
    shards: list[CID] = []
    cid, depth = root, 0
    while True:
        label = f"{hamt_index(name, depth):02X}"
        for link_name, target in links(world, cid):
            if link_name == label + name:
                return shards, target
            if link_name == label:
                shards.append(target)
                cid, depth = target, depth + 1
                break
        else:
            raise AssertionError(f"{name} not in HAMT")


def hamt_shards(world: World, root: CID) -> list[CID]:
    """Every sub-shard of a HAMT, depth first, in link order."""
    out: list[CID] = []
    for link_name, target in links(world, root):
        if len(link_name) == 2:
            out.append(target)
            out.extend(hamt_shards(world, target))
    return out


def descendants(world: World, cid: CID) -> list[CID]:
    """Every block below ``cid`` (dag-pb links), depth first, each once."""
    out: list[CID] = []
    if cid.codec != DAG_PB:
        return out
    for _name, target in links(world, cid):
        if target not in out:
            out.append(target)
            out.extend(c for c in descendants(world, target) if c not in out)
    return out


@dataclass(frozen=True)
class Car:
    roots: tuple[CID, ...]
    blocks: list[CID]


def parse_car(body: bytes) -> Car:
    reader = read_car(io.BytesIO(body))
    blocks: list[CID] = []
    for cid, data in reader:
        assert verify_block(cid, data), f"block {cid} does not match its CID"
        blocks.append(cid)
    return Car(reader.roots, blocks)


def P(text: str) -> CID:
    return CID.parse(text)


# --- CAR responses: exact blocks, in order --------------------------------------------------

Expect = Callable[[World], tuple[str, list[CID]]]


def _two_pathing(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, TWO)
    return f"/ipfs/{r}/subdir/ascii.txt?format=car", [
        r, child(w, r, "subdir"), child(w, r, "subdir", "ascii.txt")]


def _hamt_pathing(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, HAMT)
    shards, f = hamt_path(w, r, "685.txt")
    return f"/ipfs/{r}/685.txt?format=car", [r, *shards, f, *descendants(w, f)]


def _cbor_pathing(w: World) -> tuple[str, list[CID]]:
    doc = child(w, fixture_root(w, CBOR_DIR), "document")
    files = dagcbor.decode(w.store.get(doc))["files"]  # type: ignore[index, call-overload]
    single = files["single"]
    return f"/ipfs/{doc}/files/single?format=car", [doc, single]


def _block_dir(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, TWO)
    return f"/ipfs/{r}/subdir?format=car&dag-scope=block", [r, child(w, r, "subdir")]


def _block_file(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, TWO)
    return f"/ipfs/{r}/subdir/ascii.txt?format=car&dag-scope=block", [
        r, child(w, r, "subdir"), child(w, r, "subdir", "ascii.txt")]


def _block_hamt(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, HAMT)
    shards, f = hamt_path(w, r, "1.txt")
    return f"/ipfs/{r}/1.txt?format=car&dag-scope=block", [r, *shards, f]


def _entity_dir(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, TWO)
    return f"/ipfs/{r}?format=car&dag-scope=entity", [r]


def _entity_hamt(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, HAMT)
    return f"/ipfs/{r}?format=car&dag-scope=entity", [r, *hamt_shards(w, r)]


def _entity_file(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, MIXED)
    return f"/ipfs/{r}/subdir/ascii.txt?format=car&dag-scope=entity", [
        r, child(w, r, "subdir"), child(w, r, "subdir", "ascii.txt")]


def _entity_chunked(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, MIXED)
    mb = child(w, r, "subdir", "multiblock.txt")
    return f"/ipfs/{r}/subdir/multiblock.txt?format=car&dag-scope=entity", [
        r, child(w, r, "subdir"), mb, *map(P, CHUNKS)]


def _entity_cbor(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, CBOR_DIR)
    return f"/ipfs/{r}/document?format=car&dag-scope=entity", [r, child(w, r, "document")]


def _all_dir(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, MIXED)
    sub = child(w, r, "subdir")
    return f"/ipfs/{r}/subdir?format=car&dag-scope=all", [r, sub, *descendants(w, sub)]


def _all_chunked(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, MIXED)
    mb = child(w, r, "subdir", "multiblock.txt")
    return f"/ipfs/{r}/subdir/multiblock.txt?format=car&dag-scope=all", [
        r, child(w, r, "subdir"), mb, *map(P, CHUNKS)]


def _eb_full(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, MIXED)
    mb = child(w, r, "subdir", "multiblock.txt")
    url = f"/ipfs/{r}/subdir/multiblock.txt?format=car&dag-scope=entity&entity-bytes=0:*"
    return url, [r, child(w, r, "subdir"), mb, *map(P, CHUNKS)]


def _eb_dir(w: World) -> tuple[str, list[CID]]:
    r = fixture_root(w, HAMT)
    url = f"/ipfs/{r}?format=car&dag-scope=entity&entity-bytes=0:*"
    return url, [r, *hamt_shards(w, r)]


def _eb(spec: str, chunks: slice) -> Expect:
    def expect(w: World) -> tuple[str, list[CID]]:
        mb = child(w, fixture_root(w, MIXED), "subdir", "multiblock.txt")
        url = f"/ipfs/{mb}?format=car&dag-scope=entity&entity-bytes={spec}"
        return url, [mb, *map(P, CHUNKS[chunks])]

    return expect


CAR_CASES: dict[str, Expect] = {
    "pathing through a UnixFS directory": _two_pathing,
    "pathing through a HAMT-sharded directory": _hamt_pathing,
    "pathing from a DAG-CBOR root": _cbor_pathing,
    "dag-scope=block of a directory on a path": _block_dir,
    "dag-scope=block of a file on a path": _block_file,
    "dag-scope=block of a file in a sharded directory": _block_hamt,
    "dag-scope=entity of a directory": _entity_dir,
    "dag-scope=entity of a sharded directory": _entity_hamt,
    "dag-scope=entity of a file": _entity_file,
    "dag-scope=entity of a chunked file": _entity_chunked,
    "dag-scope=entity of DAG-CBOR with links": _entity_cbor,
    "dag-scope=all of a directory": _all_dir,
    "dag-scope=all of a chunked file": _all_chunked,
    "entity-bytes of a whole file": _eb_full,
    "entity-bytes of a directory is ignored": _eb_dir,
    "entity-bytes 512:* (middle to the end)": _eb("512:*", slice(2, None)),
    "entity-bytes 512:1023 (middle)": _eb("512:1023", slice(2, 4)),
    "entity-bytes 512:-256 (negative end)": _eb("512:-256", slice(2, 4)),
    "entity-bytes -5:* (suffix)": _eb("-5:*", slice(3, None)),
    "entity-bytes -9999:* (larger than the file)": _eb("-9999:*", slice(None)),
    "entity-bytes -9999:-3": _eb("-9999:-3", slice(0, 4)),
    "entity-bytes 0:0 (first byte only)": _eb("0:0", slice(0, 1)),
}


@pytest.mark.parametrize("case", list(CAR_CASES))
def test_car_blocks_exactly_in_order(client, world: World, case: str) -> None:
    url, expected = CAR_CASES[case](world)
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.ipld.car; version=1; order=dfs; dups=n"
    )
    car = parse_car(response.content)
    assert car.roots == (CID.parse(url.split("/")[2].split("?")[0]),)
    assert car.blocks == expected


def test_car_of_a_path_that_does_not_exist_is_404(client, world: World) -> None:
    root = fixture_root(world, TWO)
    response = client.get(f"/ipfs/{root}/subdir/i-do-not-exist?format=car")
    assert response.status_code == 404
    assert "i-do-not-exist" in response.text


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("0:1000", "QmPKt7ptM2ZYSGPUc8PmPT2VBkLDK3iqpG9TBJY7PCE9rF"),
        ("2200:*", "QmWXY482zQdwecnfBsj78poUUuPXvyw2JAFAEMw4tzTavV"),
    ],
)
def test_entity_bytes_work_around_a_missing_block(
    client, world: World, spec: str, expected: str
) -> None:
    root = fixture_root(world, MISSING)
    response = client.get(f"/ipfs/{root}?format=car&dag-scope=entity&entity-bytes={spec}")
    assert response.status_code == 200
    assert set(parse_car(response.content).blocks) == {root, P(expected)}


def test_entity_bytes_outside_the_file_give_the_root_block(client, world: World) -> None:
    mb = child(world, fixture_root(world, MIXED), "subdir", "multiblock.txt")
    response = client.get(f"/ipfs/{mb}?format=car&entity-bytes=5000:*")
    assert response.status_code == 200
    assert parse_car(response.content).blocks == [mb]


@pytest.mark.parametrize("spec", ["abc", "10", "5:2", "1:x", ":5"])
def test_malformed_entity_bytes_is_400(client, world: World, spec: str) -> None:
    mb = child(world, fixture_root(world, MIXED), "subdir", "multiblock.txt")
    response = client.get(f"/ipfs/{mb}?format=car&entity-bytes={spec}")
    assert response.status_code == 400
    assert spec in response.text


def test_unknown_dag_scope_is_400(client, world: World) -> None:
    response = client.get(f"/ipfs/{fixture_root(world, TWO)}?format=car&dag-scope=everything")
    assert response.status_code == 400
    assert "everything" in response.text


# --- order and duplicates (IPIP-412, IPIP-523) ---------------------------------------------


def _dup_blocks(world: World, dups: bool) -> list[CID]:
    r = fixture_root(world, DUPS)
    ascii_ = child(world, r, "ascii.txt")
    return [r, ascii_, *([ascii_] if dups else []), child(world, r, "hello.txt"),
            child(world, r, "multiblock.txt"), *map(P, CHUNKS)]


@pytest.mark.parametrize(
    ("query", "accept", "dups"),
    [
        ("", "application/vnd.ipld.car; version=1; order=dfs; dups=y", True),
        ("", "application/vnd.ipld.car; version=1; order=dfs; dups=n", False),
        ("?format=car", "application/vnd.ipld.car; version=1; order=dfs; dups=y", True),
        ("?format=car&car-dups=y", "application/vnd.ipld.car; dups=n", True),
        ("?format=car&car-dups=n", "application/vnd.ipld.car; dups=y", False),
    ],
)
def test_car_dups(client, world: World, query: str, accept: str, dups: bool) -> None:
    response = client.get(f"/ipfs/{fixture_root(world, DUPS)}{query}", headers={"Accept": accept})
    assert response.status_code == 200
    content_type = response.headers["content-type"]
    assert "order=dfs" in content_type
    assert f"dups={'y' if dups else 'n'}" in content_type
    assert parse_car(response.content).blocks == _dup_blocks(world, dups)


def test_car_order_unk_is_answered_with_an_explicit_order(client, world: World) -> None:
    root = fixture_root(world, DUPS)
    for url, accept in [
        (f"/ipfs/{root}", "application/vnd.ipld.car; version=1; order=unk"),
        (f"/ipfs/{root}?format=car&car-order=dfs", "application/vnd.ipld.car; order=unk"),
    ]:
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200
        assert "order=dfs" in response.headers["content-type"]
        assert set(parse_car(response.content).blocks) == set(_dup_blocks(world, False))


def test_car_of_an_identity_cid_has_no_blocks(client) -> None:
    identity = "bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa"
    accept = {"Accept": "application/vnd.ipld.car; dups=y"}
    response = client.get(f"/ipfs/{identity}", headers=accept)
    assert response.status_code == 200
    assert "dups=y" in response.headers["content-type"]
    car = parse_car(response.content)
    assert car.roots == (P(identity),) and car.blocks == []


def test_unsupported_car_version_in_the_query_is_400(client, world: World) -> None:
    response = client.get(f"/ipfs/{fixture_root(world, DUPS)}?format=car&car-version=2")
    assert response.status_code == 400
    assert "car-version" in response.text


def test_car_headers(client, world: World) -> None:
    root = fixture_root(world, TWO)
    response = client.get(f"/ipfs/{root}", headers={"Accept": "application/vnd.ipld.car"})
    headers = response.headers
    assert headers["content-disposition"] == f'attachment; filename="{root}.car"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "public, max-age=29030400, immutable"
    assert headers["etag"] == f'"{root}.car"'
    assert headers["content-location"] == f"/ipfs/{root}?format=car"
    assert headers["access-control-allow-origin"] == "*"
    assert "Accept" in headers["vary"]
    assert int(headers["content-length"]) == len(response.content)
    again = client.get(f"/ipfs/{root}?format=car", headers={"If-None-Match": headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    scoped = client.get(f"/ipfs/{root}?format=car&dag-scope=entity")
    assert scoped.headers["etag"] not in (headers["etag"], "")
    named = client.get(f"/ipfs/{root}?format=car&filename=bundle.car")
    assert named.headers["content-disposition"] == 'attachment; filename="bundle.car"'


def test_head_car_sends_headers_only(client, world: World) -> None:
    root = fixture_root(world, MIXED)
    response = client.head(f"/ipfs/{root}/subdir?format=car")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"].startswith("application/vnd.ipld.car")


# --- format precedence (IPIP-523) -------------------------------------------------------------


def test_format_car_wins_over_accept_raw(client, world: World) -> None:
    d = child(world, fixture_root(world, RAW_BLOCK), "dir")
    response = client.get(f"/ipfs/{d}?format=car", headers={"Accept": "application/vnd.ipld.raw"})
    assert response.status_code == 200
    assert "application/vnd.ipld.car" in response.headers["content-type"]


def test_format_raw_wins_over_accept_car(client, world: World) -> None:
    d = child(world, fixture_root(world, RAW_BLOCK), "dir")
    response = client.get(f"/ipfs/{d}?format=raw", headers={"Accept": "application/vnd.ipld.car"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.ipld.raw"
    assert "content-location" not in response.headers


# --- raw blocks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "accept"),
    [
        ("dir", "?format=raw", None),
        ("dir", "", "application/vnd.ipld.raw"),
        ("dir/ascii.txt", "?format=raw", None),
        ("dir/ascii.txt", "", "application/vnd.ipld.raw"),
    ],
)
def test_raw_block_by_cid_and_by_path(
    client, world: World, path: str, query: str, accept: str | None
) -> None:
    root = fixture_root(world, RAW_BLOCK)
    target = child(world, root, *path.split("/"))
    headers = {"Accept": accept} if accept else {}
    for url in (f"/ipfs/{target}{query}", f"/ipfs/{root}/{path}{query}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.content == world.store.get(target)
        assert response.headers["content-type"] == "application/vnd.ipld.raw"
        assert response.headers["content-length"] == str(len(response.content))
        assert response.headers["content-disposition"] == f'attachment; filename="{target}.bin"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["etag"] == f'"{target}.raw"'
        assert response.headers["x-ipfs-path"] == url.split("?")[0]
        assert str(target) in response.headers["x-ipfs-roots"]
        assert response.headers["cache-control"] == "public, max-age=29030400, immutable"


def test_raw_block_with_custom_filename(client, world: World) -> None:
    root = fixture_root(world, RAW_BLOCK)
    response = client.get(
        f"/ipfs/{root}/dir/ascii.txt?filename=foobar.bin",
        headers={"Accept": "application/vnd.ipld.raw"},
    )
    assert response.headers["content-disposition"] == 'attachment; filename="foobar.bin"'


@pytest.mark.parametrize(
    ("range_header", "status", "content_range", "piece"),
    [
        ("bytes=6-16", 206, "bytes 6-16/57", slice(6, 17)),
        ("bytes=-7", 206, "bytes 50-56/57", slice(50, 57)),
        ("bytes=50-", 206, "bytes 50-56/57", slice(50, 57)),
        ("bytes=6-16,0-4", 206, "bytes 6-16/57", slice(6, 17)),
        ("bytes=100-200", 416, "bytes */57", slice(0, 0)),
        ("lines=1-2", 200, None, slice(None)),
    ],
)
def test_raw_block_ranges(
    client,
    world: World,
    range_header: str,
    status: int,
    content_range: str | None,
    piece: slice,
) -> None:
    root = fixture_root(world, RAW_BLOCK)
    block = world.store.get(child(world, root, "dir"))
    assert len(block) == 57
    response = client.get(
        f"/ipfs/{root}/dir",
        headers={"Accept": "application/vnd.ipld.raw", "Range": range_header},
    )
    assert response.status_code == status
    assert response.headers.get("content-range") == content_range
    if status != 416:
        assert response.content == block[piece]
        assert response.headers["content-type"] == "application/vnd.ipld.raw"


# --- probes -----------------------------------------------------------------------------------


def test_probe_bafkqaaa(client) -> None:
    for method in ("GET", "HEAD"):
        for headers in ({}, {"Accept": "application/vnd.ipld.raw"}):
            response = client.request(method, "/ipfs/bafkqaaa", headers=headers)
            assert response.status_code == 200
            assert response.content == b""
    raw = client.get("/ipfs/bafkqaaa?format=raw")
    assert raw.status_code == 200 and raw.content == b""
    car = client.get("/ipfs/bafkqaaa?format=car")
    assert car.status_code == 200
    assert parse_car(car.content) == Car((P("bafkqaaa"),), [])


def test_dups_y_repeats_blocks_in_ranges_and_whole_files() -> None:
    chunk = 256 * 1024
    one, two = b"\x01" * chunk, b"\x02" * chunk
    data = bytes(chunk) + one + bytes(chunk) + two + b"tail"
    store = MemoryBlockstore()
    file = import_bytes(data, get_profile("kubo-cid-v1"), store.put)
    zero, tail = CID.hash(bytes(chunk)), CID.hash(b"tail")
    a, b = CID.hash(one), CID.hash(two)
    app = create_app(blocks=store, site_root=lambda: None, is_served=lambda cid: True)
    # one repeated chunk in five: the repeats stay well within the file's own size
    cases = [
        ("", "y", [file.cid, zero, a, zero, b, tail]),
        ("", "n", [file.cid, zero, a, b, tail]),
        ("&entity-bytes=0:*", "y", [file.cid, zero, a, zero, b, tail]),
        ("&entity-bytes=300000:600000", "y", [file.cid, a, zero]),
        ("&entity-bytes=0:600000", "y", [file.cid, zero, a, zero]),
        ("&entity-bytes=0:600000", "n", [file.cid, zero, a]),
        ("&entity-bytes=-2:*", "y", [file.cid, tail]),
        ("&dag-scope=entity", "y", [file.cid, zero, a, zero, b, tail]),
        ("&dag-scope=block", "y", [file.cid]),
    ]
    with TestClient(app) as client:
        for extra, dups, expected in cases:
            response = client.get(f"/ipfs/{file.cid}?format=car&car-dups={dups}{extra}")
            assert response.status_code == 200
            assert f"dups={dups}" in response.headers["content-type"]
            assert parse_car(response.content).blocks == expected, (extra, dups)
