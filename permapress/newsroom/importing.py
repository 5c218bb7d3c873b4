"""Import sources (files, folders, URLs) into the catalog and report what happened to each.

``import_paths`` reads every source, records each article it yields and returns the report that
``permapress import --json`` prints:

    {"imported": n, "updated": n, "unchanged": n, "held": n,
     "failed": [{"source", "error"}], "items": [{"source", "slug", "status"}],
     "notes": [{"source", "message"}]}

Sources: a file (format detected from its content, or forced with ``fmt``), a folder (walked
recursively in sorted order; hidden entries and folders named ``media`` — an exported
article's files — are skipped, and files of no known format are skipped silently), or an
http(s) URL (fetched once; an RSS/Atom/JSON feed, a WordPress export, ninjs or an HTML page,
told from the content). Feeds, WordPress exports and ninjs files are streamed item by item.

Each article is matched to what the catalog holds by its ``source`` key (``source_key``): a
file's absolute path, a page's canonical URL, "<feed>#<guid>", "<site>#post-<id>", a ninjs
``uri``. A page fetched again whose text is the same (only its kept original,
``source.warc.gz``, or its modification time differ) is "unchanged", not a new version.

A source that gives no article and no failure (an export with only drafts, a folder with no
file of a known format) becomes a failure saying so: an import never reports "0 imported,
0 failed" for input that held nothing importable.

Corrections are never undone by an import. Each import remembers which version it recorded
and from which source text (``importmarks``). When the article has versions made since by
``permapress correct`` (or an editor) and the source is as it was, the item is "unchanged
(corrected since)" (counted as unchanged) and nothing is recorded; when the source changed, it
is "held" with a note naming the correction, and only ``force`` (``import --force``) records
the source's text as a new version, whose note says which correction it supersedes. A date that
the reader had to infer (``"published" in article.inferred``) keeps the one first recorded, so
re-importing a feed without dates does not make a new version each time.

A bad file or item becomes one entry in ``failed`` naming it and the problem; it never stops
the others, and nothing of it is stored (``record_article`` writes blocks first and the
version in one transaction). ``notes`` tells what was skipped on purpose (drafts, attachments)
or recovered (a malformed feed). ``progress=True`` shows a rich progress bar on stderr.

A folder's Markdown files are read in worker processes (``readpool``; the same items in the
same order as one process reads them), and the catalog is written in batches (``importbatch``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from permapress.articles import feed, html, ninjs, wxr
from permapress.articles.fetch import Fetched, fetch, is_url
from permapress.articles.items import Failed, Item, Note, ReadOptions, without_provenance
from permapress.articles.markup import markdown_to_html, remember_html
from permapress.articles.media import confined, outside_root
from permapress.articles.model import Article, content_key
from permapress.articles.sources import HEAD_BYTES, detect, read_source, readers
from permapress.articles.taxonomy import Taxonomy
from permapress.catalog import VersionRow
from permapress.errors import ArticleError, PermapressError
from permapress.newsroom.home import Newsroom
from permapress.newsroom.importbatch import Marks, batched, direct_marks
from permapress.newsroom.media_archive import with_media
from permapress.newsroom.readpool import (
    BrokenExecutor,
    Task,
    in_order,
    start_pool,
    worker_count,
)
from permapress.newsroom.record import load_article, record_article

SKIPPED_FOLDERS = frozenset({"media"})
_PARALLEL: Final = frozenset({"markdown"})  # formats a folder's worker processes read
_PARALLEL_MIN: Final = 16  # fewer such files than this: read them here
_CHUNK: Final = 8  # files per task given to a worker
_AHEAD: Final = 16  # tasks read ahead of the one being recorded
UNCHANGED_CORRECTED = "unchanged (corrected since)"


def source_key(source: str) -> str:
    """The key that matches a re-import of the same source: an absolute path, or as given."""
    if is_url(source) or "#" in source:
        return source
    path = Path(source)
    try:
        if path.exists():
            return str(path.resolve())
    except OSError:
        pass
    return source


def empty_report() -> dict[str, Any]:
    return {"imported": 0, "updated": 0, "unchanged": 0, "held": 0, "failed": [], "items": [],
            "notes": []}  # fmt: skip


def _files(
    given: Path, fmt: str | None, seen: set[tuple[int, int]], formats: dict[Path, str | None]
) -> Iterator[Path | Failed]:
    """The files to read under the folder ``given`` (see the module docstring); ``formats``
    gets the format each one was detected as (``fmt`` when given)."""
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
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name not in SKIPPED_FOLDERS:
                yield from _files(path, fmt, seen, formats)
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
            yield path


def _line(error: object, where: object) -> str:
    text = " ".join(str(error).split())
    return text if text.startswith(str(where)) else f"{where}: {text}"


def _file_items(path: Path, fmt: str | None, tz: tzinfo, options: ReadOptions) -> Iterator[Item]:
    if fmt is None:
        with path.open("rb") as handle:
            fmt = detect(path, handle.read(HEAD_BYTES))
        if fmt is None:
            choices = ", ".join(sorted(readers()))
            raise ArticleError(f"is not in a format I can read ({choices}); name the format "
                               "with --format if it is one", str(path))  # fmt: skip
    if fmt == "wxr":
        yield from wxr.iter_items(path, tz=tz, options=options)
    elif fmt == "feed":
        yield from feed.iter_items(path.read_bytes(), feed_key=str(path.resolve()),
                                   folder=path.parent, tz=tz, options=options)  # fmt: skip
    elif fmt == "ninjs":
        yield from ninjs.iter_items(path.read_bytes(), source=str(path.resolve()),
                                    folder=path.parent, tz=tz, options=options)  # fmt: skip
    elif fmt == "html":
        yield from html.read(path, tz=tz, options=options)
    else:
        yield from read_source(path, fmt, tz)


def _url_items(url: str, fmt: str | None, tz: tzinfo, options: ReadOptions) -> Iterator[Item]:
    got: Fetched = fetch(url, limits=options.limits)
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


Read = tuple[str, Item, str | None]  # (label, item, the body's HTML when already rendered)
Job = tuple[Path, Path, str | None, tzinfo, ReadOptions]


def _read_files(jobs: list[Job]) -> list[Read]:
    """Read files in a worker process: their items, each article's body HTML rendered too."""
    out: list[Read] = []
    for target, root, fmt, tz, options in jobs:
        for item in _target_items(target, root, fmt, tz, options):
            rendered = markdown_to_html(item.body) if isinstance(item, Article) else None
            out.append((str(target), item, rendered))
    return out


