"""A mirror folder publishes to its own targets (the npm `ipfs` daemon through the Kubo RPC API,
an IPFS Cluster test server), and a mirror is made from that daemon, whose gateway is a path
gateway only, by reading its blocks through its RPC API."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from permapress.ipfs.car import dag_blocks
from permapress.ipfs.cid import CID
from permapress.newsroom.mirror import load_state

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "publish"))
from publish_world import (  # noqa: E402
    HAVE_DAEMON,
    ClusterHandler,
    ClusterState,
    Daemon,
    start_daemon,
)
from publish_world import serve as serve_handler  # noqa: E402
from test_mirror import _correct  # noqa: E402


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    if not HAVE_DAEMON:
        pytest.skip("node or tests/interop/node_modules/ipfs-daemon is missing (run npm ci there)")
    started = start_daemon(tmp_path_factory.mktemp("ipfs-repo"))
    try:
        yield started
    finally:
        started.stop()


def _blocks(folder: Path) -> int:
    return sum(1 for _ in (folder / "blocks").rglob("*.data"))


def _has(daemon: Daemon, cid: CID) -> bool:
    answer = httpx.post(f"{daemon.api}/api/v0/block/stat", params={"arg": str(cid),
                        "offline": "true"}, timeout=30)  # fmt: skip
    return answer.status_code == 200


def test_a_mirror_publishes_to_its_own_node_and_is_mirrored_from_it(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], daemon: Daemon,
    tmp_path: Path,
) -> None:  # fmt: skip
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        assert cli("mirror", base, str(mirror)).code == 0
        with (mirror / "permapress.toml").open("a", encoding="utf-8") as out:
            out.write(f'\n[publish.own]\ntype = "kubo"\nurl = "{daemon.api}"\n')
        published = cli("publish", "--home", str(mirror), "--json")
        assert published.code == 0, published.err
        (item,) = published.json()
        assert item["result"] == "pinned" and item["root"] == root

        # the mirror follows a correction and keeps its targets; publish sends what is new
        new_root = _correct(demo_home, cli, tmp_path)
        assert cli("mirror", base, str(mirror)).code == 0
        again = cli("publish", "--home", str(mirror), "--json")
    assert again.code == 0, again.err
    assert again.json()[0]["result"] == "pinned" and again.json()[0]["root"] == new_root
    assert '[publish.own]' in (mirror / "permapress.toml").read_text(encoding="utf-8")
    from permapress.ipfs.blockstore import FileBlockstore

    store = FileBlockstore(mirror / "blocks")
    assert all(_has(daemon, cid) for cid, _data in dag_blocks(CID.parse(new_root), store.get))

    # the daemon's gateway is no trustless gateway: said in one line, pointing at --rpc
    source = f"{daemon.gateway}/ipfs/{new_root}/"
    refused = cli("mirror", source, str(tmp_path / "refused"))
    assert refused.code == 1 and "not a trustless gateway" in refused.err
    assert "--rpc" in refused.err and len(refused.err.strip().splitlines()) == 1
    # read block by block through its RPC API instead: the same root, every block checked
    copy = tmp_path / "copy"
    run = cli("mirror", source, str(copy), "--rpc", daemon.api, "--json")
    assert run.code == 0, run.err
    assert run.json()["root_cid"] == new_root and run.json()["adopted"] is True
    assert _blocks(copy) == run.json()["blocks_fetched"]
    state = load_state(copy)
    assert state is not None and state.root == new_root


def test_a_mirror_publishes_to_a_cluster(
    demo_home: Path, cli: Callable[..., Any], serve: Callable[[Path], Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    mirror = tmp_path / "mirror"
    with serve(demo_home) as (base, root):
        assert cli("mirror", base, str(mirror)).code == 0
    cluster = ClusterState()
    monkeypatch.setenv("MIRROR_CLUSTER_TOKEN", f"{cluster.user}:{cluster.password}")
    with serve_handler(ClusterHandler, cluster) as url:
        with (mirror / "permapress.toml").open("a", encoding="utf-8") as out:
            out.write(f'\n[publish.partners]\ntype = "cluster"\nurl = "{url}"\nauth = "basic"\n'
                      'token_env = "MIRROR_CLUSTER_TOKEN"\n')  # fmt: skip
        published = cli("publish", "--home", str(mirror), "--json")
    assert published.code == 0, published.err
    assert published.json()[0]["result"] == "pinned"
    from permapress.ipfs.blockstore import FileBlockstore

    store = FileBlockstore(mirror / "blocks")
    ours = {cid.multihash for cid, _data in dag_blocks(CID.parse(root), store.get)}
    assert set(cluster.blocks) == ours and list(cluster.pins) == [root]
