"""The progress bar of long work (an import, a build), drawn on standard error.

    progress_bar(shown) -> context manager giving a ``Bar``: ``add_task``, ``advance``, ``update``

When none is shown the bar does nothing (``NoBar``), and rich is not even imported.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol


class Bar(Protocol):
    """What long work calls on its bar (rich's ``Progress`` or ``NoBar``)."""

    def add_task(self, description: str, total: float | None = ...) -> Any: ...

    def advance(self, task: Any, advance: float = ...) -> None: ...

    def update(self, task: Any, **fields: Any) -> None: ...


class NoBar:
    """The bar of work that shows none."""

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        return None

    def update(self, task: int, **fields: Any) -> None:
        return None


def progress_bar(shown: bool) -> AbstractContextManager[Any]:
    if not shown:
        return nullcontext(NoBar())
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    return Progress(*columns, console=Console(stderr=True), transient=True)