def _inline(target: Path | str, root: Path, fmt: str | None, tz: tzinfo,
            options: ReadOptions) -> Iterator[Read]:  # fmt: skip
    label = str(target)
    return ((label, item, None) for item in _target_items(target, root, fmt, tz, options))


def _tasks(
    targets: list[Path | str | Failed],
    root: Path,
    formats: dict[Path, str | None],
    fmt: str | None,
    tz: tzinfo,
    options: ReadOptions,
    pool: Executor | None,
) -> Iterator[Task[Iterable[Read]]]:
    """One task per target, or per run of up to ``_CHUNK`` Markdown files read in ``pool``."""
    parallel = pool is not None and sum(
        1 for t in targets if isinstance(t, Path) and formats.get(t) in _PARALLEL
    ) >= _PARALLEL_MIN
    chunk: list[Job] = []

    def flush() -> Task[Iterable[Read]]:
        jobs = list(chunk)
        chunk.clear()
        assert pool is not None
        try:
            return pool.submit(_read_files, jobs), partial(_read_files, jobs)
        except BrokenExecutor:  # a worker died earlier: read the rest here
            return None, partial(_read_files, jobs)

    for target in targets:
        if parallel and isinstance(target, Path) and formats.get(target) in _PARALLEL:
            chunk.append((target, root, fmt, tz, options))
            if len(chunk) == _CHUNK:
                yield flush()
            continue
        if chunk:
            yield flush()
        if isinstance(target, Failed):
            yield None, partial(lambda f: [(f.source, f, None)], target)
        else:
            yield None, partial(_inline, target, root, fmt, tz, options)
    if chunk:
        yield flush()


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
        if is_url(text):
            targets: list[Path | str | Failed] = [text]
            root = Path()
        else:
            path = Path(given)
            root = path if path.is_dir() else path.parent  # media only from inside it
            if path.is_dir():
                targets = [outside_root(t, path) for t in _files(path, fmt, set(), formats)]
            elif path.exists() or path.is_symlink():
                targets = [path]
            else:
                targets = [Failed(text, f"{text}: does not exist")]
        tasks = _tasks(targets, root, formats, fmt, tz, options, pool)
        for reads in in_order(tasks, ahead=_AHEAD):
            for label, item, rendered in reads:
                if rendered is not None and isinstance(item, Article):
                    remember_html(item.body, rendered)
                yield label, item
        if not targets:
            yield text, Failed(text, f"{text}: holds no file in a format I can read "
                                     f"({', '.join(sorted(readers()))})")  # fmt: skip


