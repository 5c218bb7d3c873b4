"""The IPFS Cluster client against a test server written to the Cluster REST API (no cluster
can be installed here): the CAR it receives is read and every block checked."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.handle import Newsroom
from permapress.ipfs.car import dag_blocks
from permapress.publish.cluster import peer_status, publish_cluster
from permapress.publish.errors import RootMismatch, TokenRefused
from permapress.publish.run import publish, status
from permapress.publish.state import PublishState
from permapress.publish.targets import Target, read_targets

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import ClusterHandler, ClusterState, add_targets, build, opened, serve, site_tree  # noqa: E402


@pytest.fixture
def cluster() -> Iterator[tuple[str, ClusterState]]:
    state = ClusterState()
    with serve(ClusterHandler, state) as url:
        yield url, state


def _target(url: str, **kw: object) -> Target:
    options: dict[str, object] = {"auth": "basic", "retries": 0, "wait": 30.0}
    options.update(kw)
    return Target("cluster", "cluster", url, **options)  # type: ignore[arg-type]


def test_add_car_with_replication_and_wait_for_every_peer(
    home: Path, cluster: tuple[str, ClusterState]
) -> None:
    url, fake = cluster
    root = build(home, site_tree(1, big=100_000))
    target = _target(url, replication_min=1, replication_max=2)
    sent: list[int] = []
    with opened(home, target) as (newsroom, state, client):
        client = type(client)(target, "admin:s3cret")
        result = publish_cluster(
            client, root, newsroom.blocks.get, state, label="Site", poll=0.01, progress=sent.append
        )
        assert result == "pinned"
        ours = {cid.multihash for cid, _ in dag_blocks(root, newsroom.blocks.get)}
        assert peer_status(client, root) == {"peer-a": ("pinned", ""), "peer-b": ("pinned", "")}
        client.close()
    assert set(fake.blocks) == ours and sum(sent) == sum(len(b) for b in fake.blocks.values())
    (params,) = fake.adds
    assert params["replication-min"] == ["1"] and params["replication-max"] == ["2"]
    assert params["name"] == ["Site"]
    with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
        row = state.root("cluster", str(root))
        assert row is not None and row.detail == "peer-a pinned, peer-b pinned"


def test_peer_error_fails_and_is_named(home: Path, cluster: tuple[str, ClusterState]) -> None:
    url, fake = cluster
    fake.fail_peer = "peer-b"
    root = build(home, site_tree(1))
    add_targets(
        home,
        f'[publish.cluster]\ntype = "cluster"\nurl = "{url}"\nauth = "basic"\n'
        'token_env = "CLUSTER_AUTH"\nretries = 0\n',
    )
    with Newsroom.open(home) as newsroom:
        (outcome,) = publish(
            newsroom,
            list(read_targets(home).values()),
            env={"CLUSTER_AUTH": "admin:s3cret"},
            poll=0.01,
        )
    assert outcome.result == "failed"
    assert (
        "peer-b could not pin" in outcome.message and "context deadline exceeded" in outcome.message
    )
    with Newsroom.open(home, readonly=True) as newsroom:
        (report,) = status(newsroom, list(read_targets(home).values()))
    assert report["failed"] == [
        {"root": str(root), "detail": "peer-a pinning, peer-b pin_error, peer-c pinning"}
    ]
    assert report["latest_published"] is False


def test_cluster_reporting_another_cid(home: Path, cluster: tuple[str, ClusterState]) -> None:
    url, fake = cluster
    fake.report_cid = "bafkqaaa"
    root = build(home, site_tree(1))
    target = _target(url)
    with opened(home, target) as (newsroom, state, _client):
        client = type(_client)(target, "admin:s3cret")
        with pytest.raises(RootMismatch, match="reports bafkqaaa"):
            publish_cluster(client, root, newsroom.blocks.get, state, label="Site", poll=0.01)
        client.close()
        row = state.root("cluster", str(root))
        assert row is not None and row.status == "uploading"


def test_wrong_password_is_refused(home: Path, cluster: tuple[str, ClusterState]) -> None:
    url, _fake = cluster
    root = build(home, site_tree(1))
    target = _target(url)
    with opened(home, target) as (newsroom, state, _client):
        client = type(_client)(target, "admin:wrong")
        with pytest.raises(TokenRefused, match="HTTP 401: Unauthorized"):
            publish_cluster(client, root, newsroom.blocks.get, state, label="Site")
        client.close()


def test_pending_then_pinned(home: Path, cluster: tuple[str, ClusterState]) -> None:
    url, fake = cluster
    fake.polls_until_pinned = 3
    root = build(home, site_tree(1))
    target = _target(url, wait=0.001)
    with opened(home, target) as (newsroom, state, _client):
        client = type(_client)(target, "admin:s3cret")
        assert (
            publish_cluster(client, root, newsroom.blocks.get, state, label="S", poll=0.01)
            == "pending"
        )
        assert (
            publish_cluster(client, root, newsroom.blocks.get, state, label="S", poll=0.01)
            == "pending"
        )
        assert (
            publish_cluster(client, root, newsroom.blocks.get, state, label="S", poll=0.01)
            == "pinned"
        )
        client.close()
    assert len(fake.adds) == 1  # the CAR was added once; later runs only asked for the status
