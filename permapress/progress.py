"""The progress bar of long work (an import, a build), drawn on standard error.

    progress_bar(shown) -> context manager giving a ``Bar``: ``add_task``, ``advance``, ``update``
    paused(bar)          -> context manager: the bar not drawn meanwhile (fork worker processes
                            in it: rich draws from a thread of its own, and a process forked
                            while that thread holds a lock would inherit the lock held)

When none is shown the bar does nothing (``NoBar``), and rich is not even imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol


class Bar(Protocol):
    """What long work calls on its bar (rich's ``Progress`` or ``NoBar``)."""

    def add_task(self, description: str, /, *, total: float | None = ...) -> Any: ...

    def advance(self, task: Any, /, advance: float = ...) -> None: ...

    def update(
        self, task: Any, /, *, total: float | None = ..., description: str | None = ...
    ) -> None: ...


class NoBar:
    """The bar of work that shows none."""

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: Any, advance: float = 1) -> None:
        return None

    def update(
        self, task: Any, *, total: float | None = None, description: str | None = None,
        **fields: Any,
    ) -> None:
        return None


def progress_bar(shown: bool) -> AbstractContextManager[Any]:
    if not shown:
        return nullcontext(NoBar())
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    return Progress(*columns, console=Console(stderr=True), transient=True)


@contextmanager
def paused(bar: Bar) -> Iterator[None]:
    """``bar`` stopped while the body runs, then drawn again (see the module docstring)."""
    stop, start = getattr(bar, "stop", None), getattr(bar, "start", None)
    if stop is None or start is None:
        yield
        return
    stop()  # waits for a redraw under way; the drawing thread then ends
    try:
        yield
    finally:
        start()
