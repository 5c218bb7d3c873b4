"""Fixtures of the publishing tests: a js-ipfs daemon (started once per session) and newsrooms."""

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


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return new_newsroom(tmp_path)
