"""Reading import sources (files, folders, URLs) into items, in order, on every core.

    iter_items(sources, *, fmt, tz, options, pool=None) -> Iterator[(label, Item)]

Sources: a file (format detected from its content, or forced with ``fmt``), a folder (walked
recursively in sorted order; hidden entries and folders named ``media`` — an exported
article's files — are skipped, and files of no known format are skipped silently), or an
http(s) URL (fetched once; an RSS/Atom/JSON feed, a WordPress export, ninjs or an HTML page,
told from the content). Feeds, WordPress exports and ninjs files are streamed item by item.

Every problem becomes a ``Failed`` naming the source (a reader's own bug too), and a source that
gives no article and no failure becomes a failure saying so. With ``pool``
(``readpool.start_pool``), a folder of at least 16 Markdown files is read in the pool's worker
processes in tasks of 8 files, each article coming back with its body HTML
(``markup.remember_html`` keeps it, so recording does not render it again) and, for a new
article, its first version built and stored (``prebuild``); the items come in
the folder's order, the same as one process reads them, and a broken pool leaves the rest to
this process. Other formats are read here, in their turn.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import replace
from datetime import tzinfo
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Final

from permapress.articles.fetch import is_url
from permapress.articles.items import Failed, Item, Note, ReadOptions, outside_root
from permapress.articles.markup import markdown_to_html, remember_html
from permapress.articles.media import confined
from permapress.articles.model import Article
from permapress.articles.sources import HEAD_BYTES, detect, read_source, readers
from permapress.errors import ArticleError, PermapressError
from permapress.newsroom import prebuild
from permapress.newsroom.prebuild import Prebuilt
from permapress.newsroom.readpool import BrokenExecutor, Task, in_order

SKIPPED_FOLDERS = frozenset({"media"})
_PARALLEL: Final = frozenset({"markdown"})  # formats a folder's worker processes read
_PARALLEL_MIN: Final = 16  # fewer such files than this: read them here
_CHUNK: Final = 8  # files per task given to a worker
_AHEAD: Final = 16  # tasks read ahead of the one being recorded


def _files(
    given: Path,
    fmt: str | None,
    seen: set[tuple[int, int]],
    formats: dict[Path, str | None],
    linked: set[Path],
    via_link: bool = False,
) -> Iterator[Path | Failed]:
    """The files to read under the folder ``given`` (see the module docstring); ``formats``
    gets the format each one was detected as (``fmt`` when given), ``linked`` those reached
    through a symlink (a file that is one, or under a folder that is one): only those can lie
    outside the folder being imported, so only those are resolved to check."""
    try:
        info = given.stat()
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(given), key=lambda e: e.name)
    except OSError as exc:
        yield Failed(str(given), f"{given}: cannot open the folder ({exc.strerror or exc})")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
            link = via_link or entry.is_symlink()
        except OSError:
            is_dir, link = False, True
        if is_dir:
            if entry.name not in SKIPPED_FOLDERS:
                yield from _files(path, fmt, seen, formats, linked, link)
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(HEAD_BYTES)
            if fmt is not None:
                reader = readers()[fmt]
                wanted = reader.sniff(path, head) or path.suffix.lower() in getattr(
                    reader, "EXTENSIONS", ()
                )
            else:
                formats[path] = detect(path, head)
                wanted = formats[path] is not None
        except PermapressError as exc:
            yield Failed(str(path), _line(exc, path))
            continue
        except OSError as exc:
            yield Failed(str(path), f"{path}: cannot read the file ({exc.strerror or exc})")
            continue
        if wanted:
            formats.setdefault(path, fmt)
            if link:
                linked.add(path)
            yield path


def _line(error: object, where: object) -> str:
    text = " ".join(str(error).split())
    return text if text.startswith(str(where)) else f"{where}: {text}"


def _file_items(path: Path, fmt: str | None, tz: tzinfo, options: ReadOptions) -> Iterator[Item]:
    # each reader of these formats (and what it uses: HTML extraction, feed parsing) is
    # imported when such a file comes: importing one Markdown file starts sooner
    if fmt is None:
        with path.open("rb") as handle:
            fmt = detect(path, handle.read(HEAD_BYTES))
        if fmt is None:
            choices = ", ".join(sorted(readers()))
            raise ArticleError(f"is not in a format I can read ({choices}); name the format "
                               "with --format if it is one", str(path))  # fmt: skip
    if fmt == "wxr":
        from permapress.articles import wxr

        yield from wxr.iter_items(path, tz=tz, options=options)
    elif fmt == "feed":
        from permapress.articles import feed

        yield from feed.iter_items(path.read_bytes(), feed_key=str(path.resolve()),
                                   folder=path.parent, tz=tz, options=options)  # fmt: skip
    elif fmt == "ninjs":
        from permapress.articles import ninjs

        yield from ninjs.iter_items(path.read_bytes(), source=str(path.resolve()),
                                    folder=path.parent, tz=tz, options=options)  # fmt: skip
    elif fmt == "html":
        from permapress.articles import html

        yield from html.read(path, tz=tz, options=options)
    else:
        yield from read_source(path, fmt, tz)


def _url_items(url: str, fmt: str | None, tz: tzinfo, options: ReadOptions) -> Iterator[Item]:
    from permapress.articles import feed, html, ninjs, wxr
    from permapress.articles.fetch import fetch

    got = fetch(url, limits=options.limits)
    head = got.data[:HEAD_BYTES]
    probe = Path(got.final_url.rsplit("/", 1)[-1] or "index")
    if fmt is None:
        kinds = (("wxr", wxr.sniff), ("feed", feed.sniff), ("ninjs", ninjs.sniff))
        fmt = next((name for name, sniff in kinds if sniff(probe, head)), "html")
    if fmt == "wxr":
        with tempfile.TemporaryDirectory(prefix="permapress-wxr-") as folder:
            path = Path(folder) / "export.xml"
            path.write_bytes(got.data)
            for item in wxr.iter_items(path, tz=tz, options=options):
                yield replace(item, source=url) if isinstance(item, Note) else item
    elif fmt == "feed":
        yield from feed.iter_items(got.data, feed_key=url, base=got.final_url,
                                   media_type=got.media_type, charset=got.charset, tz=tz,
                                   options=options)  # fmt: skip
    elif fmt == "ninjs":
        yield from ninjs.iter_items(got.data, source=url, tz=tz, options=options)
    elif fmt == "html":
        yield html.read_page(
            got.data,
            source=url,
            url=got.final_url,
            retrieved=got.retrieved,
            charset=got.charset,
            tz=tz,
            options=options,
            requested=url,
            fetched=got,
        )
    else:
        raise ArticleError(f"--format {fmt} cannot read a URL; save the file and import it", url)


def _target_items(
    target: Path | str, root: Path, fmt: str | None, tz: tzinfo, options: ReadOptions
) -> Iterator[Item]:
    """The items of one file or URL; errors become ``Failed`` (see the module docstring)."""
    label = str(target)
    kept, said = False, ""  # did it give an article or a failure; its last note
    try:
        stream = (_url_items(label, fmt, tz, options) if isinstance(target, str)
                  else confined(_file_items(target, fmt, tz, options), root))  # fmt: skip
        for item in stream:
            kept = kept or isinstance(item, (Article, Failed))
            said = item.message if isinstance(item, Note) else said
            yield item
    except PermapressError as exc:
        kept = True
        yield Failed(label, _line(exc, label))
    except Exception as exc:  # a reader's bug must not stop a whole import
        kept = True
        yield Failed(label, f"{label}: unexpected {type(exc).__name__}: {exc}")
    if not kept:  # never "0 imported, 0 failed" for a source that held nothing
        reason = f" ({said})" if said else ""
        yield Failed(label, f"{label}: holds nothing to import{reason}")


# (label, item, the body's HTML when already rendered, its first version when already built)
Read = tuple[str, Item, str | None, Prebuilt | None]
Job = tuple[Path, Path, str | None, tzinfo, ReadOptions]


def _read_files(jobs: list[Job]) -> list[Read]:
    """Read files in a worker process: their items, each article's body HTML rendered too, and
    its bundle built when it is a new article (``prebuild``)."""
    out: list[Read] = []
    for target, root, fmt, tz, options in jobs:
        for item in _target_items(target, root, fmt, tz, options):
            if not isinstance(item, Article):
                out.append((str(target), item, None, None))
                continue
            rendered = markdown_to_html(item.body)
            out.append((str(target), item, rendered, prebuild.for_item(str(target), item)))
    prebuild.store()  # the blocks are stored before the importing process records them
    return out


def _inline(target: Path | str, root: Path, fmt: str | None, tz: tzinfo,
            options: ReadOptions) -> Iterator[Read]:  # fmt: skip
    label = str(target)
    return ((label, item, None, None) for item in _target_items(target, root, fmt, tz, options))


def _tasks(
    targets: Iterable[Path | str | Failed],
    root: Path,
    formats: dict[Path, str | None],
    fmt: str | None,
    tz: tzinfo,
    options: ReadOptions,
    pool: Executor | None,
) -> Iterator[Task[Iterable[Read]]]:
    """One task per target, or per run of up to ``_CHUNK`` Markdown files read in ``pool``.
    ``targets`` is taken as it comes (a folder's walk goes on while the first tasks are read):
    only until there are ``_PARALLEL_MIN`` Markdown files, to know whether to use the pool."""
    given = iter(targets)
    ahead: list[Path | str | Failed] = []
    found = 0
    if pool is not None:
        while found < _PARALLEL_MIN and (target := next(given, None)) is not None:
            ahead.append(target)
            found += isinstance(target, Path) and formats.get(target) in _PARALLEL
    parallel = pool is not None and found >= _PARALLEL_MIN
    chunk: list[Job] = []

    def flush() -> Task[Iterable[Read]]:
        jobs = list(chunk)
        chunk.clear()
        assert pool is not None
        try:
            return pool.submit(_read_files, jobs), partial(_read_files, jobs)
        except BrokenExecutor:  # a worker died earlier: read the rest here
            return None, partial(_read_files, jobs)

    for target in chain(ahead, given):
        if parallel and isinstance(target, Path) and formats.get(target) in _PARALLEL:
            chunk.append((target, root, formats[target], tz, options))  # detected once
            if len(chunk) == _CHUNK:
                yield flush()
            continue
        if chunk:
            yield flush()
        if isinstance(target, Failed):
            yield None, partial(lambda f: [(f.source, f, None, None)], target)
        else:  # a folder's file is read in the format it was detected as, not detected again
            known = formats.get(target, fmt) if isinstance(target, Path) else fmt
            yield None, partial(_inline, target, root, known, tz, options)
    if chunk:
        yield flush()


def _walk(
    folder: Path, fmt: str | None, formats: dict[Path, str | None], walked: list[int]
) -> Iterator[Path | Failed]:
    """``_files`` of ``folder`` as the walk finds them (``walked[0]`` counts them), a file
    reached through a symlink that leads out of the folder as a ``Failed``."""
    linked: set[Path] = set()
    for target in _files(folder, fmt, set(), formats, linked):
        if isinstance(target, Path) and target in linked:
            target = outside_root(target, folder)
        walked[0] += 1
        yield target


def iter_items(
    sources: Iterable[Path | str],
    *,
    fmt: str | None,
    tz: tzinfo,
    options: ReadOptions,
    pool: Executor | None = None,
) -> Iterator[tuple[str, Item]]:
    """(source label, item) for everything under ``sources``; errors become ``Failed``.

    With ``pool`` (``readpool.start_pool``), a folder's Markdown files are read in its worker
    processes, the items still coming in the folder's order."""
    for given in sources:
        text = str(given)
        formats: dict[Path, str | None] = {}
        walked = [0]  # how many targets the folder's walk has found so far
        targets: Iterable[Path | str | Failed]
        if is_url(text):
            targets = [text]
            root = Path()
        else:
            path = Path(given)
            root = path if path.is_dir() else path.parent  # media only from inside it
            if path.is_dir():
                targets = _walk(path, fmt, formats, walked)
            elif path.exists() or path.is_symlink():
                targets = [path]
            else:
                targets = [Failed(text, f"{text}: does not exist")]
        tasks = _tasks(targets, root, formats, fmt, tz, options, pool)
        for reads in in_order(tasks, ahead=_AHEAD):
            for label, item, rendered, built in reads:
                if rendered is not None and isinstance(item, Article):
                    remember_html(item.body, rendered)
                if built is not None:
                    prebuild.keep(item, built)
                yield label, item
        if not (targets if isinstance(targets, list) else walked[0]):
            yield text, Failed(text, f"{text}: holds no file in a format I can read "
                                     f"({', '.join(sorted(readers()))})")  # fmt: skip
