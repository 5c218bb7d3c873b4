"""The edit loop of ``permapress import PATH... --watch``: the site kept up to date as its sources
are saved, in one warm process (as ``hugo server`` does for a Hugo site).

    loop = EditLoop(newsroom, paths, fmt=None, note=None, options=...)
    loop.first() -> Round                 import everything under ``paths``, build the site
    loop.run(on_round, rounds=None) -> int   watch; on each save: import the saved files, build
    changed_sources(changes, paths, home, fmt) -> [Path]   the saved files worth importing

Each round imports the files saved since the last one (``importing.import_paths``, exactly as
``permapress import FILE`` would) and, when an article was imported or updated, builds the site
(``site.build.build_site``: after a correction in place that is the quick path, ``patched``,
which renders only the article's folder and the pages that show it). The build is recorded in
the catalog as any build is, so a ``permapress serve`` running beside the loop serves the new
root at once. Nothing is kept between rounds that a build from scratch would make differently:
the root after any number of rounds is the root of a build from scratch of the same catalog.
A round whose import or build fails as a whole (a busy catalog, a theme file saved half-edited)
reports it among the round's failures and the loop goes on; in round 0 it stops the command.

Settings (``permapress.toml``) are read again in the round after they change, and the theme
folder is read by every build, so edits to either show from the next save on. What stays warm
between rounds: the interpreter and every module (a command's start-up is most
of the time of a one-file edit), the catalog connection, the compiled templates; and what the
first round left alive is frozen out of the garbage collector's passes (``first``).

Which files are watched: the files named in ``paths``, and under each folder named there every
file an import of that folder would read (hidden files and folders and ``media`` folders are
skipped, and files of no known format). Deleting a file changes nothing on the site (an
article is withdrawn with ``permapress retract``). Files inside the newsroom folder are never
taken as sources, so watching a folder that holds the newsroom does not loop on the build's own
writes. The operating system tells of saves (``watchfiles``: inotify on Linux), so an idle loop
costs nothing and a save is seen within ``STEP_MS``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from permapress.articles.fetch import is_url
from permapress.articles.items import ReadOptions
from permapress.config import CONFIG_NAME, load_config
from permapress.errors import ConfigError, PermapressError
from permapress.handle import Newsroom

STEP_MS: Final = 30  # a save is taken this long after the last change seen (editors write twice)
DEBOUNCE_MS: Final = 400  # at most this long when changes keep coming
WAKE_MS: Final = 500  # the loop wakes this often to see whether it should stop


@dataclass(frozen=True, slots=True)
class Round:
    """What one round did: the files imported, the import's report, the site it left."""

    number: int
    changed: tuple[str, ...]
    report: dict[str, Any]
    versions: dict[str, int]
    root_cid: str | None
    mode: str | None  # the build's: "patched", "incremental", "full"; None: no build this round
    rendered: int
    seconds: float
    cpu: float
    built: bool = field(default=False)

    def as_json(self) -> dict[str, Any]:
        items = [{**item, "version": self.versions.get(item["slug"])}
                 for item in self.report["items"]]  # fmt: skip
        return {
            "round": self.number,
            "changed": list(self.changed),
            "imported": self.report["imported"],
            "updated": self.report["updated"],
            "unchanged": self.report["unchanged"],
            "held": self.report["held"],
            "items": items,
            "failed": self.report["failed"],
            "notes": self.report["notes"],
            "root_cid": self.root_cid,
            "mode": self.mode,
            "rendered": self.rendered,
            "seconds": round(self.seconds, 3),
            "cpu": round(self.cpu, 3),
        }


def check_paths(paths: Iterable[str]) -> list[Path]:
    """The files and folders to watch; ``ConfigError`` (one line) for a URL or a missing path."""
    found: list[Path] = []
    for given in paths:
        if is_url(given):
            raise ConfigError(f"--watch takes files and folders, not URLs ({given}); "
                              "use `permapress watch` to poll feeds")  # fmt: skip
        path = Path(given)
        if not path.exists():
            raise ConfigError(f"{given}: no such file or folder")
        found.append(path.resolve())
    return found


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _wanted(path: Path, fmt: str | None) -> bool:
    """Would an import of the folder holding ``path`` read it (a file of a known format)?"""
    from permapress.articles.sources import HEAD_BYTES, detect, extensions, readers

    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        if fmt is not None:
            reader = readers()[fmt]
            return reader.sniff(path, head) or path.suffix.lower() in extensions(reader)
        return detect(path, head) is not None
    except (OSError, ValueError):
        return False  # gone again, or unreadable: an import of the folder would say why
    except Exception:  # noqa: BLE001 (a reader's own trouble is the import's to report)
        return True


def changed_sources(
    changes: Iterable[str], paths: list[Path], home: Path, fmt: str | None
) -> list[Path]:
    """Of the files ``changes`` names (saved or created), those an import of ``paths`` would
    read, in sorted order; never a file inside the newsroom folder ``home``."""
    from permapress.newsroom.reading import SKIPPED_FOLDERS

    found: set[Path] = set()
    for name in changes:
        path = Path(name)
        if _inside(path, home) or not path.is_file():
            continue
        for given in paths:
            if path == given:
                found.add(path)  # named on the command line: imported whatever it is
                break
            if given.is_dir() and given in path.parents:
                parts = path.relative_to(given).parts
                if any(p.startswith(".") for p in parts) or any(
                    p in SKIPPED_FOLDERS for p in parts[:-1]
                ):
                    break
                if _wanted(path, fmt):
                    found.add(path)
                break
    return sorted(found)


