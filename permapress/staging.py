"""Folders written whole or not at all.

    with staged_folder(target) as folder:    fill ``folder`` (a new, empty folder beside target)
        ...                                  on success it is renamed to ``target``;
                                             on any exception it is deleted and target is untouched

``target`` may be missing or an empty folder; with ``replace=True`` an existing folder is
replaced (moved aside, then deleted once the new one is in place). The staging folder is made
private (0700); with ``public=True`` the finished folder gets the permissions an ordinary
``mkdir`` would give it (0777 less the umask), so that a web server can read an exported site.
``OSError`` propagates: each caller names the failure in its own words.

The staging folder is named ``.<target name>.<process id>.<random>.part`` (the old folder moved
aside gets ``-old`` after that). A process killed outright (``kill -9``, a power cut) cannot
remove its own: the next ``staged_folder`` for the same target removes every such folder whose
process is no longer running. Folders of a running process are left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(target: Path, *, replace: bool = False, public: bool = False) -> Iterator[Path]:
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent, target.name)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=parent)
    )
    try:
        yield staging
        if public:
            staging.chmod(0o777 & ~_umask())
        if target.exists() and replace:
            old = staging.with_name(staging.name + "-old")
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
            return
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_stale(parent: Path, name: str) -> list[Path]:
    """Remove the staging folders for ``parent/name`` left by processes that are gone; return
    them."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[^/]*\.part(-old)?")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or _running(int(found.group(1))):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """Is there a process with this id? (One we may not signal is running too.)"""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return True  # not a process id we can check: never remove on a guess
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
