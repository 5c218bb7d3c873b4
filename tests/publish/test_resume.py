"""An interrupted publish resumes: ``permapress publish`` is killed with SIGKILL half-way through
a (throttled) upload to a fresh js-ipfs daemon, run again, and then the node holds exactly the
site, pinned, and the second run sent only what the first had not confirmed."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from permapress.handle import Newsroom
from permapress.ipfs.car import dag_blocks, read_car
from permapress.ipfs.cid import CID
from permapress.publish.state import PublishState

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import (  # noqa: E402
    HAVE_DAEMON,
    add_targets,
    build,
    new_newsroom,
    site_tree,
    start_daemon,
    throttled,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_DAEMON, reason="node or tests/interop/node_modules is missing"),
]
PERMAPRESS = [str(Path(sys.executable).parent / "permapress")]


def _confirmed(catalog: Path) -> int:
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM publish_blocks").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _local_blocks(api: str) -> set[bytes]:
    text = httpx.post(f"{api}/api/v0/refs/local", timeout=60).text
    return {CID.parse(json.loads(line)["Ref"]).multihash for line in text.splitlines() if line}


def test_killed_publish_resumes_and_the_node_holds_exactly_the_site(tmp_path: Path) -> None:
    home = new_newsroom(tmp_path)
    root = build(home, site_tree(1, big=3 << 20))
    with Newsroom.open(home, readonly=True) as newsroom:
        ours = {cid.multihash: len(data) for cid, data in dag_blocks(root, newsroom.blocks.get)}
    total = sum(ours.values())
    daemon = start_daemon(tmp_path / "repo")
    try:
        with throttled(daemon.api, 1 << 20) as proxy:
            add_targets(
                home, f'[publish.node]\ntype = "kubo"\nurl = "{proxy.url}"\nbatch_mib = 1\n'
            )
            env = {**os.environ, "PERMAPRESS_HOME": str(home)}
            first = subprocess.Popen(
                [*PERMAPRESS, "publish", "--json"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            deadline = time.monotonic() + 60
            while _confirmed(home / "catalog.sqlite") == 0 and first.poll() is None:
                assert time.monotonic() < deadline, "the first batch was never confirmed"
                time.sleep(0.05)
            assert first.poll() is None, "publish finished before it could be killed"
            first.send_signal(signal.SIGKILL)
            first.wait()
            assert first.returncode == -signal.SIGKILL
            with PublishState.open(home / "catalog.sqlite", readonly=True) as state:
                row = state.root("node", str(root))
                assert row is not None and row.status == "uploading"
                done = len(state.confirmed("node"))
            assert 0 < done < len(ours)
            pins = httpx.post(
                f"{daemon.api}/api/v0/pin/ls", params={"type": "recursive"}, timeout=30
            )
            assert pins.json().get("Keys", {}) == {}

            before = len(proxy.sent)
            second = subprocess.run(
                [*PERMAPRESS, "publish", "--json"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                timeout=120,
            )
            assert second.returncode == 0, second.stderr.decode()
            assert '"result": "pinned"' in second.stdout.decode()
            resent = proxy.sent_since(before)
        assert resent < total  # only the unconfirmed part went again
        exported = httpx.post(
            f"{daemon.api}/api/v0/dag/export", params={"arg": str(root)}, timeout=60
        )
        assert {cid.multihash for cid, _ in read_car(io.BytesIO(exported.content))} == set(ours)
        assert _local_blocks(daemon.api) == set(ours)
        status = subprocess.run(
            [*PERMAPRESS, "status", "--json"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
        )
        assert f'"pinned": [\n      "{root}"' in status.stdout.decode()
    finally:
        daemon.stop()