def _same_text(newsroom: Newsroom, slug: str, article: Article) -> bool:
    """True when ``article`` differs from the stored version only in provenance files."""
    previous = newsroom.catalog.latest(slug)
    if previous is None:
        return False
    stored = without_provenance(load_article(newsroom, previous, with_media=True))
    fresh = without_provenance(article)
    return replace(stored, slug=slug, modified=None, source=None) == replace(
        fresh, slug=slug, modified=None, source=None
    )


def record_item(
    newsroom: Newsroom,
    report: dict[str, Any],
    label: str,
    item: Item,
    *,
    now: datetime,
    note: str | None,
    taxonomy: Taxonomy,
    force: bool = False,
    marks: Marks | None = None,
) -> str | None:
    """Record one item into the catalog and the report; return its status (None: not an
    article or failed). See the module docstring for corrections and ``force``; ``marks``:
    the import marks of a batched import (``importbatch``), else they are written at once."""
    marks = marks if marks is not None else direct_marks(newsroom)
    if isinstance(item, Note):
        report["notes"].append({"source": item.source, "message": item.message})
        return None
    if isinstance(item, Failed):
        report["failed"].append({"source": item.source, "error": item.error})
        return None
    key = source_key(item.source or label)
    article = replace(item, source=key)
    shown = key if "#" in key else label
    try:
        existing = newsroom.catalog.article_by_source(key)
        slug = existing.slug if existing is not None else None
        source_text = content_key(without_provenance(article))
        if existing is not None and "published" in article.inferred:
            kept = newsroom.catalog.latest(existing.slug)
            if kept is not None:  # a guessed date stays the one first guessed
                article = replace(article, published=datetime.fromisoformat(kept.published))
        if existing is not None and len(without_provenance(article).media) != len(
            article.media
        ) and _same_text(newsroom, existing.slug, article):
            status = "unchanged"
        else:
            # a retracted article takes no version at all: record_article says so
            guard = _corrected_since(newsroom, existing.slug, article, source_text, marks) \
                if existing is not None and existing.status != "retracted" else None  # fmt: skip
            if guard is not None and guard.unchanged:
                status = UNCHANGED_CORRECTED
            elif guard is not None and not force:
                report["notes"].append({"source": shown, "message": guard.held_message()})
                status = "held"
            else:
                version_note = note if existing is not None else None
                if guard is not None:
                    version_note = guard.superseding_note(note)
                    report["notes"].append({"source": shown,
                                            "message": guard.forced_message()})  # fmt: skip
                recorded = record_article(newsroom, article, now=now, note=version_note,
                                          taxonomy=taxonomy)  # fmt: skip
                status, slug = recorded.status, recorded.slug
        if slug is not None and status in ("imported", "updated", "unchanged"):
            _mark(newsroom, slug, source_text, marks)
    except PermapressError as exc:
        report["failed"].append({"source": shown, "error": str(exc)})
        return None
    assert slug is not None
    report["unchanged" if status == UNCHANGED_CORRECTED else status] += 1
    report["items"].append({"source": shown, "slug": slug, "status": status})
    return status


