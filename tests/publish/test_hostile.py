"""A node (or a service pretending to be one) that attacks its client: it hangs, trickles its
headers for ever, sends an endless body, garbage with terminal escapes, JSON nested 100,000 deep,
a gzip answer nobody asked for, or a redirect to another host. Every case ends, for every kind of
target, with the target failed, one printable line saying why, nothing marked published, and
the next publish to a sane node works (resumable). The CLI run is in a subprocess with a generous
timeout, so a hang fails the test instead of stopping the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from permapress.handle import Newsroom
from permapress.publish.run import publish
from permapress.publish.state import PublishState
from permapress.publish.targets import read_targets

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import (  # noqa: E402
    HostileHandler,
    HostileState,
    PinningHandler,
    PinningState,
    add_targets,
    build,
    serve,
    site_tree,
)

# mode -> the words the one-line reason must contain, per kind of target
EXPECTED = {
    "hang": "did not answer within 0.5 s",
    "trickle": "did not finish answering within 1 s",
    "huge": "sent more than 8 MiB in answer to",
    "redirect": "with a redirect (HTTP 307) to http://203.0.113.7:5001/",
    "gzip": "sent a gzip-compressed answer although permapress asked for none",
}
GARBAGE = {
    "kubo": "the node reported no root after importing",
    "pinning": "did not answer with JSON",
    "cluster": "the cluster reports nothing; nothing was marked published",
}
MODES = [*EXPECTED, "garbage", "deep"]
TOKEN = "secret-token-of-the-newsroom"
CLI = [sys.executable, "-c", "from permapress.cli import main; main()"]
KINDS = ["kubo", "pinning", "cluster"]


def _target(kind: str, url: str) -> str:
    extra = 'token_env = "T"\nwait = 1\n' if kind != "kubo" else "ipns = true\n"
    if kind == "cluster":
        extra += 'auth = "basic"\n'
    return f'[publish.evil]\ntype = "{kind}"\nurl = "{url}"\ntimeout = 0.5\nretries = 0\n{extra}'



def test_an_upload_the_node_stops_reading_fails_in_time(home: Path) -> None:
    """The node reads the headers of an 8 MiB upload and then nothing: once the socket buffers
    are full, no write makes progress for ``timeout`` seconds and the target fails."""
    root = build(home, site_tree(1, big=8 << 20))
    state = HostileState("stall", limit=20.0)
    with serve(HostileHandler, state) as url:
        add_targets(home, _target("kubo", url).replace("ipns = true\n", "batch_mib = 64\n"))
        with Newsroom.open(home) as newsroom:
            (outcome,) = publish(newsroom, list(read_targets(home).values()), env={})
    assert outcome.result == "failed" and "did not answer within 0.5 s" in outcome.message
    with PublishState.open(home / "catalog.sqlite", readonly=True) as pstate:
        assert pstate.confirmed("evil") == set()
        row = pstate.root("evil", str(root))
    assert row is not None and row.status == "uploading"


def _printable_line(text: str) -> bool:
    return text.isprintable() and "\x1b" not in text and len(text) < 600


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_hostile_node_fails_the_target_in_one_clear_line(home: Path, mode: str, kind: str) -> None:
    root = build(home, site_tree(1))
    state = HostileState(mode, limit=20.0)
    with serve(HostileHandler, state) as url:
        add_targets(home, _target(kind, url))
        with Newsroom.open(home) as newsroom:
            (outcome,) = publish(newsroom, list(read_targets(home).values()), env={"T": TOKEN})
    assert outcome.result == "failed", outcome
    assert outcome.message.startswith("evil: ")
    assert _printable_line(outcome.message), outcome.message
    expected = EXPECTED.get(mode) or GARBAGE[kind]
    assert expected in outcome.message
    assert outcome.ipns is None and outcome.ipns_error == ""
    assert state.requests, "the hostile server was never asked"
    with PublishState.open(home / "catalog.sqlite", readonly=True) as pstate:
        row = pstate.root("evil", str(root))
    assert row is None or row.status != "pinned"


@pytest.mark.parametrize("mode", ["trickle", "huge", "garbage", "deep", "redirect"])
def test_hostile_node_through_the_cli_then_a_sane_target(tmp_path: Path, mode: str) -> None:
    """The whole command, as an operator runs it: exit code 1, the reason on one line of standard
    error, no traceback; then the same newsroom publishes to a sane pinning service."""
    from publish_world import new_newsroom

    home = new_newsroom(tmp_path)
    root = build(home, site_tree(2))
    env = {**os.environ, "T": TOKEN}
    with serve(HostileHandler, HostileState(mode, limit=20.0)) as url:
        add_targets(home, _target("kubo", url))
        done = subprocess.run(
            [*CLI, "publish", "--json", "--home", str(home)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    shown = f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    assert done.returncode == 1, shown
    assert "Traceback" not in done.stderr and "Internal error" not in done.stderr, shown
    (item,) = json.loads(done.stdout)
    assert item["result"] == "failed" and _printable_line(item["message"]), shown
    with serve(PinningHandler, PinningState(TOKEN, polls_until_pinned=1)) as sane:
        add_targets(home, f'[publish.sane]\ntype = "pinning"\nurl = "{sane}"\ntoken_env = "T"\n')
        done = subprocess.run(
            [*CLI, "publish", "--to", "sane", "--home", str(home)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"pinned   sane             {root}"), done.stdout


def test_a_cluster_with_thousands_of_peers_keeps_the_recorded_detail_short(home: Path) -> None:
    """The peer list of a cluster goes into the status detail; 5,000 peers (or a cluster lying
    about them) must not write 100 KB lines into the catalog and the status output."""
    from publish_world import ClusterHandler, ClusterState

    root = build(home, site_tree(1))
    cluster = ClusterState(peers=tuple(f"peer-\x1b[31m{n}" for n in range(5000)))
    cluster.polls_until_pinned = 1
    with serve(ClusterHandler, cluster) as url:
        add_targets(
            home,
            f'[publish.big]\ntype = "cluster"\nurl = "{url}"\nauth = "basic"\ntoken_env = "T"\n',
        )
        with Newsroom.open(home) as newsroom:
            (outcome,) = publish(
                newsroom, list(read_targets(home).values()), env={"T": "admin:s3cret"}
            )
    assert outcome.result == "pinned", outcome.message
    with PublishState.open(home / "catalog.sqlite", readonly=True) as pstate:
        row = pstate.root("big", str(root))
    assert row is not None and row.status == "pinned"
    assert row.detail.startswith("peer-\\x1b[31m0 pinned, ") and len(row.detail) <= 401
    assert _printable_line(row.detail)