class EditLoop:
    """Import ``paths``, build, and again for every save (see the module docstring)."""

    def __init__(
        self,
        newsroom: Newsroom,
        paths: list[Path],
        *,
        fmt: str | None = None,
        note: str | None = None,
        options: ReadOptions | None = None,
    ) -> None:
        self.newsroom = newsroom
        self.paths = paths
        self.fmt = fmt
        self.note = note
        config = newsroom.config
        self.options = options or ReadOptions(language=config.language,
                                              categories=config.categories)  # fmt: skip
        self.home = config.home.resolve()
        self.settings = self._stamp()
        self.rounds = 0
        self.root: str | None = newsroom.catalog.latest_build()

    def round(self, sources: list[Path], *, always_build: bool = False) -> Round:
        """Import ``sources`` and build when an article changed (or ``always_build``)."""
        from permapress.newsroom.importing import empty_report, import_paths
        from permapress.site.build import build_site

        started, cpu = time.perf_counter(), time.process_time()
        now = datetime.now(UTC)
        try:
            self._settings()
        except PermapressError as exc:
            if always_build:
                raise
            report = empty_report()
            report["failed"].append({"source": CONFIG_NAME, "error": str(exc)})
            return self._done(sources, report, None, 0, started, cpu)
        options = replace(self.options, now=now)
        try:
            report = import_paths(self.newsroom, [str(p) for p in sources], fmt=self.fmt,
                                  now=now, note=self.note, options=options)  # fmt: skip
        except PermapressError as exc:
            if always_build:
                raise  # round 0: the command fails with that line
            report = empty_report()
            report["failed"].append({"source": ", ".join(p.name for p in sources),
                                     "error": str(exc)})  # fmt: skip
        changed = report["imported"] + report["updated"]
        mode, rendered, built = None, 0, False
        if changed or always_build:
            try:
                result = build_site(self.newsroom)
            except PermapressError as exc:  # e.g. a theme file saved half-edited: next save
                if always_build:
                    raise
                report["failed"].append({"source": "build",
                                         "error": f"the site was not built: {exc}"})  # fmt: skip
            else:
                self.root, mode, rendered = result.root_cid, result.mode, result.rendered
                built = True
        return self._done(sources, report, mode, rendered, started, cpu, built)

    def _done(
        self,
        sources: list[Path],
        report: dict[str, Any],
        mode: str | None,
        rendered: int,
        started: float,
        cpu: float,
        built: bool = False,
    ) -> Round:
        versions: dict[str, int] = {}
        for item in report["items"]:
            latest = self.newsroom.catalog.latest(item["slug"])
            if latest is not None:
                versions[item["slug"]] = latest.number
        number = self.rounds
        self.rounds += 1
        return Round(number, tuple(str(p) for p in sources), report, versions, self.root, mode,
                     rendered, time.perf_counter() - started, time.process_time() - cpu,
                     built)  # fmt: skip

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = (self.home / CONFIG_NAME).stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def _settings(self) -> None:
        """Read ``permapress.toml`` again when it changed since the last round (a separate
        command would read it afresh too)."""
        stamp = self._stamp()
        if stamp == self.settings:
            return
        config = load_config(self.home)
        self.newsroom.config = config
        self.options = replace(self.options, language=config.language,
                               categories=config.categories)  # fmt: skip
        self.settings = stamp

    def first(self) -> Round:
        """Round 0: everything under ``paths``, then the site built (whatever was imported).
        What is alive after it (modules, templates, caches) is moved out of the garbage
        collector's sight (``gc.freeze``): a collection during a round then looks only at what
        that round made, not at every object of the warm process."""
        done = self.round(self.paths, always_build=True)
        gc.collect()
        gc.freeze()
        return done

    def run(
        self,
        on_round: Callable[[Round], None],
        *,
        rounds: int | None = None,
        ready: Callable[[], None] | None = None,
    ) -> int:
        """Watch until ``rounds`` more rounds have run (forever when None; Ctrl+C raises
        KeyboardInterrupt); ``ready`` is called once the watch is set up (a save from then on is
        seen). Returns the number of rounds run here."""
        from watchfiles import Change, watch

        folders = sorted({p if p.is_dir() else p.parent for p in self.paths})
        done = 0
        told = ready is None
        for changes in watch(*folders, debounce=DEBOUNCE_MS, step=STEP_MS, rust_timeout=WAKE_MS,
                             yield_on_timeout=True, raise_interrupt=True):  # fmt: skip
            if not told and ready is not None:
                ready()  # the first wake: the watches are in place
                told = True
            saved = [path for change, path in changes if change != Change.deleted]
            sources = changed_sources(saved, self.paths, self.home, self.fmt)
            if not sources:
                continue
            on_round(self.round(sources))
            done += 1
            if rounds is not None and done >= rounds:
                break
        return done
