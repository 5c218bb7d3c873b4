"""Publishing to a real IPFS implementation: the js-ipfs 0.66 daemon speaking the Kubo RPC API,
started offline on 127.0.0.1 by the tests (tests/interop/ipfs-daemon.mjs). Plus a Kubo RPC
server that misbehaves on purpose (another root CID, a refused token, no answer in time)."""

from __future__ import annotations

import io
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from permapress.handle import Newsroom
from permapress.ipfs.car import dag_blocks, read_car
from permapress.ipfs.cid import CID, b58encode
from permapress.ipfs.reader import read_file, resolve_path
from permapress.publish.errors import (
    RootMismatch,
    TargetRejected,
    TargetTimeout,
    TargetUnreachable,
)
from permapress.publish.http import TargetClient
from permapress.publish.ipns import create_record, name_of_key
from permapress.publish.kubo import Kubo, publish_kubo
from permapress.publish.run import publish, status
from permapress.publish.state import PublishState
from permapress.publish.targets import Target, read_targets
from permapress.trust.keys import load_private_key

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import (  # noqa: E402
    BadKuboHandler,
    BadKuboState,
    Daemon,
    add_targets,
    build,
    opened,
    serve,
    site_tree,
)

pytestmark = pytest.mark.interop


def _exported(daemon: Daemon, root: CID) -> set[bytes]:
    response = httpx.post(f"{daemon.api}/api/v0/dag/export", params={"arg": str(root)}, timeout=60)
    response.raise_for_status()
    reader = read_car(io.BytesIO(response.content))
    return {cid.multihash for cid, _ in reader}


def _ours(home: Path, root: CID) -> set[bytes]:
    with Newsroom.open(home, readonly=True) as newsroom:
        return {cid.multihash for cid, _ in dag_blocks(root, newsroom.blocks.get)}


def test_publish_imports_pins_and_reads_back_byte_identical(
    home: Path, ipfs_daemon: Daemon
) -> None:
    root = build(home, site_tree(1, big=300_000))
    add_targets(
        home,
        f'[publish.node]\ntype = "kubo"\nurl = "{ipfs_daemon.api}"\nipns = true\nbatch_mib = 1\n',
    )
    with Newsroom.open(home) as newsroom:
        outcomes = publish(newsroom, list(read_targets(home).values()), env={})
    assert [(o.target, o.result) for o in outcomes] == [("node", "pinned")]
    with Newsroom.open(home) as newsroom, TargetClient(read_targets(home)["node"], None) as client:
        assert Kubo(client).pin_ls(root)
        get = newsroom.blocks.get
        for path in (["index.html"], ["media.bin"], ["articles", "story-2", "index.html"]):
            cid, _ = resolve_path(root, path, get)
            ours = b"".join(read_file(cid, get))
            theirs = httpx.get(f"{ipfs_daemon.gateway}/ipfs/{root}/{'/'.join(path)}", timeout=30)
            assert theirs.status_code == 200
            assert theirs.content == ours
    assert _exported(ipfs_daemon, root) == _ours(home, root)
    # IPNS: our own signed record, put through the node, resolves to the site there.
    key = load_private_key(home / "keys")
    name = name_of_key(key)
    assert outcomes[0].ipns == str(name)
    peer_id = b58encode(name.multihash)
    resolved = httpx.post(
        f"{ipfs_daemon.api}/api/v0/name/resolve", params={"arg": f"/ipns/{peer_id}"}, timeout=30
    )
    assert resolved.json()["Path"] == f"/ipfs/{root}"
    page = httpx.get(f"{ipfs_daemon.gateway}/ipns/{peer_id}/index.html", timeout=30)
    assert page.status_code == 200 and page.content.startswith(b"<h1>Front page, edition 1")
    with Newsroom.open(home, readonly=True) as newsroom:
        report = status(newsroom, list(read_targets(home).values()))
    assert report[0]["latest_published"] is True and report[0]["pinned"] == [str(root)]
    assert report[0]["ipns"]["name"] == str(name)  # type: ignore[index]


