"""permapress/progress.py: the progress bar of long work, and pausing it around a fork."""

from __future__ import annotations

import io

from rich.console import Console
from rich.file_proxy import FileProxy
from rich.progress import Progress

from permapress.progress import NoBar, paused, progress_bar


def test_no_bar_is_shown_unless_asked() -> None:
    with progress_bar(False) as bar:
        assert isinstance(bar, NoBar)
        task = bar.add_task("Rendering", total=None)
        bar.update(task, total=3, description="Search index")
        bar.advance(task, 2)  # does nothing, and says nothing


def test_paused_stops_the_bar_around_its_body_and_draws_it_again() -> None:
    """A real rich bar drawing to a terminal: while paused it is not started (its drawing
    thread stopped, standard error its own again), and it is started again after."""
    import sys

    out = io.StringIO()
    bar = Progress(console=Console(file=out, force_terminal=True, width=80), transient=True)
    with bar:
        task = bar.add_task("Rendering", total=2)
        assert bar.live.is_started and isinstance(sys.stderr, FileProxy)  # rich holds it
        with paused(bar):
            assert not bar.live.is_started
            assert not isinstance(sys.stderr, FileProxy)
            bar.advance(task)
        assert bar.live.is_started and isinstance(sys.stderr, FileProxy)
        bar.advance(task)
    assert "Rendering" in out.getvalue()


def test_paused_leaves_a_bar_without_a_display_alone() -> None:
    events: list[str] = []
    with paused(NoBar()):
        events.append("body")
    assert events == ["body"]
