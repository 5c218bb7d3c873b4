"""Reading many source files on every core while one process records them, in order.

    worker_count() -> int                 processes to read with: PERMAPRESS_IMPORT_WORKERS when
                                          set (1: read in the importing process), else the
                                          cores this process may use
    start_pool(workers) -> Executor|None  a process pool started now (by fork, before any thread
                                          of the caller exists), or None for ``workers`` < 2
    in_order(tasks, ahead) -> Iterator    each task's result in the order given; a task is a
                                          (future, run) pair: the future's result when it was
                                          given to the pool, else (or when the pool broke: a
                                          worker killed) ``run()`` in this process; at most
                                          ``ahead`` futures are kept waiting, so memory stays
                                          bounded however many files there are

Workers ignore Ctrl+C (the importing process alone stops, and ends them). Only reading
(parse, sanitise, render the body's HTML) runs in the pool; the catalog and the
block store are written by the importing process alone, so what is recorded, and in which
order, is the same with any number of workers.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future
from typing import Final, TypeVar

R = TypeVar("R")

__all__ = ["BrokenExecutor", "Task", "in_order", "start_pool", "worker_count"]

ENV: Final = "PERMAPRESS_IMPORT_WORKERS"


def worker_count() -> int:
    """How many processes read sources (see the module docstring)."""
    given = os.environ.get(ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without affinity
        return os.cpu_count() or 1


def _ready() -> None:
    return None


def _worker_start() -> None:
    """A reader ignores Ctrl+C: the importing process stops and ends the pool, so the user sees
    its one line, not a KeyboardInterrupt traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_pool(workers: int) -> Executor | None:
    """A pool of ``workers`` forked processes, all started before this returns."""
    if workers < 2:
        return None
    import multiprocessing  # here: a small import (one file) starts without it
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    # SIGINT is blocked while the workers are forked, so none gets one before it ignores it
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
        )
        pool.submit(_ready).result()  # fork every worker now, while the caller has one thread
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    return pool


Task = tuple["Future[R] | None", Callable[[], R]]


def in_order(tasks: Iterable[Task[R]], ahead: int) -> Iterator[R]:
    """The result of each task, in order; see the module docstring."""
    waiting: deque[Task[R]] = deque()
    running = 0
    source = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and running < ahead:
            task = next(source, None)
            if task is None:
                exhausted = True
                break
            waiting.append(task)
            running += task[0] is not None
        if not waiting:
            return
        future, run = waiting.popleft()
        if future is None:
            yield run()
            continue
        running -= 1
        try:
            result = future.result()
        except BrokenExecutor:  # a worker died: read this one here
            result = run()
        yield result
