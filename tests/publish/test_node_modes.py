"""``publish`` with ``ipns = true`` against real IPFS nodes in both modes: the js-ipfs 0.66 daemon
started online (libp2p and its DHT running, no peers to reach) and started offline (as
``ipfs daemon --offline``, which refuses ``name/resolve`` with ``nocache``). The IPNS step reads
its record back in a way both allow, and when it fails the site is still reported pinned, with
the IPNS reason on its own line, its own JSON fields and exit code 3. Kubo's offline behaviour
where js-ipfs differs (a name cache older than our record) is played by a small server."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from permapress.cli import main
from permapress.handle import Newsroom
from permapress.ipfs.cid import b58encode
from permapress.publish.http import TargetClient
from permapress.publish.ipns import create_record, name_of_key, verify_record
from permapress.publish.kubo import Kubo
from permapress.publish.run import publish, status
from permapress.publish.state import PublishState
from permapress.publish.targets import Target, read_targets
from permapress.trust.keys import load_private_key

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import (  # noqa: E402
    Daemon,
    GuardHandler,
    GuardState,
    OfflineKuboHandler,
    OfflineKuboState,
    add_targets,
    build,
    serve,
    site_tree,
)

pytestmark = pytest.mark.interop


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(arg) for arg in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _peer_id(home: Path) -> str:
    return b58encode(name_of_key(load_private_key(home / "keys")).multihash)


def test_js_ipfs_offline_refuses_nocache_as_kubo_does(ipfs_daemon_offline: Daemon) -> None:
    """The premise: the offline daemon is really in the mode the bug report describes."""
    answer = httpx.post(
        f"{ipfs_daemon_offline.api}/api/v0/name/resolve",
        params={"arg": f"/ipns/{ipfs_daemon_offline.peer}", "nocache": "true"},
        timeout=30,
    )
    assert answer.status_code == 500
    assert answer.json()["Message"] == "cannot specify both offline and nocache"


def test_publish_with_ipns_works_online_and_offline(
    home: Path, any_daemon: Daemon, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(home, site_tree(4))
    add_targets(home, f'[publish.node]\ntype = "kubo"\nurl = "{any_daemon.api}"\nipns = true\n')
    code, out, err = run(capsys, "publish", "--json", "--home", home)
    assert code == 0, err
    (item,) = json.loads(out)
    name = str(name_of_key(load_private_key(home / "keys")))
    assert (item["result"], item["root"], item["ipns"]) == ("pinned", str(root), name)
    assert (item["ipns_result"], item["ipns_error"]) == ("published", "")
    # The node serves the site under the name, through its own gateway.
    page = httpx.get(f"{any_daemon.gateway}/ipns/{_peer_id(home)}/index.html", timeout=30)
    assert page.status_code == 200 and page.content == b"<h1>Front page, edition 4</h1>"
    # A second build moves the name: a new record (next sequence) is put and read back.
    second = build(home, site_tree(5))
    code, out, err = run(capsys, "publish", "--home", home)
    assert code == 0, err
    assert out.startswith("pinned   node") and f"/ipns/{name}" in out
    resolved = httpx.post(
        f"{any_daemon.api}/api/v0/name/resolve",
        params={"arg": f"/ipns/{_peer_id(home)}"},
        timeout=30,
    )
    assert resolved.json()["Path"] == f"/ipfs/{second}"
    with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
        accepted = state.ipns_at("node")
    assert accepted is not None and accepted[:2] == (name, 1)


def test_the_record_the_node_holds_is_ours(home: Path, any_daemon: Daemon) -> None:
    """``get_ipns`` (routing/get, or dht/get on js-ipfs) returns our signed bytes in both modes."""
    key = load_private_key(home / "keys")
    name = name_of_key(key)
    record = create_record(
        key, "/ipfs/bafkqaddwgevxmmraojswg33smq", 3, datetime.now(UTC) + timedelta(hours=1), 10**9
    )
    with TargetClient(Target("node", "kubo", any_daemon.api, retries=0), None) as client:
        kubo = Kubo(client)
        kubo.put_ipns(name, record)
        assert kubo.resolve_ipns(name) == "/ipfs/bafkqaddwgevxmmraojswg33smq"
        held = kubo.get_ipns(name)
    assert verify_record(name, held).sequence == 3


def test_ipns_failure_is_reported_apart_from_the_pin(
    home: Path, ipfs_daemon_offline: Daemon, capsys: pytest.CaptureFixture[str]
) -> None:
    """The node sits behind a proxy that lets pinning through but not routing: the site is
    pinned, IPNS failed with the reason, exit code 3; fixing the url and publishing again
    finishes the IPNS step alone."""
    root = build(home, site_tree(6))
    guard = GuardState(
        ipfs_daemon_offline.api, blocked=("/api/v0/routing/put", "/api/v0/dht/put")
    )
    with serve(GuardHandler, guard) as url:
        add_targets(home, f'[publish.node]\ntype = "kubo"\nurl = "{url}"\nipns = true\n')
        code, out, err = run(capsys, "publish", "--home", home)
        assert code == 3
        assert out.startswith(f"pinned   node             {root}")
        (line,) = [ln for ln in err.splitlines() if "IPNS" in ln]
        assert line.strip() == (
            "site pinned; IPNS failed: HTTP 404 from /api/v0/dht/put: 404 page not found"
        )
        code, out, _err = run(capsys, "publish", "--json", "--home", home)
    assert code == 3
    (item,) = json.loads(out)
    assert (item["result"], item["ipns"], item["ipns_result"]) == ("already", None, "failed")
    assert "dht/put" in item["ipns_error"] and item["message"] == ""
    with Newsroom.open(home, readonly=True) as newsroom:
        (report,) = status(newsroom, list(read_targets(home).values()))
    name = str(name_of_key(load_private_key(home / "keys")))
    assert report["pinned"] == [str(root)] and report["ipns"] is None
    assert report["ipns_pending"] == {"name": name, "sequence": 0, "value": f"/ipfs/{root}"}
    code, out, _err = run(capsys, "status", "--home", home)
    assert code == 0 and f"pinned   {root}" in out
    assert f"record sequence 0 -> /ipfs/{root} NOT accepted here yet" in out
    # The operator opens routing (here: points the target at the node itself).
    toml = home / "permapress.toml"
    toml.write_text(toml.read_text().replace(url, ipfs_daemon_offline.api))
    pinned_calls = len(guard.seen)
    code, out, err = run(capsys, "publish", "--home", home)
    assert code == 0, err
    assert out.startswith("already  node") and "/ipns/k51" in out
    assert len(guard.seen) == pinned_calls
    with Newsroom.open(home, readonly=True) as newsroom:
        (report,) = status(newsroom, list(read_targets(home).values()))
    assert report["ipns"]["sequence"] == 0 and report["ipns_pending"] is None  # type: ignore[index]
    code, out, _err = run(capsys, "status", "--home", home)
    assert f"ipns     /ipns/{name} (sequence 0)" in out and "NOT accepted" not in out


def test_a_pin_failure_still_exits_1(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(home, site_tree(1))
    add_targets(
        home,
        '[publish.gone]\ntype = "kubo"\nurl = "http://127.0.0.1:9"\nipns = true\nretries = 0\n',
    )
    code, out, _err = run(capsys, "publish", "--json", "--home", home)
    (item,) = json.loads(out)
    assert code == 1 and item["result"] == "failed" and item["ipns_result"] is None


def _offline_kubo(
    home: Path, state: OfflineKuboState
) -> tuple[int, list[tuple[str, str | None, str]]]:
    with serve(OfflineKuboHandler, state) as url:
        add_targets(home, f'[publish.kubo]\ntype = "kubo"\nurl = "{url}"\nipns = true\n')
        with Newsroom.open(home) as newsroom:
            # Pin through the real steps is not what this server plays: mark the root pinned.
            with PublishState.open(newsroom.config.catalog_path) as pstate:
                latest = newsroom.catalog.latest_build()
                assert latest is not None
                pstate.set_root("kubo", latest, "pinned")
            outcomes = publish(newsroom, list(read_targets(home).values()), env={})
    return len(outcomes), [(o.result, o.ipns, o.ipns_error) for o in outcomes]


def test_kubo_offline_with_a_stale_name_cache(home: Path) -> None:
    """Kubo offline: nocache refused, the cached resolve still names the old root; the record it
    holds is ours, so the step succeeds."""
    build(home, site_tree(1))
    state = OfflineKuboState(cached="/ipfs/bafkqaaa")
    count, results = _offline_kubo(home, state)
    name = str(name_of_key(load_private_key(home / "keys")))
    assert count == 1 and results == [("already", name, "")]
    assert state.calls == [
        "/api/v0/routing/put",
        "/api/v0/name/resolve?nocache",
        "/api/v0/name/resolve",
        "/api/v0/routing/get",
    ]


def test_kubo_holding_a_newer_record_is_an_ipns_failure(home: Path) -> None:
    build(home, site_tree(1))
    key = load_private_key(home / "keys")
    newer = create_record(
        key, "/ipfs/bafkqaaa", 99, datetime.now(UTC) + timedelta(hours=1), 10**9
    )
    _count, results = _offline_kubo(
        home, OfflineKuboState(cached="/ipfs/bafkqaaa", held=newer)
    )
    ((result, ipns, error),) = results
    assert (result, ipns) == ("already", None)
    assert "it holds a newer record (sequence 99 > 0, pointing at /ipfs/bafkqaaa)" in error


def test_kubo_holding_a_forged_record_is_an_ipns_failure(home: Path) -> None:
    build(home, site_tree(1))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = create_record(
        Ed25519PrivateKey.generate(),
        "/ipfs/bafkqaaa",
        99,
        datetime.now(UTC) + timedelta(hours=1),
        10**9,
    )
    _count, results = _offline_kubo(
        home, OfflineKuboState(cached="/ipfs/bafkqaaa", held=forged)
    )
    ((result, _ipns, error),) = results
    assert result == "already"
    assert error.startswith("the node resolves /ipns/k51")
    assert "the record it holds is invalid" in error


IPNS_SABOTAGE = [
    ("/api/v0/name/resolve", "hang", "did not answer within 5 s"),
    ("/api/v0/name/resolve", "huge", "sent more than 4 KiB in answer to /api/v0/name/resolve"),
    ("/api/v0/name/resolve", "garbage", "gave no path (it said '\\x1b[2J\\x1b[31mPWNED\\r\\n"),
    ("/api/v0/name/resolve", "deep", "sent more than 4 KiB in answer to"),
    ("/api/v0/name/resolve", "redirect", "answered /api/v0/name/resolve with a redirect (HTTP"),
    ("/api/v0/dht/put", "trickle", "did not finish answering within 10 s"),
]


@pytest.mark.parametrize(
    ("path", "mode", "expected"), IPNS_SABOTAGE, ids=[f"{p[8:]}-{m}" for p, m, _ in IPNS_SABOTAGE]
)
def test_a_node_sabotaging_only_ipns_leaves_the_site_pinned(
    home: Path, any_daemon: Daemon, path: str, mode: str, expected: str
) -> None:
    """The real node behind a proxy that answers one IPNS call the hostile way: the site is
    pinned there, the IPNS step failed with one printable line, exit code 3."""
    from permapress.publish.run import exit_code

    root = build(home, site_tree(7))
    with serve(GuardHandler, GuardState(any_daemon.api, sabotage={path: mode})) as url:
        add_targets(
            home,
            f'[publish.node]\ntype = "kubo"\nurl = "{url}"\nipns = true\n'
            "timeout = 5\nretries = 0\n",
        )
        with Newsroom.open(home) as newsroom:
            outcomes = publish(newsroom, list(read_targets(home).values()), env={})
    ((outcome),) = outcomes
    assert (outcome.result, outcome.root, outcome.message) == ("pinned", str(root), "")
    assert outcome.ipns is None and outcome.ipns_result == "failed"
    assert expected in outcome.ipns_error, outcome.ipns_error
    assert outcome.ipns_error.isprintable() and len(outcome.ipns_error) < 500
    assert exit_code(outcomes) == 3
    with TargetClient(Target("node", "kubo", any_daemon.api), None) as client:
        assert Kubo(client).pin_ls(root)


def test_an_error_at_the_end_of_an_import_stream_confirms_nothing(
    home: Path, ipfs_daemon: Daemon
) -> None:
    """Kubo reports an error that happens after it began answering as the stream's last JSON
    object: that batch is not confirmed, and the next publish sends it again."""
    root = build(home, site_tree(8))
    guard = GuardState(ipfs_daemon.api, sabotage={"/api/v0/dag/import": "stream-error"})
    with serve(GuardHandler, guard) as url:
        add_targets(home, f'[publish.node]\ntype = "kubo"\nurl = "{url}"\nretries = 0\n')
        with Newsroom.open(home) as newsroom:
            (outcome,) = publish(newsroom, list(read_targets(home).values()), env={})
        assert outcome.result == "failed"
        assert outcome.message == (
            "node: dag/import failed on the node: write /repo/blocks/x.data: no space left on "
            "device; the next publish sends this part again"
        )
        with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
            assert state.confirmed("node") == set()
        guard.sabotage.clear()
        with Newsroom.open(home) as newsroom:
            (outcome,) = publish(newsroom, list(read_targets(home).values()), env={})
    assert (outcome.result, outcome.root) == ("pinned", str(root))


def test_ipns_publish_command_in_both_modes_and_when_refused(
    home: Path, any_daemon: Daemon, capsys: pytest.CaptureFixture[str]
) -> None:
    """``permapress ipns publish`` reads back the same way; a target that refuses is its own
    line and exit code 1, the other target is still done."""
    root = build(home, site_tree(9))
    guard = GuardState(any_daemon.api, blocked=("/api/v0/routing/put", "/api/v0/dht/put"))
    with serve(GuardHandler, guard) as url:
        add_targets(
            home,
            f'[publish.node]\ntype = "kubo"\nurl = "{any_daemon.api}"\nipns = true\n'
            f'[publish.guarded]\ntype = "kubo"\nurl = "{url}"\nipns = true\nretries = 0\n',
        )
        code, out, err = run(capsys, "ipns", "publish", "--home", home)
    name = str(name_of_key(load_private_key(home / "keys")))
    assert code == 1
    assert out == f"node: /ipns/{name} -> /ipfs/{root}\n"
    assert err == "guarded: IPNS failed: HTTP 404 from /api/v0/dht/put: 404 page not found\n"
    code, out, _err = run(capsys, "ipns", "publish", "--to", "node", "--json", "--home", home)
    assert code == 0
    assert json.loads(out) == [
        {"target": "node", "name": name, "value": f"/ipfs/{root}", "error": None}
    ]
