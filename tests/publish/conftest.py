"""Fixtures of the publishing tests: js-ipfs daemons (started once per session, one online with
no peers to reach, one started like ``ipfs daemon --offline``) and newsrooms."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from publish_world import HAVE_DAEMON, Daemon, new_newsroom, start_daemon  # noqa: E402


@pytest.fixture(scope="session")
def ipfs_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    if not HAVE_DAEMON:
        pytest.skip("node or tests/interop/node_modules/ipfs-daemon is missing (run npm ci there)")
    daemon = start_daemon(tmp_path_factory.mktemp("ipfs-repo"))
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def ipfs_daemon_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    if not HAVE_DAEMON:
        pytest.skip("node or tests/interop/node_modules/ipfs-daemon is missing (run npm ci there)")
    daemon = start_daemon(tmp_path_factory.mktemp("ipfs-repo-offline"), offline=True)
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(params=["online", "offline"])
def any_daemon(
    request: pytest.FixtureRequest, ipfs_daemon: Daemon, ipfs_daemon_offline: Daemon
) -> Daemon:
    """Each test using it runs against both daemons."""
    return ipfs_daemon if request.param == "online" else ipfs_daemon_offline


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return new_newsroom(tmp_path)
