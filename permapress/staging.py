"""Folders written whole or not at all.

    with staged_folder(target) as folder:    fill ``folder`` (a new, empty folder beside target)
        ...                                  on success it is renamed to ``target``;
                                             on any exception it is deleted and target is untouched

``target`` may be missing or an empty folder; with ``replace=True`` an existing folder is
replaced (moved aside, then deleted once the new one is in place). The staging folder is made
private (0700); with ``public=True`` the finished folder gets the permissions an ordinary
``mkdir`` would give it (0777 less the umask), so that a web server can read an exported site.
``OSError`` propagates: each caller names the failure in its own words.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(target: Path, *, replace: bool = False, public: bool = False) -> Iterator[Path]:
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
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


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
