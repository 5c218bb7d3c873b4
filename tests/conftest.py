"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what is computed, never how fast: a busy machine must not fail them.
settings.register_profile(
    "permapress", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("permapress")

# A runner that starts the tests with Ctrl+C ignored (some CI runners and `nohup` do) passes
# that on to every process the tests start, and the Ctrl+C tests would then see a process that
# cannot be interrupted. The tests take Ctrl+C back, so their children start with it too.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# data_paths (where the test data lives) is importable from every test folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

Terminal = Callable[..., tuple[subprocess.CompletedProcess[bytes], bytes]]


def _on_terminal(*args: str | Path) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """Run the installed `permapress` with standard error on a pseudo-terminal; return the
    finished process (standard output captured) and everything drawn on the terminal."""
    script = Path(sys.executable).parent / "permapress"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [script, *args],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            check=False,
            timeout=120,
        )
    finally:
        os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    return done, drawn


@pytest.fixture
def on_terminal() -> Terminal:
    return _on_terminal