def test_second_publish_sends_only_what_changed(home: Path, ipfs_daemon: Daemon) -> None:
    add_targets(home, f'[publish.node]\ntype = "kubo"\nurl = "{ipfs_daemon.api}"\n')
    target = read_targets(home)["node"]
    first = build(home, site_tree(2, big=200_000))
    sent: list[int] = []
    with opened(home, target) as (newsroom, state, client):
        get = newsroom.blocks.get
        assert publish_kubo(client, first, get, state, progress=sent.append) == "pinned"
        assert publish_kubo(client, first, get, state) == "already"
    full = sum(sent)
    tree = site_tree(3)
    tree["media.bin"] = site_tree(2)["articles"]["story-0"]["index.html"]  # the big file is gone
    second = build(home, tree)
    sent.clear()
    with opened(home, target) as (newsroom, state, client):
        get = newsroom.blocks.get
        assert publish_kubo(client, second, get, state, progress=sent.append) == "pinned"
        assert Kubo(client).pin_ls(first) and Kubo(client).pin_ls(second)
    assert 0 < sum(sent) < full / 4
    assert _exported(ipfs_daemon, second) == _ours(home, second)


def test_ipns_record_put_and_resolve(ipfs_daemon: Daemon) -> None:
    """js-ipfs validates what it resolves: our record resolves, a tampered copy does not."""
    key = Ed25519PrivateKey.generate()
    name = name_of_key(key)
    value = "/ipfs/bafkqaddwgevxmmraojswg33smq"
    record = create_record(key, value, 1, datetime.now(UTC) + timedelta(hours=1), 10**9)
    other = Ed25519PrivateKey.generate()
    bad = create_record(other, value, 1, datetime.now(UTC) + timedelta(hours=1), 10**9)
    target = Target("node", "kubo", ipfs_daemon.api, retries=0)
    with TargetClient(target, None) as client:
        kubo = Kubo(client)
        kubo.put_ipns(name, record)
        assert kubo.resolve_ipns(name) == value
        kubo.put_ipns(name_of_key(other), bad.replace(b"bafkqaddw", b"bafkqaddx"))
        with pytest.raises(TargetRejected, match="not found"):
            kubo.resolve_ipns(name_of_key(other))


@pytest.fixture
def bad_kubo(request: pytest.FixtureRequest) -> Iterator[str]:
    state = BadKuboState(request.param, delay=3.0)
    with serve(BadKuboHandler, state) as url:
        yield url


@pytest.mark.parametrize("bad_kubo", ["other-root"], indirect=True)
def test_node_reporting_another_root_is_not_marked_published(home: Path, bad_kubo: str) -> None:
    root = build(home, site_tree(1))
    target = Target("liar", "kubo", bad_kubo, retries=0)
    with Newsroom.open(home) as newsroom, PublishState.open(newsroom.config.catalog_path) as state:
        with TargetClient(target, None) as client, pytest.raises(RootMismatch, match="bafkqaaa"):
            publish_kubo(client, root, newsroom.blocks.get, state)
        row = state.root("liar", str(root))
        assert row is not None and row.status == "failed"


@pytest.mark.parametrize("bad_kubo", ["refuse"], indirect=True)
def test_refused_token_is_one_clear_line_without_the_secret(home: Path, bad_kubo: str) -> None:
    build(home, site_tree(1))
    add_targets(
        home, f'[publish.locked]\ntype = "kubo"\nurl = "{bad_kubo}"\ntoken_env = "LOCKED_TOKEN"\n'
    )
    with Newsroom.open(home) as newsroom:
        (outcome,) = publish(
            newsroom, list(read_targets(home).values()), env={"LOCKED_TOKEN": "hunter2-secret"}
        )
    assert outcome.result == "failed"
    assert "refused the token (HTTP 403" in outcome.message and "$LOCKED_TOKEN" in outcome.message
    assert "hunter2" not in outcome.message and "\n" not in outcome.message


@pytest.mark.parametrize("bad_kubo", ["slow"], indirect=True)
def test_timeout_is_reported_and_retried(home: Path, bad_kubo: str) -> None:
    root = build(home, site_tree(1))
    target = Target("slow", "kubo", bad_kubo, timeout=0.5, retries=1)
    waits: list[float] = []
    with opened(home, target, backoff=0.01, sleep=waits.append) as (newsroom, state, client):
        with pytest.raises(TargetTimeout, match="did not answer within 0.5 s"):
            publish_kubo(client, root, newsroom.blocks.get, state)
        assert waits == [0.01]
        row = state.root("slow", str(root))
        assert row is not None and row.status == "uploading"


def test_unreachable_node(home: Path) -> None:
    root = build(home, site_tree(1))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    target = Target("gone", "kubo", f"http://127.0.0.1:{port}", retries=2)
    waits: list[float] = []
    with opened(home, target, backoff=0.5, sleep=waits.append) as (newsroom, state, client):
        with pytest.raises(TargetUnreachable, match="cannot reach"):
            publish_kubo(client, root, newsroom.blocks.get, state)
        assert waits == [0.5, 1.0]
        assert state.confirmed("gone") == set()
