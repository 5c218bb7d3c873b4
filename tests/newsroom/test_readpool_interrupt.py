"""A Ctrl+C reaches every process of the terminal's group: import's reader workers ignore it.

The importing process alone stops (one line, "interrupted"); a worker that took the SIGINT
would die printing a KeyboardInterrupt traceback, and the pool would break.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import Executor

import pytest

from permapress.newsroom.readpool import start_pool

# Made before the pool forks, so its workers share it: two tasks that wait at it run in two
# different workers, which is how the test learns both workers' process ids.
_MEETING = multiprocessing.get_context("fork").Barrier(2) if hasattr(os, "fork") else None


def _pid_when_both_meet() -> int:
    assert _MEETING is not None
    _MEETING.wait(timeout=60)
    return os.getpid()


def _both_pids(pool: Executor) -> set[int]:
    return {f.result(timeout=90) for f in [pool.submit(_pid_when_both_meet) for _ in range(2)]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks only where fork exists")
def test_reader_workers_ignore_ctrl_c() -> None:
    pool = start_pool(2)
    assert pool is not None
    try:
        workers = _both_pids(pool)
        assert len(workers) == 2 and os.getpid() not in workers
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        time.sleep(0.5)  # let a worker that does not ignore it die (not a timing assertion)
        after = _both_pids(pool)
        assert after == workers  # the same two processes still answer: none died of the SIGINT
    finally:
        pool.shutdown()