@dataclass(frozen=True, slots=True)
class _Guard:
    """Versions made since the last import of an article (corrections), and whether the source
    is the same as then."""

    slug: str
    unchanged: bool
    corrections: tuple[VersionRow, ...]

    def _which(self) -> str:
        numbers = [str(v.number) for v in self.corrections]
        listed = numbers[-1] if len(numbers) == 1 else ", ".join(numbers[:-1])
        listed += "" if len(numbers) == 1 else " and " + numbers[-1]
        last = self.corrections[-1]
        said = f" ({last.note})" if last.note else ""
        return f"{'version' if len(numbers) == 1 else 'versions'} {listed}{said}"

    def held_message(self) -> str:
        return (f"{self.slug}: the source changed since it was imported, but {self._which()} "
                "corrected the article since; nothing recorded. Import with --force to record "
                "the source's text over the correction")  # fmt: skip

    def forced_message(self) -> str:
        return f"{self.slug}: --force: the source's changed text supersedes {self._which()}"

    def superseding_note(self, note: str | None) -> str:
        numbers = ", ".join(str(v.number) for v in self.corrections)
        said = f"Supersedes the correction in version {numbers} with the source's changed text."
        return f"{note.strip()} ({said})" if note and note.strip() else said


def _corrected_since(
    newsroom: Newsroom, slug: str, article: Article, source_text: str, marks: Marks
) -> _Guard | None:
    """The corrections made since ``slug`` was last imported, or None when there are none."""
    versions = newsroom.catalog.versions(slug)
    if not versions or versions[-1].content_key == content_key(article):
        return None
    mark = marks.last(slug)
    if mark is not None:
        later = tuple(v for v in versions if v.number > mark.number)
        return _Guard(slug, mark.key == source_text, later) if later else None
    # An article imported before import marks existed: the source is unchanged when an earlier
    # version holds exactly its text, and the versions after that one came from elsewhere.
    key = content_key(article)
    same = [v.number for v in versions[:-1] if v.content_key == key]
    if same:
        return _Guard(slug, True, tuple(v for v in versions if v.number > same[-1]))
    return None


def _mark(newsroom: Newsroom, slug: str, source_text: str, marks: Marks) -> None:
    latest = newsroom.catalog.latest(slug)
    mark = marks.last(slug)
    if latest is None:
        return
    if mark is None or mark.number != latest.number or mark.key != source_text:
        marks.set(slug, latest.number, source_text)


def import_paths(
    newsroom: Newsroom,
    paths: list[Path] | list[str] | list[Path | str],
    *,
    fmt: str | None,
    now: datetime,
    note: str | None = None,
    progress: bool = False,
    options: ReadOptions | None = None,
) -> dict[str, Any]:
    """Import everything under ``paths``; return the report (see the module docstring)."""
    config = newsroom.config
    options = options or ReadOptions(language=config.language, categories=config.categories)
    if options.now is None:  # the date of last resort is this import's time
        options = replace(options, now=now)
    report = empty_report()
    taxonomy = Taxonomy(config.category_topics)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    console = Console(stderr=True)
    # a folder's Markdown files are read on every core; started before the progress bar's thread
    folders = any(not is_url(str(p)) and Path(p).is_dir() for p in paths)
    pool = start_pool(worker_count()) if folders else None
    with ExitStack() as stack:
        if pool is not None:
            stack.callback(pool.shutdown, cancel_futures=True)
        bar = stack.enter_context(Progress(*columns, console=console, transient=True,
                                           disable=not progress))  # fmt: skip
        task = bar.add_task("Importing", total=None)
        writes = stack.enter_context(batched(newsroom))  # one transaction per batch
        items = iter_items(paths, fmt=fmt, tz=config.tz, options=options, pool=pool)
        read = with_media(newsroom, items, report, enabled=options.media)
        for label, item in writes.paced(read):
            writes.begin()
            record_item(newsroom, report, label, item, now=now, note=note, taxonomy=taxonomy,
                        force=options.force, marks=writes)  # fmt: skip
            writes.done_one()
            done = report["imported"] + report["updated"] + report["unchanged"]
            name = label if len(label) <= 48 else "…" + label[-47:]
            bar.update(task, completed=done + len(report["failed"]),
                       description=f"Importing {name}")  # fmt: skip
    return report
