"""What ``permapress ipfs add`` needs around the importer: the newsroom it runs in, its profile,
a progress bar for big inputs, and the CAR file written beside its target.

    newsroom_home(home) -> Path | None        the newsroom (``--home`` or the current folder)
    add_profile(name, newsroom) -> Profile    ``--profile``, else the newsroom's, else the default
    ByteCounter(), import_progress(path, hidden, counter)   bytes read; a bar on a terminal
    folder_of(target), write_car_file(target, root, store) -> bytes written (temp file + rename)
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from permapress.errors import ConfigError
from permapress.ipfs.car import dag_blocks, write_car
from permapress.ipfs.cid import CID
from permapress.ipfs.profiles import DEFAULT_PROFILE, Profile, get_profile
from permapress.ipfs.sourcecar import SourceBackedStore
from permapress.ipfs.spool import SpoolBlockstore

PROGRESS_MIN_BYTES = 8 << 20


def newsroom_home(home: Path | None) -> Path | None:
    from permapress.config import find_home

    if home is not None:
        return find_home(home, Path.cwd(), {})
    try:
        return find_home(None, Path.cwd(), {})
    except ConfigError:
        return None


def tree_size(path: Path, hidden: bool) -> int:
    """Bytes of the regular files under ``path`` (for the progress bar's total)."""
    if path.is_symlink() or not path.is_dir():
        return path.stat().st_size if path.is_file() and not path.is_symlink() else 0
    total = 0
    for folder, dirs, files in os.walk(path):
        if not hidden:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            entry = Path(folder) / name
            if (hidden or not name.startswith(".")) and not entry.is_symlink():
                with suppress(OSError):
                    total += entry.stat().st_size
    return total


class ByteCounter:
    """Counts the file bytes the importer reads (its ``progress`` callback)."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, nbytes: int) -> None:
        self.total += nbytes


@contextmanager
def import_progress(
    path: Path, hidden: bool, counter: ByteCounter
) -> Iterator[Callable[[int], None]]:
    """A progress callback; draws a bar on stderr for big inputs when stderr is a terminal."""
    total = tree_size(path, hidden) if sys.stderr.isatty() else 0
    if total < PROGRESS_MIN_BYTES:
        yield counter
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"importing {path.name}", total=total)

        def advance(nbytes: int) -> None:
            counter(nbytes)
            bar.advance(task, nbytes)

        yield advance


def folder_of(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {target}: folder {folder} does not exist")
    return folder


def write_car_file(
    target: Path, root: CID, store: SourceBackedStore | SpoolBlockstore
) -> int:
    """Write the CAR next to ``target`` under a temporary name, then rename it into place."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            written = write_car([root], dag_blocks(root, store.get), out)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return written


def add_profile(name: str | None, newsroom: Path | None) -> Profile:
    if name is not None:
        return get_profile(name)
    if newsroom is not None:
        from permapress.config import load_config

        return get_profile(load_config(newsroom).profile)
    return DEFAULT_PROFILE
