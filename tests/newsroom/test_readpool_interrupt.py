"""A Ctrl+C reaches every process of the terminal's group: import's reader workers ignore it.

The importing process alone stops (one line, "interrupted"); a worker that took the SIGINT
would die printing a KeyboardInterrupt traceback, and the pool would break.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from permapress.newsroom.readpool import start_pool


def _pid() -> int:
    return os.getpid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks only where fork exists")
def test_reader_workers_ignore_ctrl_c() -> None:
    pool = start_pool(2)
    assert pool is not None
    try:
        workers = {pool.submit(_pid).result(timeout=60) for _ in range(20)}
        assert workers and os.getpid() not in workers
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        time.sleep(0.5)  # let a worker that does not ignore it die (not a timing assertion)
        after = {pool.submit(_pid).result(timeout=60) for _ in range(20)}
        assert after <= workers  # the same processes still answer: none died of the SIGINT
    finally:
        pool.shutdown()
